"""The list of orders flagged for review: money that arrived for an order that could not take
it is listed with its reason, linked from the orders page, and leaves once reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.db import utcnow
from shop.extensions import db
from shop.orders.services import expire_due_orders
from shop.payments.services import payment_succeeded
from tests.admin.test_routes import html, post
from tests.factories import gen_order, gen_product
from tests.payments.attempts import start_attempt


@pytest.fixture
def admin(client, login_as):
    client.get("/?lang=en")
    return login_as("admin")


def late_money_order():
    """An order that expired, then its payment arrived anyway."""
    order = gen_order([(gen_product(price_vnd=200_000), 1)], now=utcnow())
    payment = start_attempt(order)
    expire_due_orders(utcnow() + timedelta(hours=1))
    assert not payment_succeeded(
        payment, amount_vnd=order.total_vnd, currency="vnd", actor="webhook:stripe"
    )
    db.session.commit()
    return order


def test_flagged_orders_are_listed_with_their_reason(client, admin):
    flagged = late_money_order()
    quiet = gen_order([(gen_product(), 1)])
    db.session.commit()
    orders_page = html(client.get("/admin/orders"))
    assert 'href="/admin/orders/review"' in orders_page
    page = html(client.get("/admin/orders/review"))
    assert flagged.reference in page
    assert quiet.reference not in page
    assert "received while the order was expired" in page
    assert "1 order needs review" in page


def test_a_reviewed_order_leaves_the_list(client, admin):
    flagged = late_money_order()
    post(client, f"/admin/orders/{flagged.reference}/review", {"note": "refunded by hand"})
    page = html(client.get("/admin/orders/review"))
    assert flagged.reference not in page
    assert "No order needs review." in page
    assert 'href="/admin/orders/review"' in html(client.get("/admin/orders"))


def test_the_review_list_is_for_admins_only(client, login_as):
    login_as("customer")
    assert client.get("/admin/orders/review").status_code in (403, 404)
