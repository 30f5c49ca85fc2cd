"""Bundles: every đồng of a bundle bought is credited to exactly one producer, at the parts'
allocated prices."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from shop.extensions import db
from shop.orders.services import LineRequest, mark_paid
from shop.payouts.models import EntryKind, LedgerEntry
from tests.bundles.factories import buy, gen_bundle, gen_package
from tests.factories import gen_producer, gen_product


def pay(order) -> None:
    with time_machine.travel(datetime(2026, 11, 28, 3, 5, tzinfo=UTC), tick=False):
        assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")


def sales() -> dict[int, int]:
    """{producer id: đồng of sale entries}."""
    totals: dict[int, int] = {}
    for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.SALE)):
        totals[entry.producer_id] = totals.get(entry.producer_id, 0) + entry.amount_vnd
    return totals


def test_a_gift_set_of_two_producers_is_credited_to_the_dong(app):
    tea, honey = gen_producer(), gen_producer()
    gift = gen_bundle(
        "gift_set",
        [(gen_product(tea, price_vnd=120_000), 1), (gen_product(honey, price_vnd=95_000), 2)],
        price_vnd=277_777,
    )
    order = buy([LineRequest.bundle(gift.id, 3)])
    pay(order)
    credited = sales()
    assert set(credited) == {tea.id, honey.id}
    assert sum(credited.values()) == 3 * 277_777
    for producer in (tea, honey):
        assert credited[producer.id] == sum(
            ln.line_total_vnd for ln in order.lines if ln.producer_order.producer_id == producer.id
        )


def test_a_package_credits_its_seats_and_goods_to_the_operator(app):
    bundle, session, _box = gen_package()
    order = buy([LineRequest.bundle(bundle.id, 1, session.id)])
    pay(order)
    operator = order.producer_orders[0].producer_id
    assert sales() == {operator: 700_000}
    kinds = {
        (e.order_line_id, e.available_on is None)
        for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "sale"))
    }
    seats, goods = sorted(order.lines, key=lambda ln: ln.kind != "seats")
    assert (seats.id, False) in kinds  # payable the day after the visit
    assert (goods.id, True) in kinds  # payable after delivery and the hold
