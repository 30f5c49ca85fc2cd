"""The producer's money page: the balance equals the sums of its own ledger entries, a hold
and the payouts are shown, entries come newest first a page at a time (one statement for the
page, whatever the number of entries), and a producer never sees another's entries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.money import format_vnd
from shop.payouts import ledger
from shop.payouts.models import LedgerEntry, LedgerRelease, PayoutHold
from shop.payouts.services import run_payouts
from tests.conftest import count_queries
from tests.factories import gen_producer, gen_product
from tests.payouts.factories import PAID_AT, bank_account, deliver, paid_order

TODAY = date(2026, 12, 10)  # the deliveries of PAID_AT are payable by then (7-day hold)
ROW = 'data-label="What"'


def html(response) -> str:
    return response.get_data(as_text=True)


def shown(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]+)<', page).group(1)


def expected_balance(producer_id: int, today: date) -> tuple[int, int]:
    """(available, pending) summed here from the entries and their release dates."""
    releases = dict(
        db.session.execute(
            select(LedgerRelease.producer_order_id, LedgerRelease.available_on)
        ).all()
    )
    available = pending = 0
    for entry in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.producer_id == producer_id)
    ):
        on = entry.available_on or releases.get(entry.producer_order_id)
        if on is not None and on <= today:
            available += entry.amount_vnd
        else:
            pending += entry.amount_vnd
    return available, pending


@pytest.fixture
def staff(app, client, login_as):
    app.config["FIXED_TODAY"] = TODAY
    client.get("/?lang=en")
    user = login_as("producer_staff")
    return user, db.session.get(Producer, user.producer_id)


def test_the_balance_is_the_sum_of_the_producer_s_own_entries(client, staff):
    _, mine = staff
    delivered = paid_order([(gen_product(mine, price_vnd=300_000), 2)])
    deliver(delivered, PAID_AT)
    waiting = paid_order([(gen_product(mine, price_vnd=150_000), 1)])
    theirs = paid_order([(gen_product(gen_producer(), price_vnd=900_000), 1)])
    deliver(theirs, PAID_AT)
    db.session.commit()

    available, pending = expected_balance(mine.id, TODAY)
    assert available > 0
    assert pending > 0
    assert ledger.balance(mine.id, TODAY) == ledger.Balance(available, pending)
    page = html(client.get("/producer/money"))
    assert shown(page, "balance-available") == format_vnd(available)
    assert shown(page, "balance-pending") == format_vnd(pending)
    assert delivered.reference in page
    assert waiting.reference in page
    assert theirs.reference not in page  # another producer's entries are never shown
    mine_count = len(ledger_entries(mine.id))
    assert page.count(ROW) == mine_count
    assert "Sale" in page
    assert "Commission" in page
    assert "after delivery" in page  # the undelivered order's entries have no date yet

    overview = html(client.get("/producer/"))
    assert shown(overview, "balance-available") == format_vnd(available)
    assert shown(overview, "balance-pending") == format_vnd(pending)
    assert 'href="/producer/money"' in overview


def ledger_entries(producer_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(select(LedgerEntry).where(LedgerEntry.producer_id == producer_id))
    )


def _adjustments(producer_id: int, count: int, start: int = 0) -> None:
    ledger.append(
        [
            {
                "producer_id": producer_id,
                "kind": "adjustment",
                "amount_vnd": 1_000 * (n + 1) * (1 if n % 2 else -1),
                "available_on": date(2026, 11, 1),
                "idempotency_key": f"test-adjustment-{producer_id}-{n}",
            }
            for n in range(start, start + count)
        ]
    )
    db.session.commit()


def test_entries_come_newest_first_a_page_at_a_time_in_one_statement(app, client, staff):
    _, mine = staff
    _adjustments(mine.id, 5)
    with count_queries(db.engine) as few:
        assert client.get("/producer/money").status_code == 200
    _adjustments(mine.id, 55, start=5)  # 60 entries: two pages of 50
    with count_queries(db.engine) as many:
        first = html(client.get("/producer/money"))
    assert len(many) == len(few)  # the same statements, whatever the number of entries
    assert sum("ledger_entry" in s and "LIMIT" in s.upper() for s in many) == 1

    assert first.count(ROW) == 50
    assert "+" + format_vnd(60_000) in first  # the newest (the 60th)
    assert "Page 1 of 2" in first
    second = html(client.get("/producer/money?page=2"))
    assert second.count(ROW) == 10
    assert format_vnd(-1_000) in second  # the oldest, signed
    assert format_vnd(60_000) not in second
    assert "+" + format_vnd(2_000) in second  # a credit shows its sign too
    assert 'href="/producer/money?page=1"' in second


def test_a_hold_and_the_payouts_are_shown(app, client, staff):
    user, mine = staff
    order = paid_order([(gen_product(mine, price_vnd=500_000), 1)])
    deliver(order, PAID_AT)
    db.session.add(
        PayoutHold(producer_id=mine.id, reason="Bank details being checked", created_by_id=None)
    )
    db.session.commit()
    page = html(client.get("/producer/money"))
    assert "Bank details being checked" in page
    assert "No payout yet." in page

    hold = db.session.scalar(select(PayoutHold))
    hold.released_at, hold.released_by_id = datetime(2026, 12, 9, tzinfo=UTC), user.id
    bank_account(mine)
    db.session.commit()
    report = run_payouts(TODAY)
    db.session.commit()
    [(producer_id, amount)] = report.payouts
    assert producer_id == mine.id
    page = html(client.get("/producer/money"))
    assert "Bank details being checked" not in page  # lifted
    assert "Being prepared" in page
    assert format_vnd(amount) in page
    assert shown(page, "balance-available") == format_vnd(0)
    assert "Payout" in page


def test_the_money_page_leads_to_the_statements_and_the_bank_account(client, staff):
    page = html(client.get("/producer/money"))
    assert 'href="/producer/statements"' in page
    assert 'href="/producer/bank-account"' in page
    for path in ("/producer/statements", "/producer/bank-account"):
        assert client.get(path).status_code == 200
        assert 'aria-current="page">Money' in html(client.get(path))
