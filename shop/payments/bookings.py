"""Cancelling a booking with its money: the tourist within the rules copied at purchase, the
operator for a whole session (everything back). Seats return to the pool and the ticket
becomes void once (a compare-and-set on the booking); the refund goes through the refund flow
(recorded here, sent by the caller after commit, like the office's refunds)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from shop.errors import BookingNotAllowed
from shop.extensions import db
from shop.orders.emails import queue_order_email
from shop.orders.models import (
    EventKind,
    EventVisibility,
    OrderEvent,
    OrderLine,
    ProducerOrder,
    ProducerOrderStatus,
)
from shop.orders.services import REFUNDABLE_STATUSES, lock_order
from shop.orders.state import transition_producer_order
from shop.payments.services import record_refund
from shop.tourism.models import Booking, BookingStatus
from shop.tourism.rules import refund_amount, refund_percent
from shop.tourism.services import adjust_seats, check_cancellable
from shop.tourism.services import cancel_booking as end_booking

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundPreview:
    """What cancelling now would give back: the share by the booking's own rules and đồng."""

    percent: int
    paid_vnd: int
    amount_vnd: int


def _booking_lines(booking: Booking) -> list[OrderLine]:
    return list(
        db.session.scalars(
            select(OrderLine).where(OrderLine.booking_id == booking.id).order_by(OrderLine.id)
        ).all()
    )


def refund_preview(booking: Booking, now: datetime) -> RefundPreview:
    """ "You would get X ₫ back": the booking's unrefunded lines at the percent its snapshot
    rules give at ``now`` (rules changed since purchase do not count)."""
    paid = sum(
        line.unit_price_vnd * (line.quantity - line.refunded_quantity)
        for line in _booking_lines(booking)
    )
    percent = refund_percent(booking.cancellation_rules, booking.session.starts_at, now)
    return RefundPreview(percent=percent, paid_vnd=paid, amount_vnd=refund_amount(paid, percent))


@dataclass(frozen=True)
class CancelledBooking:
    booking_id: int
    percent: int
    amount_vnd: int
    refund_id: int | None  # a pending refund for the caller to send after commit


def cancel_booking(
    booking_id: int,
    *,
    percent: int | None,
    actor: str,
    actor_id: int | None,
    reason: str,
    now: datetime,
) -> CancelledBooking:
    """Cancel one booking and refund it.

    ``percent=None`` is the tourist: only a confirmed booking, before its session starts, at
    the percent of the rules copied at purchase. An operator cancelling a session passes 100:
    held bookings end too (their order is flagged if it is paid later). The order is locked
    first, so a refund racing this one cannot overshoot. Returns what was refunded."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotAllowed("no such booking", reason="unknown")
    order = lock_order(booking.order_id)
    db.session.refresh(booking)
    if percent is None:
        check_cancellable(booking, now)
        percent = refund_percent(booking.cancellation_rules, booking.session.starts_at, now)
    elif booking.status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        raise BookingNotAllowed("this booking cannot be cancelled", reason="status")
    adjust_seats(released=end_booking(booking, reason=reason, now=now), wanted={})
    lines = {
        line.id: line.quantity - line.refunded_quantity
        for line in _booking_lines(booking)
        if line.quantity > line.refunded_quantity
    }
    worth = sum(
        line.unit_price_vnd * lines[line.id] for line in _booking_lines(booking) if line.id in lines
    )
    amount = refund_amount(worth, percent)
    refund_id = None
    if amount > 0 and order.status in REFUNDABLE_STATUSES and order.refundable_vnd > 0:
        amount = min(amount, order.refundable_vnd)
        refund_id = record_refund(
            order, lines=lines, reason=reason, admin_id=actor_id, amount_vnd=amount
        ).id
    else:
        amount = 0
    db.session.add(
        OrderEvent(
            order_id=order.id,
            producer_order_id=booking.producer_order_id,
            actor=actor,
            actor_id=actor_id,
            kind=EventKind.NOTE,
            visibility=EventVisibility.CUSTOMER,
            from_status=order.status,
            to_status=order.status,
            reason=f"booking cancelled ({percent} % back): {reason}",
        )
    )
    _close_part_if_empty(db.session.get(ProducerOrder, booking.producer_order_id), actor, reason)
    queue_order_email(order, "booking_cancelled", amount_vnd=amount, booking=booking)
    log.info("booking %s cancelled by %s: %s %% back, %d đồng", booking.id, actor, percent, amount)
    return CancelledBooking(booking.id, percent, amount, refund_id)


def _close_part_if_empty(part: ProducerOrder, actor: str, reason: str) -> None:
    """A producer's part made only of bookings, all now cancelled, is cancelled too."""
    if part.status not in (ProducerOrderStatus.PENDING, ProducerOrderStatus.NEW):
        return
    kinds = db.session.scalars(
        select(OrderLine.kind).where(OrderLine.producer_order_id == part.id)
    ).all()
    if any(kind != "seats" for kind in kinds):
        return
    open_bookings = db.session.scalar(
        select(Booking.id).where(
            Booking.producer_order_id == part.id,
            Booking.status.not_in([BookingStatus.CANCELLED, BookingStatus.EXPIRED]),
        )
    )
    if open_bookings is None:
        transition_producer_order(part, ProducerOrderStatus.CANCELLED, actor=actor, reason=reason)
