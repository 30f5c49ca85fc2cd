"""What the OCOP office does to an order by hand: cancel it, or mark it reviewed.

Like every ``orders`` service these flush and never commit. Money goes back through the
payments domain: cancelling a paid order here does not refund it — the admin route records
the refund (``shop.payments.services.record_refund``) in the same transaction, because
``orders`` never imports ``payments`` (DESIGN §3).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import update

from shop.db import utcnow
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.orders.models import (
    EventKind,
    EventVisibility,
    Order,
    OrderEvent,
    OrderStatus,
    ProducerOrder,
    ProducerOrderStatus,
)
from shop.orders.services import release_stock, ships_later
from shop.orders.state import ORDER_TRANSITIONS, transition_order, transition_producer_order
from shop.tourism.services import adjust_seats, cancel_order_bookings

log = logging.getLogger(__name__)

# Parcels that have left the producer cannot be called back by cancelling the order.
UNSENT_PARCEL_STATUSES = frozenset(
    {ProducerOrderStatus.PENDING, ProducerOrderStatus.NEW, ProducerOrderStatus.CONFIRMED}
)
SENT_PARCEL_STATUSES = frozenset({ProducerOrderStatus.SHIPPED, ProducerOrderStatus.DELIVERED})


def can_cancel(order: Order) -> bool:
    """Whether the state machine allows cancelling and no parcel has left its producer."""
    return OrderStatus.CANCELLED in ORDER_TRANSITIONS.get(order.status, frozenset()) and not any(
        parcel.status in SENT_PARCEL_STATUSES for parcel in order.producer_orders
    )


def cancel_order(order: Order, *, reason: str, admin_id: int) -> None:
    """Cancel an order none of whose parcels has shipped: the order and every parcel move to
    ``cancelled`` and the stock of the lines not refunded comes back.

    Raises ``InvalidTransition`` when a parcel has shipped or the order cannot be cancelled
    (awaiting payment, expired, completed, refunded…), or when someone moved it meanwhile.
    """
    if any(parcel.status in SENT_PARCEL_STATUSES for parcel in order.producer_orders):
        raise InvalidTransition(
            f"order {order.reference} has a parcel on its way", current=order.status, shipped=True
        )
    transition_order(order, OrderStatus.CANCELLED, actor="admin", actor_id=admin_id, reason=reason)
    # The compare-and-set above runs once per order, so the stock is given back exactly once;
    # each booking's seats come back by its own compare-and-set.
    release_stock(order)
    adjust_seats(released=cancel_order_bookings(order.id, reason=reason, now=utcnow()), wanted={})
    for parcel in order.producer_orders:
        if parcel.status in UNSENT_PARCEL_STATUSES:
            # Compare-and-set too: a parcel shipped meanwhile raises and rolls everything back.
            transition_producer_order(
                parcel,
                ProducerOrderStatus.CANCELLED,
                actor="admin",
                actor_id=admin_id,
                reason=reason,
            )
    log.info("order %s cancelled by admin %s", order.reference, admin_id)


def mark_reviewed(order: Order, *, admin_id: int, note: str | None = None) -> None:
    """Clear the ``needs_review`` flag and record who looked at the order.

    Raises ``InvalidTransition`` when the order is not (or no longer) flagged.
    """
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.needs_review.is_(True))
        .values(needs_review=False, review_reason=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(f"order {order.reference} is not flagged for review")
    db.session.add(
        OrderEvent(
            order_id=order.id,
            actor="admin",
            actor_id=admin_id,
            kind=EventKind.REVIEWED,
            visibility=EventVisibility.STAFF,
            from_status=order.status,
            to_status=order.status,
            reason=f"reviewed: {note}" if note else "reviewed",
        )
    )
    db.session.flush()
    db.session.refresh(order)


def can_allow_early_shipping(parcel: ProducerOrder, today: date) -> bool:
    return (
        parcel.status in UNSENT_PARCEL_STATUSES
        and not parcel.may_ship_early
        and ships_later(parcel, today)
    )


def allow_early_shipping(parcel: ProducerOrder, *, reason: str, admin_id: int, today: date) -> None:
    """Let the producer ship a pre-order parcel before its ships-from date. The reason is
    required and recorded in an override event the producer sees.

    Raises ``InvalidTransition`` when the parcel is not an unsent pre-order still ahead of its
    date, or was allowed (or moved on) meanwhile."""
    if not reason.strip():
        raise ValueError("a reason is required")
    if not can_allow_early_shipping(parcel, today):
        raise InvalidTransition(
            f"producer order {parcel.id} has nothing to allow", current=parcel.status
        )
    result = db.session.execute(
        update(ProducerOrder)
        .where(
            ProducerOrder.id == parcel.id,
            ProducerOrder.may_ship_early.is_(False),
            ProducerOrder.status.in_(UNSENT_PARCEL_STATUSES),
        )
        .values(may_ship_early=True)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(f"producer order {parcel.id} changed meanwhile")
    db.session.add(
        OrderEvent(
            order_id=parcel.order_id,
            producer_order_id=parcel.id,
            actor="admin",
            actor_id=admin_id,
            kind=EventKind.OVERRIDE,
            visibility=EventVisibility.PRODUCER,
            from_status=parcel.status,
            to_status=parcel.status,
            reason=f"may ship before {parcel.ships_from:%Y-%m-%d}: {reason}",
        )
    )
    db.session.flush()
    db.session.refresh(parcel)
    log.info("parcel %s may ship early (admin %s)", parcel.id, admin_id)
