"""Cash on delivery: lines credit their producers once the carrier's remittance is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shop.extensions import db
from shop.payouts.ledger import RemittanceMismatch, balance, record_remittance
from tests.factories import gen_order, gen_producer, gen_product
from tests.payouts.factories import PAID_AT, deliver, entries

REMITTED_AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def collected_order(producer, price=100_000):
    order = gen_order([(gen_product(producer, price_vnd=price), 1)], method="cod")
    deliver(order, PAID_AT)  # the courier collected the cash on delivery
    db.session.refresh(order)
    return order


def test_a_remittance_credits_the_lines_once(app):
    coop = gen_producer()
    order = collected_order(coop)
    assert entries() == []
    assert record_remittance(order, amount_vnd=order.paid_vnd, now=REMITTED_AT) == 2
    assert record_remittance(order, amount_vnd=order.paid_vnd, now=REMITTED_AT) == 0
    # Delivered on 28 November: payable after the hold from delivery.
    assert balance(coop.id, date(2026, 12, 5)).available_vnd == 90_000


def test_a_remittance_that_does_not_match_is_flagged_and_credits_nothing(app):
    order = collected_order(gen_producer())
    with pytest.raises(RemittanceMismatch):
        record_remittance(order, amount_vnd=order.paid_vnd - 30_000, now=REMITTED_AT)
    db.session.refresh(order)
    assert order.needs_review
    assert "remitted" in order.review_reason
    assert entries() == []


def test_an_order_not_yet_collected_or_paid_online_is_not_remitted(app):
    uncollected = gen_order([(gen_product(), 1)], method="cod")
    with pytest.raises(RemittanceMismatch):
        record_remittance(uncollected, amount_vnd=uncollected.total_vnd, now=REMITTED_AT)
    online = gen_order([(gen_product(), 1)])
    with pytest.raises(RemittanceMismatch):
        record_remittance(online, amount_vnd=online.total_vnd, now=REMITTED_AT)
    assert entries() == []
