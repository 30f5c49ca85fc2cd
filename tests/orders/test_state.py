"""Every pair of statuses, table-driven: allowed moves apply and log an event, others raise."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import update

from shop.errors import InvalidTransition
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, ProducerOrder, ProducerOrderStatus
from shop.orders.state import (
    ORDER_TRANSITIONS,
    PRODUCER_ORDER_TRANSITIONS,
    transition_order,
    transition_producer_order,
)
from tests.factories import gen_order, gen_product

ORDER_PAIRS = list(itertools.product(list(OrderStatus), list(OrderStatus)))
PRODUCER_PAIRS = list(itertools.product(list(ProducerOrderStatus), list(ProducerOrderStatus)))


def test_every_status_has_a_row_in_the_tables():
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(PRODUCER_ORDER_TRANSITIONS) == set(ProducerOrderStatus)


# The producer order (parcel) state machine written out by hand, not derived from the table:
# a move added to or dropped from PRODUCER_ORDER_TRANSITIONS fails here.
EXPECTED_PRODUCER_ORDER_MOVES = {
    ("pending", "new"),  # the order is paid (or cash on delivery accepted)
    ("pending", "cancelled"),  # payment failed or expired
    ("new", "confirmed"),
    ("new", "cancelled"),
    ("confirmed", "shipped"),
    ("confirmed", "cancelled"),
    ("shipped", "delivered"),
    # A part made only of bookings: delivered when its sessions are over (goods always ship).
    ("new", "delivered"),
    ("confirmed", "delivered"),
}


def test_the_producer_order_table_is_exactly_the_expected_one():
    allowed = {
        (str(current), str(target))
        for current, targets in PRODUCER_ORDER_TRANSITIONS.items()
        for target in targets
    }
    assert allowed == EXPECTED_PRODUCER_ORDER_MOVES


def test_the_expected_order_moves_are_allowed():
    assert ORDER_TRANSITIONS[OrderStatus.AWAITING_PAYMENT] == {
        OrderStatus.PAID,
        OrderStatus.EXPIRED,
        OrderStatus.PAYMENT_FAILED,
    }
    for final in (OrderStatus.EXPIRED, OrderStatus.PAYMENT_FAILED, OrderStatus.REFUNDED):
        assert ORDER_TRANSITIONS[final] == frozenset()
    assert OrderStatus.PAID not in ORDER_TRANSITIONS[OrderStatus.EXPIRED]


@pytest.mark.parametrize(("current", "target"), ORDER_PAIRS, ids=lambda s: str(s))
def test_order_transitions(app, current, target):
    order = gen_order([(gen_product(), 1)])
    db.session.execute(update(Order).where(Order.id == order.id).values(status=current))
    db.session.refresh(order)
    events_before = len(order.events)
    if target in ORDER_TRANSITIONS[current]:
        transition_order(order, target, actor="test", reason="table")
        db.session.flush()
        db.session.refresh(order)
        assert order.status == target
        assert (order.events[-1].from_status, order.events[-1].to_status) == (current, target)
        assert len(order.events) == events_before + 1
    else:
        with pytest.raises(InvalidTransition):
            transition_order(order, target, actor="test")
        db.session.refresh(order)
        assert order.status == current
    db.session.rollback()


@pytest.mark.parametrize(("current", "target"), PRODUCER_PAIRS, ids=lambda s: str(s))
def test_producer_order_transitions(app, current, target):
    order = gen_order([(gen_product(), 1)])
    producer_order = order.producer_orders[0]
    db.session.execute(
        update(ProducerOrder)
        .where(ProducerOrder.id == producer_order.id)
        .values(status=current, carrier="VNPost", tracking_number="EB123")
    )
    db.session.refresh(producer_order)
    if target in PRODUCER_ORDER_TRANSITIONS[current]:
        transition_producer_order(producer_order, target, actor="test")
        db.session.refresh(producer_order)
        assert producer_order.status == target
    else:
        with pytest.raises(InvalidTransition):
            transition_producer_order(producer_order, target, actor="test")
    db.session.rollback()


def test_a_stale_object_cannot_transition(app):
    """Compare-and-set: if another worker moved the order first, this change is refused."""
    order = gen_order([(gen_product(), 1)])
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status=OrderStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    # ``order`` still believes it is awaiting payment
    assert order.status == OrderStatus.AWAITING_PAYMENT
    with pytest.raises(InvalidTransition):
        transition_order(order, OrderStatus.PAID, actor="test")
    db.session.rollback()


def test_the_order_table_is_exactly_the_one_written_out_by_hand():
    """The expected order state machine, written out by hand (not derived from the table): a
    new move such as PAID → EXPIRED (which would release the stock of a paid order) fails here
    until this table is changed on purpose."""
    expected = {
        "awaiting_payment": {"paid", "expired", "payment_failed"},
        "placed": {"completed", "cancelled"},
        "paid": {"completed", "cancelled", "partially_refunded", "refunded"},
        "partially_refunded": {"partially_refunded", "refunded", "completed", "cancelled"},
        "completed": {"partially_refunded", "refunded"},
        "cancelled": {"partially_refunded", "refunded"},
        "expired": set(),
        "payment_failed": set(),
        "refunded": set(),
    }
    actual = {
        str(status): {str(t) for t in targets} for status, targets in ORDER_TRANSITIONS.items()
    }
    assert actual == expected
