"""Read models for tickets, the operator's sessions calendar and participant lists.

A booking's unit types and quantities are its seats lines on the order (``order_line`` rows
with its ``booking_id``). Tourism sits below orders, so those rows are read here through the
table itself (``db.metadata.tables``), never through ``shop.orders``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, func, select
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.tourism.models import (
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    Guest,
    Ticket,
    TicketStatus,
    UnitType,
)
from shop.tourism.rules import aware


def _order_lines() -> Table:
    return db.metadata.tables["order_line"]


@dataclass(frozen=True)
class BookedUnits:
    """Seats of one unit type in a booking: ``quantity`` bought, less any refunded."""

    unit_type_id: int
    code: str
    name_vi: str
    name_en: str | None
    quantity: int

    def name(self, lang: str) -> str:
        return (self.name_en if lang == "en" and self.name_en else None) or self.name_vi


def booked_units(booking_ids: Iterable[int]) -> dict[int, list[BookedUnits]]:
    """Each booking's unit types and quantities, in the experience's unit-type order (one
    statement for any number of bookings)."""
    ids = sorted(set(booking_ids))
    if not ids:
        return {}
    lines = _order_lines()
    rows = db.session.execute(
        select(
            lines.c.booking_id,
            UnitType.id,
            UnitType.code,
            UnitType.name_vi,
            UnitType.name_en,
            func.sum(lines.c.quantity - lines.c.refunded_quantity),
        )
        .join(UnitType, UnitType.id == lines.c.unit_type_id)
        .where(lines.c.booking_id.in_(ids))
        .group_by(
            lines.c.booking_id,
            UnitType.id,
            UnitType.code,
            UnitType.name_vi,
            UnitType.name_en,
            UnitType.position,
        )
        .order_by(lines.c.booking_id, UnitType.position, UnitType.id)
    ).all()
    units: dict[int, list[BookedUnits]] = defaultdict(list)
    for booking_id, unit_id, code, name_vi, name_en, quantity in rows:
        units[booking_id].append(BookedUnits(unit_id, code, name_vi, name_en, int(quantity or 0)))
    return dict(units)


# --- tickets ---------------------------------------------------------------------------------


class TicketState:
    """What a ticket page says about its ticket (one word per state)."""

    VALID = "valid"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    REPLACED = "replaced"
    EXPIRED = "expired"


@dataclass
class TicketView:
    ticket: Ticket
    booking: Booking
    session: ExperienceSession
    experience: Experience
    units: list[BookedUnits] = field(default_factory=list)

    @property
    def state(self) -> str:
        booking_status = self.booking.status
        if booking_status == BookingStatus.CANCELLED:
            return TicketState.CANCELLED
        if booking_status == BookingStatus.EXPIRED:
            return TicketState.EXPIRED
        if self.ticket.status != TicketStatus.VALID:
            return TicketState.REPLACED
        if self.ticket.checked_in_at is not None:
            return TicketState.CHECKED_IN
        return TicketState.VALID

    @property
    def checked_in_at(self) -> datetime | None:
        moment = self.ticket.checked_in_at
        return aware(moment) if moment else None


def ticket_view(code: str) -> TicketView | None:
    """The ticket with ``code`` (exactly as stored), its booking, session, experience and
    unit quantities; None when there is no such ticket."""
    ticket = db.session.scalar(
        select(Ticket)
        .where(Ticket.code == code)
        .options(
            selectinload(Ticket.booking)
            .selectinload(Booking.session)
            .selectinload(ExperienceSession.experience)
            .selectinload(Experience.producer)
        )
    )
    if ticket is None:
        return None
    booking = ticket.booking
    return TicketView(
        ticket=ticket,
        booking=booking,
        session=booking.session,
        experience=booking.session.experience,
        units=booked_units([booking.id]).get(booking.id, []),
    )


# --- the operator's calendar -----------------------------------------------------------------


def operator_experiences(producer_id: int) -> list[Experience]:
    return list(
        db.session.scalars(
            select(Experience)
            .where(Experience.producer_id == producer_id)
            .order_by(Experience.active.desc(), Experience.name_vi, Experience.id)
        ).all()
    )


def operator_experience(producer_id: int, experience_id: int) -> Experience | None:
    return db.session.scalar(
        select(Experience).where(
            Experience.id == experience_id, Experience.producer_id == producer_id
        )
    )


def upcoming_sessions(
    experience_ids: list[int], since: datetime, limit_each: int = 200
) -> dict[int, list[ExperienceSession]]:
    """Sessions ending after ``since``, per experience, in time order (one statement)."""
    if not experience_ids:
        return {}
    sessions = db.session.scalars(
        select(ExperienceSession)
        .where(
            ExperienceSession.experience_id.in_(experience_ids),
            ExperienceSession.ends_at > since,
        )
        .order_by(ExperienceSession.experience_id, ExperienceSession.starts_at)
    ).all()
    grouped: dict[int, list[ExperienceSession]] = defaultdict(list)
    for session in sessions:
        if len(grouped[session.experience_id]) < limit_each:
            grouped[session.experience_id].append(session)
    return dict(grouped)


def operator_session(producer_id: int, session_id: int) -> ExperienceSession | None:
    """The operator's own session (with its experience), else None."""
    return db.session.scalar(
        select(ExperienceSession)
        .join(Experience, Experience.id == ExperienceSession.experience_id)
        .where(ExperienceSession.id == session_id, Experience.producer_id == producer_id)
        .options(selectinload(ExperienceSession.experience))
    )


def operator_sessions_between(
    producer_id: int, start: datetime, end: datetime
) -> list[ExperienceSession]:
    """The operator's sessions starting in [start, end), cancelled ones left out (check-in)."""
    return list(
        db.session.scalars(
            select(ExperienceSession)
            .join(Experience, Experience.id == ExperienceSession.experience_id)
            .where(
                Experience.producer_id == producer_id,
                ExperienceSession.starts_at >= start,
                ExperienceSession.starts_at < end,
                ExperienceSession.status != "cancelled",
            )
            .order_by(ExperienceSession.starts_at, ExperienceSession.id)
            .options(selectinload(ExperienceSession.experience))
        ).all()
    )


# --- participant lists -----------------------------------------------------------------------

# Bookings that come (or came) to the session: paid for and not cancelled.
ATTENDING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


@dataclass
class Participant:
    booking: Booking
    ticket_code: str | None
    units: list[BookedUnits]
    guests: list[Guest]

    @property
    def checked_in_at(self) -> datetime | None:
        moment = self.booking.checked_in_at
        return aware(moment) if moment else None


@dataclass
class ParticipantList:
    session: ExperienceSession
    experience: Experience
    participants: list[Participant]
    # Seats held by orders still waiting for payment (not on the list yet).
    held_seats: int

    @property
    def seats(self) -> int:
        return sum(p.booking.seats for p in self.participants)

    @property
    def checked_in(self) -> int:
        return sum(1 for p in self.participants if p.checked_in_at is not None)

    @property
    def shows_guests(self) -> bool:
        """Passport data is shown for overnight sessions only (the police declaration)."""
        return bool(self.experience.overnight)

    def unit_totals(self) -> list[tuple[BookedUnits, int]]:
        totals: dict[int, tuple[BookedUnits, int]] = {}
        for participant in self.participants:
            for unit in participant.units:
                first, count = totals.get(unit.unit_type_id, (unit, 0))
                totals[unit.unit_type_id] = (first, count + unit.quantity)
        return list(totals.values())


def participant_list(session: ExperienceSession) -> ParticipantList:
    """Who comes to ``session``: its paid bookings, lead guest first name order, with their
    unit quantities, valid ticket and — for overnight stays — the foreign guests."""
    bookings = db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status.in_(ATTENDING))
        .order_by(Booking.lead_name, Booking.id)
        .options(selectinload(Booking.tickets), selectinload(Booking.guests))
    ).all()
    held = db.session.scalar(
        select(func.coalesce(func.sum(Booking.seats), 0)).where(
            Booking.session_id == session.id, Booking.status == BookingStatus.HELD
        )
    )
    units = booked_units(b.id for b in bookings)
    overnight = bool(session.experience.overnight)
    participants = [
        Participant(
            booking=booking,
            ticket_code=booking.ticket.code if booking.ticket else None,
            units=units.get(booking.id, []),
            guests=list(booking.guests) if overnight else [],
        )
        for booking in bookings
    ]
    return ParticipantList(
        session=session,
        experience=session.experience,
        participants=participants,
        held_seats=int(held or 0),
    )
