"""The ledger: append-only on both databases, sales credited when an order is paid, idempotent,
balances as one SUM."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from shop.extensions import db
from shop.payouts.ledger import balance, record_line_sales
from shop.payouts.models import EntryKind, LedgerEntry
from tests.factories import gen_order, gen_producer, gen_product
from tests.payouts.factories import PAID_AT, amounts, deliver, entries, paid_order


def test_ledger_entries_can_be_neither_updated_nor_deleted(app):
    order = paid_order([(gen_product(price_vnd=100_000), 1)])
    db.session.commit()
    entry = entries(kind=EntryKind.SALE)[0]
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(
            update(LedgerEntry).where(LedgerEntry.id == entry.id).values(amount_vnd=1)
        )
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(delete(LedgerEntry).where(LedgerEntry.id == entry.id))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE ledger_entry SET available_on = NULL"))
    db.session.rollback()
    assert entries(order_line_id=order.lines[0].id)[0].amount_vnd == 100_000


def test_a_paid_line_credits_its_producer_the_sale_less_commission(app):
    coop = gen_producer(legal_type="cooperative")
    order = paid_order([(gen_product(coop, price_vnd=120_000), 2)])
    line = order.lines[0]
    assert amounts(order_line_id=line.id) == {"sale": 240_000, "commission": -24_000}
    assert balance(coop.id, date(2026, 12, 31)).pending_vnd == 216_000
    assert balance(coop.id, date(2026, 12, 31)).available_vnd == 0  # not delivered yet


def test_recording_a_sale_twice_writes_nothing_the_second_time(app):
    order = paid_order([(gen_product(price_vnd=100_000), 1), (gen_product(), 2)])
    before = len(entries())
    assert before == 4
    assert record_line_sales(order, PAID_AT) == 0
    assert len(entries()) == before


def test_cash_on_delivery_is_not_credited_until_the_remittance(app):
    order = gen_order([(gen_product(), 1)], method="cod")
    deliver(order, PAID_AT)
    assert entries() == []


def test_goods_become_available_the_hold_after_delivery(app):
    coop = gen_producer()
    order = paid_order([(gen_product(coop, price_vnd=100_000), 1)])
    # Delivered on 1 December, Vietnam time (evening of 30 November UTC).
    deliver(order, datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    assert balance(coop.id, date(2026, 12, 7)).available_vnd == 0
    assert balance(coop.id, date(2026, 12, 7)).pending_vnd == 90_000
    assert balance(coop.id, date(2026, 12, 8)).available_vnd == 90_000
    assert balance(coop.id, date(2026, 12, 8)).pending_vnd == 0


def test_the_hold_is_configurable(app):
    app.config["PAYOUT_HOLD_DAYS"] = 0
    coop = gen_producer()
    order = paid_order([(gen_product(coop, price_vnd=100_000), 1)])
    deliver(order, datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    assert balance(coop.id, date(2026, 12, 1)).available_vnd == 90_000


def test_each_producer_of_an_order_is_credited_its_own_lines(app):
    a, b = gen_producer(), gen_producer()
    order = paid_order(
        [(gen_product(a, price_vnd=100_000), 1), (gen_product(b, price_vnd=50_000), 3)]
    )
    deliver(order, PAID_AT)
    later = date(2027, 1, 1)
    assert balance(a.id, later).available_vnd == 90_000
    assert balance(b.id, later).available_vnd == 135_000
    assert sum(e.amount_vnd for e in entries(producer_id=b.id)) == 135_000


def test_the_balance_is_one_statement_whatever_the_number_of_entries(app):
    from tests.conftest import count_queries

    coop = gen_producer()
    for _ in range(3):
        paid_order([(gen_product(coop), 2)])
    with count_queries(db.engine) as statements:
        balance(coop.id, date(2027, 1, 1))
    assert len(statements) == 1
