"""shop.orders.admin_actions: cancelling an order and marking it reviewed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shop.catalog.models import Product
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.orders.admin_actions import can_cancel, cancel_order, mark_reviewed
from shop.orders.models import Order, OrderEvent, OrderStatus, ProducerOrderStatus
from shop.orders.services import (
    confirm_producer_order,
    flag_for_review,
    ship_producer_order,
)
from shop.payments.services import payment_succeeded, record_refund
from tests.factories import gen_order, gen_product, gen_user
from tests.payments.attempts import start_attempt


def stock(product: Product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def paid(order: Order) -> Order:
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def test_cancel_a_cash_on_delivery_order_releases_its_stock_once(app):
    admin = gen_user("admin")
    tea, honey = gen_product(stock=5), gen_product(stock=4)
    order = gen_order([(tea, 2), (honey, 1)], method="cod")
    assert (stock(tea), stock(honey)) == (3, 3)
    confirm_producer_order(order.producer_orders[0], user_id=None)
    assert can_cancel(order)

    cancel_order(order, reason="customer called to cancel", admin_id=admin.id)
    assert order.status == OrderStatus.CANCELLED
    assert {po.status for po in order.producer_orders} == {ProducerOrderStatus.CANCELLED}
    assert (stock(tea), stock(honey)) == (5, 4)
    event = db.session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.to_status == "cancelled"
        )
    ).first()
    assert (event.actor, event.actor_id, event.reason) == (
        "admin",
        admin.id,
        "customer called to cancel",
    )
    assert not can_cancel(order)
    with pytest.raises(InvalidTransition):
        cancel_order(order, reason="again", admin_id=admin.id)
    assert (stock(tea), stock(honey)) == (5, 4)  # not released twice


def test_a_shipped_parcel_blocks_cancelling(app):
    tea, noodles = gen_product(), gen_product()
    order = paid(gen_order([(tea, 1), (noodles, 1)]))
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(
        parcel, carrier="GHN", tracking_number="1", user_id=None, now=datetime.now(UTC)
    )
    assert not can_cancel(order)
    with pytest.raises(InvalidTransition):
        cancel_order(order, reason="too late", admin_id=None)
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize("method", ["demo", "stripe"])
def test_orders_awaiting_payment_cannot_be_cancelled(app, method):
    product = gen_product(stock=3)
    order = gen_order([(product, 1)], method=method)
    assert not can_cancel(order)
    with pytest.raises(InvalidTransition):
        cancel_order(order, reason="x", admin_id=None)
    assert stock(product) == 2  # the reservation is the expiry job's to release


def test_cancel_after_a_partial_refund_puts_back_only_what_was_not_refunded(app):
    product = gen_product(stock=10, price_vnd=100_000)
    order = paid(gen_order([(product, 3)]))
    line = order.lines[0]
    record_refund(order, lines={line.id: 1}, reason="one was broken", admin_id=None)
    cancel_order(order, reason="customer cancelled the rest", admin_id=None)
    assert stock(product) == 7 + 2


def test_mark_reviewed_clears_the_flag_with_an_event(app):
    admin = gen_user("admin")
    order = gen_order([(gen_product(), 1)])
    flag_for_review(order, "payment received while the order was expired")
    mark_reviewed(order, admin_id=admin.id, note="refunded by bank transfer")
    assert order.needs_review is False
    assert order.review_reason is None
    events = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).all()
    last = events[-1]
    assert (last.actor, last.actor_id, last.reason) == (
        "admin",
        admin.id,
        "reviewed: refunded by bank transfer",
    )
    assert last.from_status == last.to_status == order.status
    with pytest.raises(InvalidTransition):
        mark_reviewed(order, admin_id=admin.id)


def test_every_refund_refusal_the_services_raise_has_its_own_message():
    """A new reason must not fall through to "more than is left to refund"."""
    import re
    from pathlib import Path

    import shop
    from shop.admin.routes import REFUND_REFUSALS

    package = Path(shop.__file__).parent
    source = "\n".join(path.read_text() for path in package.rglob("*.py"))
    raised = set(re.findall(r'RefundNotAllowed\([^)]*?reason="([a-z_]+)"', source, re.S))
    assert len(raised) >= 10
    # "not_paid" names the order's status; "too_much" is the amounts moving meanwhile.
    assert raised - {"not_paid", "too_much"} == set(REFUND_REFUSALS)
