"""Seats, bookings, tickets and check-in.

Seats are held like stock (DESIGN §5): one conditional update per session, in session-id order,
``UPDATE experience_session SET seats_taken = seats_taken + :n WHERE id = :id AND
seats_taken + :n <= capacity AND status = 'open'`` — no row updated means ``SessionFull`` and
the whole transaction rolls back. Every booking change is a compare-and-set on its status, so
the seats of a booking come back exactly once whichever of expiry, failure or cancellation
gets there first.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, column, delete, func, select, table, update
from sqlalchemy.orm import selectinload

from shop.errors import (
    BookingNotAllowed,
    CheckInRefused,
    InvalidQuantity,
    InvalidTransition,
    SessionFull,
    SessionUnavailable,
)
from shop.extensions import db
from shop.tourism.models import (
    HOLDS_SEATS,
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    Guest,
    SessionStatus,
    Ticket,
    TicketStatus,
    UnitType,
)
from shop.tourism.rules import AvailabilityStatus, availability_status, aware, cutoff_at

log = logging.getLogger(__name__)

# Ticket codes: no 0/O, 1/I/L — a code read aloud or typed at a gate cannot be misread.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_CODE_LENGTH = 10

B = BookingStatus
BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    B.HELD: frozenset({B.CONFIRMED, B.EXPIRED, B.CANCELLED}),
    B.CONFIRMED: frozenset({B.CHECKED_IN, B.CANCELLED, B.COMPLETED}),
    B.CHECKED_IN: frozenset({B.COMPLETED}),
    B.COMPLETED: frozenset(),
    B.CANCELLED: frozenset(),
    B.EXPIRED: frozenset(),
}


def transition_booking(booking: Booking, target: BookingStatus, **values: object) -> str:
    """Move a booking to ``target`` if its table allows it and nobody moved it first (a
    compare-and-set); returns the status it left, else ``InvalidTransition``."""
    current = booking.status
    if target not in BOOKING_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            f"booking {booking.id} cannot go from {current} to {target}",
            current=current,
            target=str(target),
        )
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == current)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(f"booking {booking.id} changed while being updated")
    db.session.refresh(booking)
    return current


# --- sessions ------------------------------------------------------------------------------


def session_cutoff(session: ExperienceSession, experience: Experience | None = None) -> datetime:
    experience = experience or session.experience
    return cutoff_at(session.starts_at, experience.cutoff_days_before, experience.cutoff_time)


def session_availability(
    session: ExperienceSession, now: datetime, experience: Experience | None = None
) -> AvailabilityStatus:
    return availability_status(
        status=session.status,
        capacity=session.capacity,
        seats_taken=session.seats_taken,
        cutoff=session_cutoff(session, experience),
        now=now,
    )


def load_session(session_id: int) -> ExperienceSession | None:
    """A session with its experience, the experience's unit types (and tiers) and operator."""
    return db.session.scalar(
        select(ExperienceSession)
        .where(ExperienceSession.id == session_id)
        .options(
            selectinload(ExperienceSession.experience)
            .selectinload(Experience.unit_types)
            .selectinload(UnitType.tiers),
            selectinload(ExperienceSession.experience).selectinload(Experience.producer),
        )
    )


def check_bookable(session: ExperienceSession | None, now: datetime) -> None:
    """Refuse a session that cannot be booked now (``SessionUnavailable`` with its reason).
    Whether enough seats are left is decided by the hold itself."""
    if session is None or not session.experience.active:
        raise SessionUnavailable("that session does not exist", reason="unknown")
    if session.status == SessionStatus.CANCELLED:
        raise SessionUnavailable("the session was cancelled", reason="cancelled")
    if session.status != SessionStatus.OPEN:
        raise SessionUnavailable("the session is closed for booking", reason="closed")
    if aware(now) >= session_cutoff(session):
        raise SessionUnavailable("bookings for this session have closed", reason="cutoff")


@dataclass(frozen=True)
class PricedUnit:
    """Seats of one unit type in a booking, priced for the booking's quantity."""

    unit_type: UnitType
    quantity: int
    unit_price_vnd: int

    @property
    def seats(self) -> int:
        return self.unit_type.seats * self.quantity

    @property
    def line_total_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


def price_units(experience: Experience, quantities: dict[int, int]) -> list[PricedUnit]:
    """Check and price the unit types asked for one booking (``{unit_type_id: quantity}``):
    types of this experience only, whole quantities within each type's per-booking range, at
    least one seat; the group tier reached by each type's quantity sets its unit price."""
    by_id = {unit.id: unit for unit in experience.unit_types}
    priced = []
    for unit_type_id, quantity in quantities.items():
        unit = by_id.get(unit_type_id)
        if unit is None:
            raise InvalidQuantity("that ticket type is not offered", reason="unknown_unit")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise InvalidQuantity("quantities must be whole numbers", reason="bad_quantity")
    for unit in experience.unit_types:
        quantity = quantities.get(unit.id, 0)
        if quantity and quantity > unit.max_per_booking:
            raise InvalidQuantity(
                f"at most {unit.max_per_booking} × {unit.name_vi} per booking",
                reason="too_many",
                unit_type_id=unit.id,
                limit=unit.max_per_booking,
            )
        if quantity and quantity < unit.min_per_booking:
            raise InvalidQuantity(
                f"at least {unit.min_per_booking} × {unit.name_vi} per booking",
                reason="too_few",
                unit_type_id=unit.id,
                limit=unit.min_per_booking,
            )
        if quantity:
            priced.append(PricedUnit(unit, quantity, unit.price_for(quantity)))
    if not priced:
        raise InvalidQuantity("choose at least one ticket", reason="empty")
    return priced


def _session_ids_in_order(seats: dict[int, int]) -> list[int]:
    return sorted(session_id for session_id, n in seats.items() if n)


def adjust_seats(*, released: dict[int, int], wanted: dict[int, int]) -> None:
    """Give back ``released`` and take ``wanted`` seats (``{session_id: seats}``): one update
    per session in session-id order (every writer locks sessions in that order). Taking is
    conditional on the pool and on the session being open: ``SessionFull`` otherwise."""
    for session_id in sorted(set(released) | set(wanted)):
        back, take = released.get(session_id, 0), wanted.get(session_id, 0)
        if not back and not take:
            continue
        stmt = update(ExperienceSession).where(ExperienceSession.id == session_id)
        if take:
            stmt = stmt.where(
                ExperienceSession.seats_taken - back + take <= ExperienceSession.capacity,
                ExperienceSession.status == SessionStatus.OPEN,
            )
        result = db.session.execute(
            stmt.values(seats_taken=ExperienceSession.seats_taken - back + take).execution_options(
                synchronize_session=False
            )
        )
        if take and result.rowcount != 1:
            raise SessionFull("not enough seats left", session_id=session_id, wanted=take)


def seats_held(bookings: Iterable[Booking]) -> dict[int, int]:
    """Seats each session gives back when ``bookings`` (which hold seats) end."""
    seats: dict[int, int] = defaultdict(int)
    for booking in bookings:
        seats[booking.session_id] += booking.seats
    return dict(seats)


def order_bookings(order_id: int) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.order_id == order_id)
            .order_by(Booking.id)
            .options(selectinload(Booking.tickets), selectinload(Booking.session))
        ).all()
    )


def end_held_bookings(order_id: int, target: BookingStatus) -> dict[int, int]:
    """The order was never paid (``EXPIRED``) or given up (``CANCELLED``): its held bookings
    end; returns the seats they give back (the caller writes them, in session-id order)."""
    ended = []
    for booking in order_bookings(order_id):
        if booking.status != BookingStatus.HELD:
            continue
        try:
            transition_booking(booking, target)
        except InvalidTransition:
            continue
        ended.append(booking)
    return seats_held(ended)


def void_tickets(booking: Booking, now: datetime) -> None:
    db.session.execute(
        update(Ticket)
        .where(Ticket.booking_id == booking.id, Ticket.status == TicketStatus.VALID)
        .values(status=TicketStatus.VOID, voided_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking, ["tickets"])


def cancel_booking(booking: Booking, *, reason: str, now: datetime) -> dict[int, int]:
    """Cancel a held or confirmed booking (a compare-and-set, so its seats come back once):
    its ticket becomes void; returns the seats to give back (the caller writes them)."""
    transition_booking(booking, BookingStatus.CANCELLED, cancelled_at=now, cancel_reason=reason)
    void_tickets(booking, now)
    return {booking.session_id: booking.seats}


def cancel_order_bookings(order_id: int, *, reason: str, now: datetime) -> dict[int, int]:
    """Every held or confirmed booking of an order cancelled (the order was cancelled);
    returns the seats they give back. Bookings already checked in or over stay as they are."""
    seats: dict[int, int] = defaultdict(int)
    for booking in order_bookings(order_id):
        if booking.status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
            continue
        try:
            back = cancel_booking(booking, reason=reason, now=now)
        except InvalidTransition:
            continue
        for session_id, n in back.items():
            seats[session_id] += n
    return dict(seats)


def confirm_bookings(order_id: int, now: datetime) -> list[Booking]:
    """The order is paid: its held bookings are confirmed and each gets its ticket."""
    confirmed = []
    for booking in order_bookings(order_id):
        try:
            transition_booking(booking, BookingStatus.CONFIRMED, confirmed_at=now)
        except InvalidTransition:
            continue
        issue_ticket(booking, now)
        confirmed.append(booking)
    return confirmed


# --- tickets ---------------------------------------------------------------------------------


def new_ticket_code() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_CODE_LENGTH))


def normalise_code(typed: str | None) -> str:
    """A code as typed or scanned: spaces and dashes dropped, upper case, and the letters a
    person confuses with digits read as the digits they look like are not in codes at all."""
    if not typed:
        return ""
    return "".join(ch for ch in typed.upper() if ch.isalnum() and ch.isascii())[:32]


def issue_ticket(booking: Booking, now: datetime) -> Ticket:
    """Give the booking a new ticket; the one it had (if any) becomes void. Called on
    confirmation and on any change, so an old code never admits anyone."""
    db.session.execute(
        update(Ticket)
        .where(Ticket.booking_id == booking.id, Ticket.status == TicketStatus.VALID)
        .values(status=TicketStatus.VOID, voided_at=now)
        .execution_options(synchronize_session=False)
    )
    for _attempt in range(5):
        code = new_ticket_code()
        if db.session.scalar(select(Ticket.id).where(Ticket.code == code)) is None:
            break
    ticket = Ticket(booking_id=booking.id, code=code, status=TicketStatus.VALID, issued_at=now)
    db.session.add(ticket)
    db.session.flush()
    db.session.expire(booking, ["tickets"])
    return ticket


def find_ticket(code: str) -> Ticket | None:
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.code == code)
        .options(
            selectinload(Ticket.booking)
            .selectinload(Booking.session)
            .selectinload(ExperienceSession.experience)
        )
    )


@dataclass(frozen=True)
class CheckIn:
    ticket: Ticket
    booking: Booking
    checked_in_at: datetime


def check_in(
    code: str,
    *,
    producer_id: int,
    session_id: int | None,
    user_id: int | None,
    now: datetime,
) -> CheckIn:
    """Admit the holder of ``code`` at the operator's gate, once.

    Refused with a reason (``CheckInRefused``): an unknown code, a ticket of another operator,
    of another session than the one being checked in, a replaced (re-issued) or cancelled
    ticket, or one already checked in — that refusal carries the time of the first check-in.
    The check-in itself is a compare-and-set, so two scans at once admit one person once.
    """
    ticket = find_ticket(code)
    if ticket is None:
        raise CheckInRefused("unknown ticket code", reason="unknown")
    booking = ticket.booking
    if booking.session.experience.producer_id != producer_id:
        raise CheckInRefused("this ticket is for another operator", reason="other_operator")
    if ticket.status != TicketStatus.VALID:
        raise CheckInRefused("this ticket was replaced by a newer one", reason="replaced")
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
        raise CheckInRefused("this booking was cancelled", reason="cancelled")
    if ticket.checked_in_at is not None:
        raise CheckInRefused(
            "already checked in", reason="already", checked_in_at=aware(ticket.checked_in_at)
        )
    if session_id is not None and booking.session_id != session_id:
        raise CheckInRefused(
            "this ticket is for another session",
            reason="wrong_session",
            starts_at=aware(booking.session.starts_at),
        )
    if booking.status != BookingStatus.CONFIRMED:
        raise CheckInRefused("this booking cannot be checked in", reason=booking.status)
    result = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(ticket)
        raise CheckInRefused(
            "already checked in", reason="already", checked_in_at=aware(ticket.checked_in_at)
        )
    transition_booking(booking, BookingStatus.CHECKED_IN, checked_in_at=now)
    db.session.refresh(ticket)
    return CheckIn(ticket=ticket, booking=booking, checked_in_at=now)


# --- after the session -----------------------------------------------------------------------


def complete_past_bookings(now: datetime, limit: int = 500) -> list[Booking]:
    """Bookings of sessions that have ended become completed (what payouts wait for);
    returns them. Safe beside check-ins: each is a compare-and-set."""
    due = db.session.scalars(
        select(Booking)
        .join(ExperienceSession, ExperienceSession.id == Booking.session_id)
        .where(
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN]),
            ExperienceSession.ends_at <= now,
        )
        .order_by(Booking.id)
        .limit(limit)
    ).all()
    completed = []
    for booking in due:
        try:
            transition_booking(booking, BookingStatus.COMPLETED, completed_at=now)
        except InvalidTransition:
            continue
        completed.append(booking)
    return completed


GUEST_DATA_KEPT = timedelta(days=30)


def purge_guest_data(now: datetime) -> int:
    """Erase the passport data of guests whose stay ended more than 30 days ago (or whose
    booking ended without a stay); returns how many guests were erased."""
    ended = (
        select(Booking.id)
        .join(ExperienceSession, ExperienceSession.id == Booking.session_id)
        .where(
            Booking.guests_purged_at.is_(None),
            ExperienceSession.ends_at <= now - GUEST_DATA_KEPT,
        )
    )
    never = select(Booking.id).where(
        Booking.guests_purged_at.is_(None),
        Booking.status.in_([BookingStatus.CANCELLED, BookingStatus.EXPIRED]),
        Booking.updated_at <= now - GUEST_DATA_KEPT,
    )
    booking_ids = list(db.session.scalars(ended.union(never)).all())
    if not booking_ids:
        return 0
    erased = db.session.execute(delete(Guest).where(Guest.booking_id.in_(booking_ids))).rowcount
    db.session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids))
        .values(guests_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    log.info("guest data erased: %d guests of %d bookings", erased, len(booking_ids))
    return erased


def holds_seats(booking: Booking) -> bool:
    return booking.status in HOLDS_SEATS


def check_cancellable(booking: Booking, now: datetime) -> None:
    """A tourist may cancel a confirmed booking until the session starts."""
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingNotAllowed("only a confirmed booking can be cancelled", reason="status")
    if aware(now) >= aware(booking.session.starts_at):
        raise BookingNotAllowed("the session has started", reason="started")


# --- seats as a shopper sees them --------------------------------------------------------------

_orders = table(
    "shop_order",
    column("id", Integer),
    column("status", String),
    column("expires_at", DateTime(timezone=True)),
)


def lapsed_seats(session_ids: list[int], now: datetime) -> dict[int, int]:
    """Read only: seats of ``session_ids`` held by bookings of unpaid orders whose payment
    window has lapsed. They count as free; the next write that needs them releases them."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, func.sum(Booking.seats))
        .join(_orders, _orders.c.id == Booking.order_id)
        .where(
            Booking.status == BookingStatus.HELD,
            Booking.session_id.in_(session_ids),
            _orders.c.status == "awaiting_payment",
            _orders.c.expires_at < now,
        )
        .group_by(Booking.session_id)
    )
    return {session_id: int(seats) for session_id, seats in rows}


def seats_free(session: ExperienceSession, now: datetime) -> int:
    """Seats a shopper can still get: the pool left plus what lapsed holds keep."""
    return session.seats_left + lapsed_seats([session.id], now).get(session.id, 0)


def move_options(booking: Booking, now: datetime, limit: int = 30) -> list[ExperienceSession]:
    """Other open sessions of the booking's experience, still before their cut-off, with seats
    for the whole party: where the booking may move."""
    experience = booking.session.experience
    candidates = db.session.scalars(
        select(ExperienceSession)
        .where(
            ExperienceSession.experience_id == booking.experience_id,
            ExperienceSession.id != booking.session_id,
            ExperienceSession.status == SessionStatus.OPEN,
            ExperienceSession.starts_at > now,
            ExperienceSession.capacity - ExperienceSession.seats_taken >= booking.seats,
        )
        .order_by(ExperienceSession.starts_at)
        .limit(limit * 2)
    ).all()
    return [s for s in candidates if aware(now) < session_cutoff(s, experience)][:limit]


def move_booking(booking: Booking, session_id: int, *, now: datetime) -> Ticket:
    """Move a confirmed booking to another session of the same experience, before the cut-off
    of the session it leaves and of the one it joins; the party keeps the price it paid (prices
    belong to the experience, not to a date). Seats leave one pool and join the other in
    session-id order, the new one conditionally (``SessionFull``); the cut-off follows the new
    session and the ticket is re-issued, so the old code no longer admits anyone."""
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingNotAllowed("only a confirmed booking can be moved", reason="status")
    if aware(now) >= aware(booking.cutoff_at):
        raise BookingNotAllowed("the booking's cut-off has passed", reason="cutoff")
    target = load_session(session_id)
    if target is None or target.experience_id != booking.experience_id:
        raise BookingNotAllowed("that session is of another experience", reason="other")
    if target.id == booking.session_id:
        raise BookingNotAllowed("the booking is already on that session", reason="same")
    check_bookable(target, now)
    adjust_seats(released={booking.session_id: booking.seats}, wanted={target.id: booking.seats})
    moved = db.session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.CONFIRMED,
        )
        .values(session_id=target.id, cutoff_at=session_cutoff(target))
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise InvalidTransition(f"booking {booking.id} changed while being moved")
    db.session.execute(
        update(_order_lines)
        .where(_order_lines.c.booking_id == booking.id)
        .values(session_id=target.id)
    )
    db.session.refresh(booking)
    return issue_ticket(booking, now)


_order_lines = table("order_line", column("booking_id", Integer), column("session_id", Integer))
