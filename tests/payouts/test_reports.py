"""The office's money reports equal independent SQL sums of the ledger and the payouts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import and_, func, select

from shop.extensions import db
from shop.orders.services import apply_refund
from shop.payouts.models import LedgerEntry, Payout, PayoutStatus
from shop.payouts.reports import (
    MonthRange,
    commission_by_month,
    declaration_due,
    parse_range,
    payouts_by_status,
    withholding_by_month,
)
from shop.payouts.services import approve_payout, run_payouts
from shop.payouts.statements import Month
from tests.factories import gen_producer, gen_product, gen_user
from tests.payouts.factories import bank_account, deliver, paid_order

TODAY = date(2026, 12, 20)
NOVEMBER, DECEMBER = Month(2026, 11), Month(2026, 12)
RANGE = MonthRange(Month(2026, 1), DECEMBER)


def sql_sum(*conditions) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_vnd), 0)).where(*conditions)
        )
    )


def in_month(month: Month):
    return and_(LedgerEntry.created_at >= month.start, LedgerEntry.created_at < month.end)


@pytest.fixture
def books(app):
    """A household seller and an individual (withheld) and a cooperative (not withheld), with
    sales in November and December (one on 30 November at 23:30 local), a partial refund in
    December, and payouts in two statuses."""
    app.config["FIXED_TODAY"] = TODAY
    household = gen_producer(legal_type="household", name="Hộ Nguyễn Văn Chè")
    person = gen_producer(legal_type="individual", name="Trần Thị Mật Ong")
    coop = gen_producer(name="HTX Vải thiều Lục Ngạn")
    for producer in (household, person, coop):
        bank_account(producer)
    tea = gen_product(household, price_vnd=333_333)
    honey = gen_product(person, price_vnd=180_000)
    lychee = gen_product(coop, price_vnd=450_000)
    paid_order([(tea, 1), (lychee, 1)], now=datetime(2026, 11, 5, 3, 0, tzinfo=UTC))
    paid_order([(honey, 2)], now=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 23:30 local
    december = paid_order([(tea, 3), (honey, 1)], now=datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    deliver(december, datetime(2026, 12, 3, 3, 0, tzinfo=UTC))
    line = december.lines[0]
    with time_machine.travel(datetime(2026, 12, 4, 3, 0, tzinfo=UTC), tick=False):
        apply_refund(december, amount_vnd=line.unit_price_vnd, lines={line.id: 1})
    db.session.commit()
    starter, approver = gen_user("admin"), gen_user("admin")
    db.session.commit()
    with time_machine.travel(datetime(2026, 12, 14, 1, 0, tzinfo=UTC), tick=False):
        run_payouts(date(2026, 12, 14), created_by_id=starter.id)
        first = db.session.scalars(select(Payout).order_by(Payout.id)).first()
        approve_payout(first, admin_id=approver.id, now=datetime.now(UTC))
        db.session.commit()
    return household, person, coop


def test_commission_by_month_equals_the_ledger(books):
    rows = {row.month: row for row in commission_by_month(RANGE)}
    assert list(rows) == RANGE.months()
    for month, row in rows.items():
        commission = -sql_sum(in_month(month), LedgerEntry.kind == "commission")
        returned = sql_sum(in_month(month), LedgerEntry.kind == "refund_commission")
        sales = sql_sum(in_month(month), LedgerEntry.kind.in_(["sale", "refund_sale"]))
        assert row.earned_vnd == commission - returned
        assert row.basis_vnd == sales
    assert rows[DECEMBER].refunded_commission_vnd > 0
    assert rows[NOVEMBER].commission_vnd > 0
    assert rows[Month(2026, 6)].earned_vnd == 0


def test_withholding_by_month_and_producer_equals_the_ledger(books):
    household, person, coop = books
    found = withholding_by_month(RANGE)
    assert list(found) == [DECEMBER, NOVEMBER]  # newest first, months with withholding only
    for month, rows in found.items():
        assert coop.id not in {row.producer_id for row in rows}  # cooperatives: nothing withheld
        for row in rows:
            mine = and_(in_month(month), LedgerEntry.producer_id == row.producer_id)
            vat = -sql_sum(mine, LedgerEntry.kind.in_(["withholding", "refund_withholding"]),
                           LedgerEntry.tax == "vat")  # fmt: skip
            pit = -sql_sum(mine, LedgerEntry.kind.in_(["withholding", "refund_withholding"]),
                           LedgerEntry.tax == "pit")  # fmt: skip
            assert (row.vat_vnd, row.pit_vnd) == (vat, pit)
            assert row.revenue_vnd == sql_sum(mine, LedgerEntry.kind.in_(["sale", "refund_sale"]))
    assert {row.producer_id for row in found[NOVEMBER]} == {household.id, person.id}
    december_household = next(r for r in found[DECEMBER] if r.producer_id == household.id)
    assert december_household.vat_returned_vnd > 0  # the refund gave some back
    assert declaration_due(NOVEMBER) == date(2026, 12, 20)
    assert declaration_due(DECEMBER) == date(2027, 1, 20)


def test_payouts_by_status_equal_the_payouts(books):
    rows = {row.status: row for row in payouts_by_status(RANGE)}
    assert list(rows) == [str(s) for s in PayoutStatus]
    for status, row in rows.items():
        count, total = db.session.execute(
            select(func.count(Payout.id), func.coalesce(func.sum(Payout.amount_vnd), 0)).where(
                Payout.status == status
            )
        ).one()
        assert (row.count, row.total_vnd) == (count, total)
    assert rows["draft"].count >= 1
    assert rows["approved"].count == 1


def test_the_reports_page_and_its_csv_files(app, client, login_as, books):
    household, *_ = books
    login_as("admin")
    page = client.get("/admin/payouts/reports?from=2026-01&to=2026-12")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Hộ Nguyễn Văn Chè" in text
    assert household.tax_code in text
    assert "20/12/2026" in text
    assert "20/01/2027" in text
    assert "/admin/payouts/reports/withholding.csv?month=2026-11" in text
    statement_link = f"/admin/producers/{household.id}/statements/2026/11.pdf"
    assert statement_link in text
    assert client.get(statement_link).status_code == 200

    body = client.get("/admin/payouts/reports/commission.csv?from=2026-11&to=2026-12")
    assert body.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.data.decode("utf-8-sig"))))
    december = next(row for row in rows if row[0] == "2026-12")
    expected = next(r for r in commission_by_month(RANGE) if r.month == DECEMBER)
    assert int(december[-1]) == expected.earned_vnd

    body = client.get("/admin/payouts/reports/withholding.csv?month=2026-12").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    mine = next(row for row in rows if row and row[0] == "Hộ Nguyễn Văn Chè")
    wanted = and_(in_month(DECEMBER), LedgerEntry.producer_id == household.id)
    withheld = LedgerEntry.kind.in_(["withholding", "refund_withholding"])
    assert int(mine[6]) == -sql_sum(wanted, withheld, LedgerEntry.tax == "vat")
    assert int(mine[9]) == -sql_sum(wanted, withheld, LedgerEntry.tax == "pit")
    assert mine[1] == household.tax_code

    body = client.get("/admin/payouts/reports/payouts.csv?from=2026-12&to=2026-12").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    total = db.session.scalar(select(func.sum(Payout.amount_vnd)))
    assert sum(int(row[2]) for row in rows[1:]) == total


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13&to=2026-12", "from", "Nhập tháng theo dạng năm-tháng"),
        ("from=2026-05&to=2026-02", "to", "Tháng cuối không được trước tháng đầu"),
        ("from=abc", "from", "Nhập tháng theo dạng năm-tháng"),
        ("to=2026-%C2%B2", "to", "Nhập tháng theo dạng năm-tháng"),  # a superscript two
        ("from=1990-01&to=2026-01", "from", "Nhập tháng theo dạng năm-tháng"),
    ],
)
def test_a_bad_range_says_so_next_to_the_field(app, client, login_as, query, field, message):
    app.config["FIXED_TODAY"] = TODAY
    login_as("admin")
    response = client.get(f"/admin/payouts/reports?{query}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text
    assert message in text
    assert client.get(f"/admin/payouts/reports/commission.csv?{query}").status_code == 404


def test_the_default_range_is_the_last_twelve_months(app):
    app.config["FIXED_TODAY"] = TODAY
    from werkzeug.datastructures import MultiDict

    months, errors = parse_range(MultiDict())
    assert errors == {}
    assert (months.first, months.last) == (Month(2026, 1), DECEMBER)
    assert len(months.months()) == 12


@pytest.mark.parametrize("role", ["customer", "producer_staff"])
def test_only_admins_see_the_reports(app, client, login_as, role):
    login_as(role)
    for path in (
        "/admin/payouts/reports",
        "/admin/payouts/reports/commission.csv",
        "/admin/payouts/reports/withholding.csv?month=2026-11",
        "/admin/payouts/reports/payouts.csv",
    ):
        assert client.get(path).status_code == 404
