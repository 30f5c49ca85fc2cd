"""Partners' holds and confirmations, over the shop's own booking code.

A hold is an order of seats placed like a shopper's (``plan_order`` / ``place_order``): the
same conditional seat update (``SessionFull`` when the pool is short), the same payment window
(``ORDER_PAYMENT_TTL_MINUTES``) after which the expiry job gives the seats back, and the key
recorded beside it (``PartnerBooking``). Its payment method is ``partner_account``: confirming
is the partner taking on the price, recorded as a succeeded payment through the payment state
machine (``payment_succeeded``), so the order is paid, the booking confirmed, its ticket issued
and the producer's ledger credited exactly as after a card payment. Nothing here commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from shop.errors import InvalidQuantity, InvalidTransition, SessionUnavailable
from shop.extensions import db
from shop.lines import LineKind
from shop.orders.models import (
    EventKind,
    EventVisibility,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
)
from shop.orders.services import (
    Contact,
    Guests,
    LineRequest,
    OrderRules,
    lock_order,
    mark_payment_failed,
    place_order,
    plan_order,
)
from shop.partners.errors import BookingConfirmed, BookingNotFound, HoldExpired, HoldReleased
from shop.partners.models import ApiKey, PartnerBooking
from shop.payments.models import Payment, PaymentStatus
from shop.payments.services import payment_succeeded, reservation_holds
from shop.templating import LOCAL_TZ
from shop.tourism.models import (
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    Ticket,
    TicketStatus,
)
from shop.tourism.rules import aware

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HoldRequest:
    """What a partner asks to hold: seats of one session by unit type (``{unit type id:
    quantity}``) and the lead guest (phone in E.164, checked by the caller)."""

    session_id: int
    units: dict[int, int]
    lead_name: str
    email: str
    phone: str
    locale: str = "en"
    partner_reference: str | None = None


def find_session(experience_slug: str, starts_at: datetime) -> ExperienceSession:
    """The session of the experience ``experience_slug`` (on sale) starting at ``starts_at``
    (an aware instant: the API's availability id); ``SessionUnavailable`` otherwise."""
    found = db.session.scalar(
        select(ExperienceSession)
        .join(Experience, Experience.id == ExperienceSession.experience_id)
        .where(
            Experience.slug == experience_slug,
            Experience.active.is_(True),
            ExperienceSession.starts_at == starts_at.astimezone(UTC),
        )
    )
    if found is None:
        raise SessionUnavailable("there is no such session of this experience", reason="unknown")
    return found


def unit_ids(session: ExperienceSession, quantities: dict[str, int]) -> dict[int, int]:
    """``{unit code: quantity}`` as ``{unit type id: quantity}`` for the session's experience;
    ``InvalidQuantity`` for a code it does not offer."""
    by_code = {unit.code: unit.id for unit in session.experience.unit_types}
    unknown = sorted(set(quantities) - set(by_code))
    if unknown:
        raise InvalidQuantity(f"this experience has no unit {unknown[0]}", reason="unknown_unit")
    return {by_code[code]: quantity for code, quantity in quantities.items()}


def _actor(api_key: ApiKey) -> str:
    return f"partner:{api_key.prefix}"


def hold(
    api_key: ApiKey, request: HoldRequest, *, rules: OrderRules, now: datetime
) -> PartnerBooking:
    """Hold the seats: an order awaiting the partner's confirmation, with one held booking.
    Raises what a shopper's checkout meets (``SessionUnavailable``, ``SessionFull``,
    ``InvalidQuantity``); the caller rolls back. Flushes."""
    if not request.units:
        raise InvalidQuantity("choose at least one ticket", reason="empty")
    lines = [
        LineRequest.seats(request.session_id, unit_type_id, quantity)
        for unit_type_id, quantity in sorted(request.units.items())
    ]
    contact = Contact(
        email=request.email,
        phone=request.phone,
        recipient_name=request.lead_name,
        province=None,
        commune=None,
        street=None,
        province_code=0,
        commune_code=0,
        locale=request.locale,
    )
    plan = plan_order(
        lines,
        contact,
        payment_method=PaymentMethod.PARTNER_ACCOUNT,
        rules=rules,
        today=now.astimezone(LOCAL_TZ).date(),
        now=now,
        guests=Guests(lead_name=request.lead_name, lead_phone=request.phone),
    )
    order = place_order(plan, now=now, notify=False)
    booking = db.session.scalars(select(Booking).where(Booking.order_id == order.id)).one()
    held = PartnerBooking(
        public_id=str(uuid.uuid4()),
        api_key_id=api_key.id,
        order_id=order.id,
        booking_id=booking.id,
        partner_reference=request.partner_reference,
        created_at=now,
    )
    db.session.add(held)
    db.session.add(
        OrderEvent(
            order_id=order.id,
            actor=_actor(api_key),
            kind=EventKind.NOTE,
            visibility=EventVisibility.STAFF,
            from_status=order.status,
            to_status=order.status,
            reason=f"held through the partner API by {api_key.partner_name} ({api_key.prefix})",
        )
    )
    db.session.flush()
    log.info("partner %s held booking %s (order %s)", api_key.prefix, booking.id, order.reference)
    return held


def find(api_key: ApiKey, public_id: str) -> PartnerBooking:
    """The key's booking ``public_id``; ``BookingNotFound`` for another key's, an unknown id or
    one that is not a UUID at all (never reaches the database)."""
    try:
        public_id = str(uuid.UUID(public_id))
    except (ValueError, TypeError, AttributeError):
        raise BookingNotFound("no such booking") from None
    held = db.session.scalar(
        select(PartnerBooking).where(
            PartnerBooking.public_id == public_id, PartnerBooking.api_key_id == api_key.id
        )
    )
    if held is None:
        raise BookingNotFound("no such booking")
    return held


def confirm(api_key: ApiKey, public_id: str, *, now: datetime) -> PartnerBooking:
    """The partner confirms its hold: a payment of the order's total on the partner's account,
    through ``payment_succeeded`` (the order paid, the booking confirmed with its ticket, the
    ledger written). Under the order's lock, so two confirmations pay once; the second (or a
    repeat) answers with the same booking. ``HoldExpired`` once the payment window has closed
    (even before the expiry job has run), ``HoldReleased`` after a release. Flushes."""
    held = find(api_key, public_id)
    order = lock_order(held.order_id)
    db.session.refresh(held)
    if held.confirmed_at is not None:
        return held
    if order.status == OrderStatus.PAYMENT_FAILED:
        raise HoldReleased("the hold was released", status=str(order.status))
    if not reservation_holds(order, now):
        raise HoldExpired(
            "the hold expired before it was confirmed", expired_at=aware(order.expires_at)
        )
    payment = Payment(
        order_id=order.id,
        provider=PaymentMethod.PARTNER_ACCOUNT.value,
        provider_reference=f"partner-{held.public_id}",
        idempotency_key=f"order-{order.reference}-partner",
        amount_vnd=order.total_vnd,
        currency="vnd",
        status=PaymentStatus.PENDING,
    )
    db.session.add(payment)
    db.session.flush()
    paid = payment_succeeded(
        payment, amount_vnd=order.total_vnd, currency="vnd", actor=_actor(api_key)
    )
    if not paid:  # cannot happen under the lock; never confirm what was not paid
        raise InvalidTransition(f"order {order.reference} was not paid", current=order.status)
    held.confirmed_at = now
    db.session.flush()
    log.info("partner %s confirmed order %s", api_key.prefix, order.reference)
    return held


def release(api_key: ApiKey, public_id: str, *, now: datetime) -> PartnerBooking:
    """The partner gives a hold up: the order fails unpaid and the seats go back, once (the
    order's compare-and-set). Releasing again, or a hold that expired, answers with the booking
    as it is; a confirmed booking is refused (``BookingConfirmed``). Flushes."""
    held = find(api_key, public_id)
    order = lock_order(held.order_id)
    db.session.refresh(held)
    if held.confirmed_at is not None or order.status != OrderStatus.AWAITING_PAYMENT:
        if held.confirmed_at is not None:
            raise BookingConfirmed("a confirmed booking cannot be released")
        return held
    mark_payment_failed(order, actor=_actor(api_key), reason="the partner released the hold")
    return held


# --- what the partner sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    unit_type_id: int
    code: str
    name: str
    quantity: int
    unit_price_vnd: int
    total_vnd: int


@dataclass(frozen=True)
class BookingView:
    public_id: str
    status: str  # held | confirmed | checked_in | completed | expired | released | cancelled
    partner_reference: str | None
    order_reference: str
    session_id: int
    experience_id: int
    experience_slug: str
    starts_at: datetime
    seats: int
    units: tuple[UnitLine, ...]
    total_vnd: int
    lead_name: str
    email: str
    phone: str
    created_at: datetime
    expires_at: datetime | None
    confirmed_at: datetime | None
    tickets: tuple[str, ...]


def status_of(booking: Booking, order: Order, now: datetime) -> str:
    """The booking's state as the partner sees it: a hold whose window closed is expired even
    before the expiry job has run; a hold given up is released."""
    if booking.status == BookingStatus.HELD:
        if not reservation_holds(order, now):
            return "expired"
        return "held"
    if booking.status == BookingStatus.CANCELLED and order.status == OrderStatus.PAYMENT_FAILED:
        return "released"
    return str(booking.status)


def view(held: PartnerBooking, now: datetime) -> BookingView:
    order: Order = db.session.get(Order, held.order_id)
    booking: Booking = db.session.get(Booking, held.booking_id)
    lines = db.session.scalars(
        select(OrderLine)
        .where(OrderLine.booking_id == booking.id, OrderLine.kind == LineKind.SEATS)
        .order_by(OrderLine.id)
    ).all()
    tickets = db.session.scalars(
        select(Ticket.code)
        .where(Ticket.booking_id == booking.id, Ticket.status == TicketStatus.VALID)
        .order_by(Ticket.id)
    ).all()
    status = status_of(booking, order, now)
    codes = {unit.id: unit.code for unit in booking.experience.unit_types}
    return BookingView(
        public_id=held.public_id,
        status=status,
        partner_reference=held.partner_reference,
        order_reference=order.reference,
        session_id=booking.session_id,
        experience_id=booking.experience_id,
        experience_slug=booking.experience.slug,
        starts_at=aware(booking.session.starts_at),
        seats=booking.seats,
        units=tuple(
            UnitLine(
                unit_type_id=line.unit_type_id,
                code=codes.get(line.unit_type_id, ""),
                name=line.unit_label,
                quantity=line.quantity,
                unit_price_vnd=line.unit_price_vnd,
                total_vnd=line.line_total_vnd,
            )
            for line in lines
        ),
        total_vnd=sum(line.line_total_vnd for line in lines),
        lead_name=booking.lead_name,
        email=order.email,
        phone=booking.lead_phone,
        created_at=aware(held.created_at),
        expires_at=aware(order.expires_at) if status == "held" and order.expires_at else None,
        confirmed_at=aware(held.confirmed_at) if held.confirmed_at else None,
        tickets=tuple(tickets),
    )
