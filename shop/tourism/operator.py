"""The operator's sessions: create one or a rule's worth, change capacity, close, reopen and
cancel.

Sessions are planned in local time (Asia/Ho_Chi_Minh) and stored in UTC: a 06:00 session on
the 5th starts at 23:00 on the 4th in UTC. Every change is one conditional update, so it cannot
undo a booking that got there first: the capacity never drops below the seats taken (the
database CHECK says so too), and only an open or closed session can be cancelled, once.

Refunding a cancelled session's bookings lives above tourism (payments → orders); the caller
cancels the session here, commits, then refunds each booking that ``bookings_to_refund`` lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import WEEKLY, rrule
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from shop.extensions import db
from shop.tourism.errors import CapacityBelowTaken, SessionRefused, SessionStateRefused
from shop.tourism.models import (
    AvailabilityKind,
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    SessionStatus,
)
from shop.tourism.rules import aware, utc_from_local
from shop.tourism.services import normalise_code

# A rule creates sessions for at most a year ahead, and at most this many at once.
MAX_RULE_DAYS = 366
MAX_RULE_SESSIONS = 400
MAX_CAPACITY = 10_000
CANCEL_REASON_MAX = 500


@dataclass(frozen=True)
class SessionTimes:
    """Where a session sits in UTC, from its local date and times."""

    starts_at: datetime
    ends_at: datetime


def session_times(experience: Experience, day: date, start: time, end: time | None) -> SessionTimes:
    """A tour (start time) ends ``duration_minutes`` after its start; a garden (opening hours)
    is open from ``start`` to ``end`` on that day, which the operator gives."""
    starts_at = utc_from_local(day, start)
    if experience.availability_kind == AvailabilityKind.OPENING_HOURS:
        if end is None or end <= start:
            raise SessionRefused("closing time must be after opening time", reason="bad_times")
        ends_at = utc_from_local(day, end)
    else:
        ends_at = starts_at + timedelta(minutes=experience.duration_minutes)
    return SessionTimes(starts_at, ends_at)


def _check_capacity(capacity: int) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise SessionRefused("capacity must be a whole number of at least 1", reason="capacity")
    if capacity > MAX_CAPACITY:
        raise SessionRefused("capacity too large", reason="capacity")


def _insert_sessions(experience: Experience, planned: list[SessionTimes], capacity: int) -> int:
    """Insert the planned sessions, skipping any whose start already exists for the
    experience (the unique key decides, so two operators submitting at once make one)."""
    if not planned:
        return 0
    table = ExperienceSession.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    now = datetime.now(UTC)
    created = 0
    for times in planned:
        result = db.session.execute(
            dialect.insert(table)
            .values(
                experience_id=experience.id,
                starts_at=times.starts_at,
                ends_at=times.ends_at,
                capacity=capacity,
                seats_taken=0,
                status=SessionStatus.OPEN,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["experience_id", "starts_at"])
            .returning(table.c.id)
        )
        # The rows returned, not ``rowcount``: psycopg reports -1 for an INSERT … RETURNING
        # that returned nothing.
        created += len(result.all())
    return created


def create_session(
    experience: Experience,
    *,
    day: date,
    start: time,
    end: time | None = None,
    capacity: int,
    now: datetime,
) -> ExperienceSession:
    """One session on a local ``day`` at local ``start``. Refused when it would start in the
    past or when the experience already has a session starting then."""
    _check_capacity(capacity)
    times = session_times(experience, day, start, end)
    if times.starts_at <= aware(now):
        raise SessionRefused("that time has passed", reason="past")
    if not _insert_sessions(experience, [times], capacity):
        raise SessionRefused("a session already starts then", reason="exists")
    db.session.flush()
    return db.session.scalar(
        select(ExperienceSession).where(
            ExperienceSession.experience_id == experience.id,
            ExperienceSession.starts_at == times.starts_at,
        )
    )


@dataclass(frozen=True)
class RuleResult:
    created: int
    skipped: int  # already there, or already past

    @property
    def planned(self) -> int:
        return self.created + self.skipped


def rule_days(weekdays: list[int], first_day: date, last_day: date) -> list[date]:
    """The local dates from ``first_day`` to ``last_day`` (both included) that fall on
    ``weekdays`` (0 = Monday … 6 = Sunday), by python-dateutil's rrule."""
    if not weekdays:
        raise SessionRefused("choose at least one day of the week", reason="no_days")
    if last_day < first_day:
        raise SessionRefused("the last day is before the first", reason="bad_dates")
    if (last_day - first_day).days >= MAX_RULE_DAYS:
        raise SessionRefused("at most a year of sessions at once", reason="too_long")
    rule = rrule(
        WEEKLY,
        byweekday=sorted(set(weekdays)),
        dtstart=datetime.combine(first_day, time()),
        until=datetime.combine(last_day, time()),
    )
    return [moment.date() for moment in rule]


def create_recurring_sessions(
    experience: Experience,
    *,
    weekdays: list[int],
    first_day: date,
    last_day: date,
    start: time,
    end: time | None = None,
    capacity: int,
    now: datetime,
) -> RuleResult:
    """Sessions at local ``start`` on every chosen weekday from ``first_day`` to ``last_day``;
    the ones that already exist (same experience and start) or have passed are skipped."""
    _check_capacity(capacity)
    days = rule_days(weekdays, first_day, last_day)
    if len(days) > MAX_RULE_SESSIONS:
        raise SessionRefused("too many sessions at once", reason="too_many")
    planned = [session_times(experience, day, start, end) for day in days]
    future = [times for times in planned if times.starts_at > aware(now)]
    created = _insert_sessions(experience, future, capacity)
    db.session.flush()
    return RuleResult(created=created, skipped=len(planned) - created)


def change_capacity(session: ExperienceSession, capacity: int) -> None:
    """Set the session's seat pool to ``capacity``: one conditional update that never goes
    below the seats taken at that moment (``CapacityBelowTaken`` with the current count)."""
    _check_capacity(capacity)
    if session.status == SessionStatus.CANCELLED:
        raise SessionStateRefused("the session was cancelled", current=session.status)
    result = db.session.execute(
        update(ExperienceSession)
        .where(
            ExperienceSession.id == session.id,
            ExperienceSession.seats_taken <= capacity,
            ExperienceSession.status != SessionStatus.CANCELLED,
        )
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(session)
    if result.rowcount != 1:
        if session.status == SessionStatus.CANCELLED:
            raise SessionStateRefused("the session was cancelled", current=session.status)
        raise CapacityBelowTaken(
            "capacity below the seats taken", seats_taken=session.seats_taken, capacity=capacity
        )


def _set_status(
    session: ExperienceSession, current: tuple[str, ...], target: str, **values: object
) -> None:
    result = db.session.execute(
        update(ExperienceSession)
        .where(ExperienceSession.id == session.id, ExperienceSession.status.in_(current))
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(session)
    if result.rowcount != 1:
        raise SessionStateRefused(
            f"session {session.id} cannot go from {session.status} to {target}",
            current=session.status,
            target=target,
        )


def close_sales(session: ExperienceSession) -> None:
    """No more bookings for this session; the ones it has stand."""
    _set_status(session, (SessionStatus.OPEN,), SessionStatus.CLOSED)


def reopen_sales(session: ExperienceSession, now: datetime) -> None:
    """Open a closed session for booking again, if it has not started."""
    if aware(session.starts_at) <= aware(now):
        raise SessionStateRefused(
            "the session has started", current=session.status, reason="started"
        )
    _set_status(session, (SessionStatus.CLOSED,), SessionStatus.OPEN)


def cancel_session(session: ExperienceSession, *, reason: str, now: datetime) -> None:
    """Call the session off (weather, illness…) with the operator's reason: a compare-and-set
    from open or closed, so it happens once. No session that has started can be cancelled.
    The caller then refunds every booking ``bookings_to_refund`` lists."""
    reason = (reason or "").strip()
    if not reason:
        raise SessionRefused("a reason is required", reason="no_reason")
    if aware(session.starts_at) <= aware(now):
        raise SessionStateRefused(
            "the session has started", current=session.status, reason="started"
        )
    _set_status(
        session,
        (SessionStatus.OPEN, SessionStatus.CLOSED),
        SessionStatus.CANCELLED,
        cancel_reason=reason[:CANCEL_REASON_MAX],
    )


# Bookings a cancelled session still owes a full refund (paid) or a release (awaiting payment).
TO_REFUND = (BookingStatus.HELD, BookingStatus.CONFIRMED)


def bookings_to_refund(session_id: int) -> list[int]:
    """The ids of the session's bookings not yet cancelled, in id order."""
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(Booking.session_id == session_id, Booking.status.in_(TO_REFUND))
            .order_by(Booking.id)
        ).all()
    )


def ticket_code_from(scanned: str | None) -> str:
    """The ticket code in what was typed or scanned: the code itself, or a ticket's address
    (``https://…/tickets/ABCD…`` or its ``.pdf``), as a QR code carries it."""
    text = (scanned or "").strip()
    marker = "/tickets/"
    if marker in text:
        text = text.rsplit(marker, 1)[1]
        for end in ("?", "#", "/"):
            text = text.split(end, 1)[0]
        text = text.removesuffix(".pdf")
    return normalise_code(text)
