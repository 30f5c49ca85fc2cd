"""A gift-set cart line priced at its volume tier, and the order's lines: every đồng of the
tier price goes to exactly one producer. The cart's cap per line stays."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from shop.cart.models import CartLine
from shop.extensions import db
from shop.orders.models import ProducerOrder
from shop.orders.services import LineRequest
from tests.bundles.factories import buy
from tests.conftest import csrf_token
from tests.giftsets.factories import gen_gift_set


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _add(client, bundle, quantity):
    token = csrf_token(client, f"/bundles/{bundle.slug}?lang=en")
    return client.post(
        "/cart/add-bundle",
        data={"csrf_token": token, "bundle_id": str(bundle.id), "quantity": str(quantity)},
        follow_redirects=True,
    )


def test_a_cart_line_of_ten_boxes_is_priced_at_the_second_tier(client, app):
    bundle = gen_gift_set(slug="office-set", name_en="Office set")
    db.session.commit()
    _add(client, bundle, 9)
    cart = text(client.get("/cart?lang=en"))
    assert "Bundle total: 4.500.000 ₫" in cart  # 9 × 500 000
    _add(client, bundle, 1)  # the same line, now 10 boxes
    cart = text(client.get("/cart?lang=en"))
    assert "Bundle total: 4.700.000 ₫" in cart  # 10 × 470 000
    assert "(470.000 ₫ × 10)" in cart
    line = db.session.scalars(select(CartLine)).one()
    assert (line.quantity, line.price_seen_vnd) == (10, 470_000)
    assert "price changed" not in cart


def test_the_cap_per_cart_line_stays_for_gift_sets(client, app):
    bundle = gen_gift_set(slug="office-set")
    db.session.commit()
    page = text(_add(client, bundle, 51))
    assert "50" in page
    assert db.session.scalars(select(CartLine)).first() is None


@pytest.mark.parametrize(("quantity", "unit"), [(9, 500_000), (10, 470_000), (50, 450_000)])
def test_the_order_shares_the_tier_price_over_the_producers(app, quantity, unit):
    bundle = gen_gift_set()
    order = buy([LineRequest.bundle(bundle.id, quantity)])
    assert order.subtotal_vnd == unit * quantity
    assert sum(line.line_total_vnd for line in order.lines) == unit * quantity
    assert all(line.bundle_id == bundle.id for line in order.lines)
    by_producer = Counter()
    for line in order.lines:
        assert line.line_total_vnd == line.unit_price_vnd * line.quantity
        producer_id = db.session.get(ProducerOrder, line.producer_order_id).producer_id
        by_producer[producer_id] += line.line_total_vnd
    producers = {c.product.producer_id for c in bundle.goods}
    assert set(by_producer) == producers
    assert sum(by_producer.values()) == unit * quantity
    # Shares follow the parts' list prices (300 000 : 250 000 of 550 000), to the đồng.
    cheap = bundle.goods[0].product.producer_id
    assert abs(by_producer[cheap] - unit * quantity * 300_000 / 550_000) <= 3 * quantity


def test_an_odd_tier_price_still_adds_up(app):
    bundle = gen_gift_set(tiers=[(1, 500_000), (10, 470_001)])
    order = buy([LineRequest.bundle(bundle.id, 13)])
    assert sum(line.line_total_vnd for line in order.lines) == 13 * 470_001 == order.subtotal_vnd
