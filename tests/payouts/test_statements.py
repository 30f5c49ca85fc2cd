"""Monthly statements: opening balance, every entry of the month, closing balance and totals;
months by Vietnam's calendar; CSV and PDF in both languages; each producer sees only its own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from shop.extensions import db
from shop.money import format_vnd
from shop.orders.services import apply_refund
from shop.payouts import ledger
from shop.payouts.models import EntryKind, LedgerEntry, Payout
from shop.payouts.providers import payout_reference
from shop.payouts.services import run_payouts
from shop.payouts.statements import GROUPS, Month, group_of, statement, statement_months
from tests.factories import gen_producer, gen_product, gen_user
from tests.payouts.factories import bank_account, deliver, paid_order

OCTOBER, NOVEMBER, DECEMBER = Month(2026, 10), Month(2026, 11), Month(2026, 12)
TODAY = date(2026, 12, 20)
PRODUCER_NAME = "Hộ kinh doanh Chè Tân Cương Đặng Thị Hường"


def ledger_sum(producer_id: int, *conditions) -> int:
    """An independent SQL sum of the producer's entries."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_vnd), 0)).where(
                LedgerEntry.producer_id == producer_id, *conditions
            )
        )
    )


@pytest.fixture
def busy_producer(app):
    """A household seller (so VAT and PIT are withheld): a sale in October; in December a
    sale of two boxes, a refund of one box, and a payout."""
    app.config["FIXED_TODAY"] = TODAY
    producer = gen_producer(legal_type="household", name=PRODUCER_NAME)
    bank_account(producer)
    tea = gen_product(producer, price_vnd=250_000, name_vi="Chè búp Tân Cương")
    october = paid_order([(tea, 1)], now=datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    deliver(october, datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
    december = paid_order([(tea, 2)], now=datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    deliver(december, datetime(2026, 12, 3, 3, 0, tzinfo=UTC))
    line = december.lines[0]
    with time_machine.travel(datetime(2026, 12, 5, 4, 0, tzinfo=UTC), tick=False):
        apply_refund(december, amount_vnd=line.unit_price_vnd, lines={line.id: 1})
    db.session.commit()
    with time_machine.travel(datetime(2026, 12, 14, 1, 0, tzinfo=UTC), tick=False):
        run_payouts(date(2026, 12, 14))
    payout = db.session.scalars(select(Payout).where(Payout.producer_id == producer.id)).one()
    return producer, october, december, payout


def test_a_month_shows_every_entry_and_its_balances(busy_producer):
    producer, october, december, payout = busy_producer
    stmt = statement(producer.id, DECEMBER)

    assert stmt.opening_vnd == ledger_sum(producer.id, LedgerEntry.created_at < DECEMBER.start)
    assert stmt.opening_vnd == ledger_sum(
        producer.id, LedgerEntry.order_line_id == october.lines[0].id
    )
    expected = db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.producer_id == producer.id,
            LedgerEntry.created_at >= DECEMBER.start,
            LedgerEntry.created_at < DECEMBER.end,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    assert [(ln.entry_id, ln.kind, ln.amount_vnd) for ln in stmt.lines] == [
        (e.id, e.kind, e.amount_vnd) for e in expected
    ]
    kinds = {ln.kind for ln in stmt.lines}
    assert {"sale", "commission", "withholding", "refund_sale", "refund_commission"} <= kinds
    assert {"refund_withholding", "payout"} <= kinds
    assert {ln.tax for ln in stmt.lines if ln.kind == EntryKind.WITHHOLDING} == {"vat", "pit"}

    running = stmt.opening_vnd
    for line in stmt.lines:
        running += line.amount_vnd
        assert line.balance_vnd == running
        if line.kind == EntryKind.PAYOUT:
            assert line.concerns("vi") == payout_reference(payout.id)
            assert line.amount_vnd == -payout.amount_vnd
        else:
            assert line.concerns("vi") == f"{december.reference} · {december.lines[0].name}"
    assert stmt.closing_vnd == ledger_sum(producer.id, LedgerEntry.created_at < DECEMBER.end)

    # Totals by kind: each equals its SQL sum, and together they are the month's movement.
    for group in GROUPS:
        in_group = [e.amount_vnd for e in expected if group_of(e.kind, e.tax) == group]
        assert stmt.totals[group] == sum(in_group)
    assert stmt.totals["sales"] == december.lines[0].line_total_vnd
    assert stmt.totals["refunds"] != 0
    assert stmt.totals["payouts"] == -payout.amount_vnd
    assert sum(stmt.totals.values()) == stmt.closing_vnd - stmt.opening_vnd


def test_each_closing_balance_is_the_next_opening_balance(busy_producer):
    producer, *_ = busy_producer
    months = [Month(2026, 9), OCTOBER, NOVEMBER, DECEMBER, Month(2027, 1)]
    statements = [statement(producer.id, month) for month in months]
    assert statements[0].opening_vnd == 0
    assert statements[0].lines == []
    for before, after in zip(statements, statements[1:], strict=False):
        assert before.closing_vnd == after.opening_vnd
    assert statements[-1].closing_vnd == ledger_sum(producer.id)
    assert statement_months(producer.id) == [DECEMBER, OCTOBER]


def test_months_end_at_local_midnight(app):
    producer = gen_producer()

    def adjustment(key: str, amount: int, at: datetime) -> None:
        ledger.append(
            [
                {
                    "producer_id": producer.id,
                    "kind": EntryKind.ADJUSTMENT,
                    "amount_vnd": amount,
                    "idempotency_key": key,
                    "created_at": at,
                }
            ]
        )

    # 23:30 on 31 October in Việt Nam is 16:30 UTC: still October.
    adjustment("late-october", 70_000, datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
    # Midnight on 1 November in Việt Nam is 17:00 UTC on 31 October: November.
    adjustment("first-november", -20_000, datetime(2026, 10, 31, 17, 0, tzinfo=UTC))
    # 06:59 UTC on 1 October is 13:59 local: October (a UTC-month reading agrees here).
    adjustment("early-october", 5_000, datetime(2026, 10, 1, 6, 59, tzinfo=UTC))
    # 18:00 UTC on 30 September is 01:00 on 1 October local: October, not September.
    adjustment("local-october", 1_000, datetime(2026, 9, 30, 18, 0, tzinfo=UTC))
    db.session.commit()

    october, november = statement(producer.id, OCTOBER), statement(producer.id, NOVEMBER)
    assert [ln.amount_vnd for ln in october.lines] == [1_000, 5_000, 70_000]
    assert october.opening_vnd == 0
    assert [ln.amount_vnd for ln in november.lines] == [-20_000]
    assert november.opening_vnd == october.closing_vnd == 76_000
    assert statement_months(producer.id) == [NOVEMBER, OCTOBER]


def test_the_statements_page_lists_months_with_both_languages(app, client, busy_producer):
    producer, *_ = busy_producer
    gen_user("producer_staff", producer_id=producer.id, email="tea@example.com")
    db.session.commit()
    from tests.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    assert sign_in(client, "tea@example.com", DEFAULT_PASSWORD).status_code == 302
    page = client.get("/producer/statements").get_data(as_text=True)
    for fmt in ("pdf", "csv"):
        for lang in ("vi", "en"):
            assert f"/producer/statements/2026/12.{fmt}?lang={lang}" in page
            assert f"/producer/statements/2026/10.{fmt}?lang={lang}" in page
    assert "/producer/statements/2026/11." not in page  # no entry in November
    assert page.index("2026/12.pdf") < page.index("2026/10.pdf")  # newest first


def _signed_in_staff(client, producer):
    from tests.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    user = gen_user("producer_staff", producer_id=producer.id)
    db.session.commit()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_the_pdf_carries_the_name_with_diacritics_and_the_closing_balance(
    app, client, busy_producer
):
    producer, *_ = busy_producer
    _signed_in_staff(client, producer)
    closing = statement(producer.id, DECEMBER).closing_vnd
    for lang, title in (("vi", "Số dư cuối kỳ"), ("en", "Closing balance")):
        response = client.get(f"/producer/statements/2026/12.pdf?lang={lang}")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert PRODUCER_NAME in text
        assert producer.tax_code in text
        assert title in text
        assert format_vnd(closing).replace("\u00a0", " ") in text.replace("\u00a0", " ")


def test_the_csv_has_a_bom_and_headers_in_the_chosen_language(app, client, busy_producer):
    producer, *_ = busy_producer
    _signed_in_staff(client, producer)
    stmt = statement(producer.id, DECEMBER)
    for lang, header in (("vi", "Số tiền (đồng)"), ("en", "Amount (đồng)")):
        response = client.get(f"/producer/statements/2026/12.csv?lang={lang}")
        assert response.status_code == 200
        assert "lang=" not in response.headers.get("Set-Cookie", "")  # the site keeps its own
        assert response.data.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert rows[0][1] == PRODUCER_NAME
        assert header in rows[5]
        entries = rows[6 : 6 + len(stmt.lines)]
        assert [int(row[3]) for row in entries] == [ln.amount_vnd for ln in stmt.lines]
        assert [int(row[4]) for row in entries] == [ln.balance_vnd for ln in stmt.lines]
        assert int(rows[6 + len(stmt.lines) + 1][1]) == stmt.closing_vnd


def test_csv_cells_never_run_as_formulas(app, client):
    app.config["FIXED_TODAY"] = TODAY
    producer = gen_producer(name='=HYPERLINK("http://evil.example","x")')
    product = gen_product(producer, price_vnd=100_000, name_vi="+SUM(A1:A9)")
    paid_order([(product, 1)], now=datetime(2026, 11, 3, 3, 0, tzinfo=UTC))
    _signed_in_staff(client, producer)
    body = client.get("/producer/statements/2026/11.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][1] == "'" + producer.name
    concerns = [row[2] for row in rows[6:] if len(row) > 2 and row[2]]
    assert concerns
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in concerns)
    assert -100_000 < int(rows[7][3]) < 0  # negative numbers stay numbers (the commission)


@pytest.mark.parametrize(
    "path",
    [
        "/producer/statements/2026/13.pdf",
        "/producer/statements/2026/0.csv",
        "/producer/statements/99999/1.pdf",
        "/producer/statements/2999/12.pdf",  # still to come
        "/producer/statements/2026/9.pdf",  # before the producer's first entry
        "/producer/statements/2026/12.xls",
    ],
)
def test_a_month_that_is_no_statement_is_a_404(app, client, busy_producer, path):
    producer, *_ = busy_producer
    _signed_in_staff(client, producer)
    assert client.get(path).status_code == 404


def test_staff_of_another_producer_never_see_the_statement(app, client, busy_producer):
    producer, *_ = busy_producer
    _signed_in_staff(client, gen_producer())
    page = client.get("/producer/statements").get_data(as_text=True)
    assert "2026/12.pdf" not in page
    assert client.get("/producer/statements/2026/12.pdf").status_code == 404
    assert client.get(f"/admin/producers/{producer.id}/statements/2026/12.pdf").status_code == 404


def test_an_admin_downloads_any_producers_statement(app, client, login_as, busy_producer):
    producer, *_ = busy_producer
    login_as("admin")
    response = client.get(f"/admin/producers/{producer.id}/statements/2026/12.csv?lang=en")
    assert response.status_code == 200
    assert "Closing balance" in response.data.decode("utf-8-sig")
    assert client.get("/admin/producers/999999/statements/2026/12.csv").status_code == 404


def _statements_run(producer_id: int, month: Month) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn, _cursor, sql, *_args) -> None:
        seen.append(sql)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        statement(producer_id, month)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_statement_takes_the_same_few_queries_whatever_its_size(app):
    small, big = gen_producer(legal_type="household"), gen_producer(legal_type="household")
    at = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    paid_order([(gen_product(small, price_vnd=100_000), 1)], now=at)
    for _ in range(6):
        paid_order([(gen_product(big, price_vnd=100_000), 2)], now=at)
    db.session.commit()
    assert len(statement(big.id, NOVEMBER).lines) > 5 * len(statement(small.id, NOVEMBER).lines)
    assert _statements_run(big.id, NOVEMBER) == _statements_run(small.id, NOVEMBER) <= 3
