"""Read models of the experience pages: the listing, the experience page with its month
calendar, and the experience parts of catalogue pages (home, search, product page, sitemap).

Every function runs a fixed number of SQL queries whatever the number of experiences and
sessions: sessions are read in one statement per page and grouped in Python, where the
per-experience booking cut-off (``shop.tourism.rules``) is applied.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import Select, Table, bindparam, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog import reads
from shop.catalog.availability import availability
from shop.catalog.models import NOT_IN_FORCE, OcopCertificate, Producer
from shop.catalog.services import ProductCard
from shop.errors import NotFound
from shop.extensions import db
from shop.text import search_terms
from shop.tourism.models import (
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    Guest,
    SessionStatus,
    Ticket,
    TicketStatus,
    UnitCode,
    UnitType,
)
from shop.tourism.rules import (
    AvailabilityStatus,
    availability_status,
    aware,
    cutoff_at,
    local,
    utc_from_local,
)

experience_t = Experience.__table__
session_t = ExperienceSession.__table__
unit_t = UnitType.__table__
certificate_t = OcopCertificate.__table__
producer_t = Producer.__table__

# How far ahead the listing and the "next open date"s look.
HORIZON_DAYS = 120
# The best status of a day's sessions is the day's status.
STATUS_RANK = {
    AvailabilityStatus.AVAILABLE: 0,
    AvailabilityStatus.LIMITED: 1,
    AvailabilityStatus.SOLD_OUT: 2,
    AvailabilityStatus.CLOSED: 3,
}


@dataclass(frozen=True)
class ExperienceFilters:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    party: int | None = None  # seats needed in one session
    language: str | None = None
    max_price: int | None = None  # per adult, in đồng
    province: str | None = None

    @property
    def needs_session(self) -> bool:
        """Whether only experiences with a matching open session are listed."""
        return bool(self.date_from or self.date_to or self.party)

    @property
    def active_count(self) -> int:
        return sum(
            value is not None and value != ""
            for value in (
                self.date_from,
                self.date_to,
                self.party,
                self.language,
                self.max_price,
                self.province,
            )
        )


@dataclass(frozen=True, slots=True)
class ExperienceCard:
    id: int
    slug: str
    name_vi: str
    name_en: str | None
    summary_vi: str
    summary_en: str | None
    image: str | None
    commune: str
    province: str
    producer_id: int
    producer_name: str
    languages: str
    duration_minutes: int
    overnight: bool
    availability_kind: str
    category_id: int
    cutoff_days_before: int
    cutoff_time: time | None
    from_price_vnd: int | None
    stars: int | None
    next_open: tuple[date, ...] = ()  # local dates of the next bookable sessions

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


# ---------------------------------------------------------------------------------------------
# Statements (built once per process; values are bound parameters)


def _adult_prices():
    """Each experience's price per adult (its cheapest adult unit type)."""
    return (
        select(unit_t.c.experience_id, func.min(unit_t.c.price_vnd).label("price"))
        .where(unit_t.c.code == UnitCode.ADULT.value)
        .group_by(unit_t.c.experience_id)
        .subquery("adult")
    )


def _best_stars():
    """Each experience's best star rating among its certificates in force on ``:today``."""
    return (
        select(certificate_t.c.experience_id, func.max(certificate_t.c.stars).label("stars"))
        .where(
            certificate_t.c.experience_id.is_not(None),
            certificate_t.c.status.not_in(NOT_IN_FORCE),
            certificate_t.c.valid_until >= bindparam("today"),
        )
        .group_by(certificate_t.c.experience_id)
        .subquery("best")
    )


_CARD_COLUMNS = (
    "id",
    "slug",
    "name_vi",
    "name_en",
    "summary_vi",
    "summary_en",
    "image",
    "commune",
    "province",
    "producer_id",
)
_CARD_TAIL = (
    "languages",
    "duration_minutes",
    "overnight",
    "availability_kind",
    "category_id",
    "cutoff_days_before",
    "cutoff_time",
)


def _card_select() -> Select:
    adult, best = _adult_prices(), _best_stars()
    e = experience_t.c
    return (
        (
            select(
                *(e[name] for name in _CARD_COLUMNS),
                producer_t.c.name.label("producer_name"),
                *(e[name] for name in _CARD_TAIL),
                adult.c.price,
                best.c.stars,
            )
            .select_from(
                experience_t.join(producer_t, producer_t.c.id == e.producer_id)
                .outerjoin(adult, adult.c.experience_id == e.id)
                .outerjoin(best, best.c.experience_id == e.id)
            )
            .where(e.active.is_(True), producer_t.c.active.is_(True))
        ),
        adult,
        best,
    )


@dataclass(frozen=True)
class _ListShape:
    terms: int
    language: bool
    max_price: bool
    province: bool
    nearby: bool  # same producer or commune (the product page)
    limit: bool


@cache
def _list_statement(shape: _ListShape) -> Select:
    stmt, adult, best = _card_select()
    e = experience_t.c
    for i in range(shape.terms):
        stmt = stmt.where(e.search_text.like(bindparam(f"t{i}")))
    if shape.language:
        stmt = stmt.where((literal(",") + e.languages + literal(",")).like(bindparam("language")))
    if shape.max_price:
        stmt = stmt.where(adult.c.price <= bindparam("max_price"))
    if shape.province:
        stmt = stmt.where(e.province == bindparam("province"))
    if shape.nearby:
        stmt = stmt.where(
            or_(e.producer_id == bindparam("producer_id"), e.commune == bindparam("commune"))
        )
    stmt = stmt.order_by(best.c.stars.is_(None), best.c.stars.desc(), e.id)
    if shape.limit:
        stmt = stmt.limit(bindparam("limit"))
    return stmt


# Sessions read per experience and date shown for its next open dates: enough for the dates
# after the sessions whose cut-off has passed (a cut-off reaches back a day or two).
SESSIONS_PER_DATE = 4


@cache
def _open_sessions_statement() -> Select:
    """The first ``:per`` open sessions of each experience ``:ids``
    with at least ``:seats`` seats left, starting in [``:start``, ``:end``), in time order: a
    window function keeps the read small however many sessions lie ahead."""
    s = session_t.c
    ranked = (
        select(
            s.experience_id,
            s.starts_at,
            s.capacity,
            s.seats_taken,
            func.row_number()
            .over(partition_by=s.experience_id, order_by=(s.starts_at, s.id))
            .label("rank"),
        )
        .where(
            s.experience_id.in_(bindparam("ids", expanding=True)),
            s.status == SessionStatus.OPEN.value,
            s.starts_at >= bindparam("start"),
            s.starts_at < bindparam("end"),
            s.capacity - s.seats_taken >= bindparam("seats"),
        )
        .subquery("ranked")
    )
    r = ranked.c
    return (
        select(r.experience_id, r.starts_at, r.capacity, r.seats_taken)
        .where(r.rank <= bindparam("per"))
        .order_by(r.starts_at)
    )


def _card(row) -> ExperienceCard:
    return ExperienceCard(*row)


def _local_midnight(day: date) -> datetime:
    return utc_from_local(day, time(0, 0))


def _next_open_dates(
    cards: list[ExperienceCard],
    *,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
    seats: int = 1,
    per_experience: int = 3,
) -> dict[int, tuple[date, ...]]:
    """The local dates of each experience's next bookable sessions (open, ``seats`` free,
    cut-off not passed), within [``first``, ``last``] when given (one query)."""
    if not cards:
        return {}
    start = max(aware(now), _local_midnight(first)) if first else aware(now)
    end = (
        _local_midnight(last + timedelta(days=1))
        if last
        else aware(now) + timedelta(days=HORIZON_DAYS)
    )
    if end <= start:
        return {}
    by_id = {card.id: card for card in cards}
    found: dict[int, list[date]] = defaultdict(list)
    rows = reads.run(
        _open_sessions_statement(),
        {
            "ids": list(by_id),
            "start": start,
            "end": end,
            "seats": max(seats, 1),
            # Enough rows for the dates shown after sessions past their cut-off (a day or two).
            "per": per_experience * SESSIONS_PER_DATE,
        },
    )
    for experience_id, starts_at, _capacity, _taken in rows:
        days = found[experience_id]
        if len(days) >= per_experience:
            continue
        card = by_id[experience_id]
        if aware(now) >= cutoff_at(starts_at, card.cutoff_days_before, card.cutoff_time):
            continue
        day = local(starts_at).date()
        if day not in days:
            days.append(day)
    return {experience_id: tuple(days) for experience_id, days in found.items()}


def _with_dates(cards: list[ExperienceCard], dates: dict[int, tuple[date, ...]]) -> list:
    return [replace(card, next_open=dates[card.id]) if card.id in dates else card for card in cards]


def _run_list(shape: _ListShape, values: dict) -> list[ExperienceCard]:
    return [_card(row) for row in reads.run(_list_statement(shape), values)]


# ---------------------------------------------------------------------------------------------
# The listing


PER_PAGE = 24


@dataclass
class ExperienceListing:
    cards: list[ExperienceCard]  # this page's
    provinces: list[str]
    languages: list[str]
    total: int = 0
    page: int = 1
    pages: int = 1


@cache
def _facets_statement() -> Select:
    e = experience_t.c
    return (
        select(e.province, e.languages)
        .select_from(experience_t.join(producer_t, producer_t.c.id == e.producer_id))
        .where(e.active.is_(True), producer_t.c.active.is_(True))
        .distinct()
    )


def list_experiences(
    filters: ExperienceFilters, *, today: date, now: datetime, page: int = 1
) -> ExperienceListing:
    """Page ``page`` (clamped to the last) of the experiences matching ``filters`` with their
    next open dates, best rated first (three queries)."""
    terms = search_terms(filters.q)
    shape = _ListShape(
        terms=len(terms),
        language=bool(filters.language),
        max_price=filters.max_price is not None,
        province=bool(filters.province),
        nearby=False,
        limit=False,
    )
    values: dict[str, object] = {f"t{i}": f"% {term}%" for i, term in enumerate(terms)}
    values.update(
        today=today,
        language=f"%,{filters.language},%",
        max_price=filters.max_price,
        province=filters.province,
    )
    cards = _run_list(shape, values)

    def open_dates(among: list[ExperienceCard]) -> dict[int, tuple[date, ...]]:
        return _next_open_dates(
            among,
            now=now,
            first=filters.date_from,
            last=filters.date_to,
            seats=filters.party or 1,
            per_experience=2,
        )

    if filters.needs_session:  # only experiences with a matching session count
        dates = open_dates(cards)
        cards = [card for card in cards if dates.get(card.id)]
    pages = max(1, -(-len(cards) // PER_PAGE))
    page = min(max(page, 1), pages)
    shown = cards[(page - 1) * PER_PAGE : page * PER_PAGE]
    if not filters.needs_session:  # the dates of this page's cards only
        dates = open_dates(shown)
    provinces, languages = facet_values()
    return ExperienceListing(
        cards=_with_dates(shown, dates),
        provinces=provinces,
        languages=languages,
        total=len(cards),
        page=page,
        pages=pages,
    )


def facet_values() -> tuple[list[str], list[str]]:
    """The provinces and guide languages of experiences on show (for checking filters)."""
    provinces: set[str] = set()
    languages: set[str] = set()
    for province, codes in reads.run(_facets_statement()):
        if province:
            provinces.add(province)
        languages.update(code for code in codes.split(",") if code)
    return sorted(provinces), sorted(languages)


# ---------------------------------------------------------------------------------------------
# Catalogue hooks: home page, search, product page, sitemap


@dataclass
class HomeExperiences:
    cards: list[ExperienceCard]
    category_ids: frozenset[int]


def home_experiences(*, today: date, now: datetime, limit: int = 4) -> HomeExperiences:
    """The best-rated experiences for the home page, and the OCOP groups that hold any (their
    tiles lead to the experiences). Two queries."""
    shape = _ListShape(0, False, False, False, False, False)
    cards = _run_list(shape, {"today": today})
    shown = cards[:limit]
    dates = _next_open_dates(shown, now=now, per_experience=1)
    return HomeExperiences(
        cards=_with_dates(shown, dates), category_ids=frozenset(c.category_id for c in cards)
    )


def search_experiences(q: str, *, today: date, limit: int = 6) -> list[ExperienceCard]:
    """Experiences whose folded text holds every word of ``q`` (one query)."""
    terms = search_terms(q)
    if not terms:
        return []
    shape = _ListShape(len(terms), False, False, False, False, True)
    values: dict[str, object] = {f"t{i}": f"% {term}%" for i, term in enumerate(terms)}
    values.update(today=today, limit=limit)
    return _run_list(shape, values)


def experiences_near(
    producer_id: int, commune: str, *, today: date, now: datetime, limit: int = 4
) -> list[ExperienceCard]:
    """ "Visit where it is made": experiences of the producer or in its commune, with their next
    open dates (two queries, the second only when there are any)."""
    shape = _ListShape(0, False, False, False, True, True)
    cards = _run_list(
        shape, {"today": today, "producer_id": producer_id, "commune": commune, "limit": limit}
    )
    return _with_dates(cards, _next_open_dates(cards, now=now))


def sitemap_experiences() -> list[tuple[str, datetime]]:
    """(slug, updated_at) of the experiences on show."""
    e = experience_t.c
    rows = db.session.execute(
        select(e.slug, e.updated_at)
        .select_from(experience_t.join(producer_t, producer_t.c.id == e.producer_id))
        .where(e.active.is_(True), producer_t.c.active.is_(True))
        .order_by(e.id)
    )
    return [tuple(row) for row in rows]


# ---------------------------------------------------------------------------------------------
# The experience page and its month calendar


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    starts_at: datetime  # UTC
    ends_at: datetime
    capacity: int
    seats_taken: int
    status: str
    cancel_reason: str | None
    availability: AvailabilityStatus
    cutoff: datetime

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def local_start(self) -> datetime:
        return local(self.starts_at)

    @property
    def local_end(self) -> datetime:
        return local(self.ends_at)

    @property
    def bookable(self) -> bool:
        return self.availability in (AvailabilityStatus.AVAILABLE, AvailabilityStatus.LIMITED)


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    sessions: list[SessionView] = field(default_factory=list)

    @property
    def status(self) -> AvailabilityStatus | None:
        """The best status among the day's sessions; None without sessions."""
        if not self.sessions:
            return None
        return min((s.availability for s in self.sessions), key=STATUS_RANK.__getitem__)


@dataclass
class MonthCalendar:
    month: date  # its first day
    weeks: list[list[CalendarDay]]
    previous: date
    next: date

    def day(self, day: date) -> CalendarDay | None:
        for week in self.weeks:
            for entry in week:
                if entry.day == day and entry.in_month:
                    return entry
        return None


@dataclass
class ExperiencePage:
    experience: Experience
    certificate: OcopCertificate | None
    expired_certificate: OcopCertificate | None
    calendar: MonthCalendar
    chosen_day: CalendarDay | None
    upcoming: list[SessionView]  # the next bookable sessions (JSON-LD, "next dates")
    goods: list[ProductCard]  # goods made here: the operator's, then its commune's


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@cache
def _month_sessions_statement() -> Select:
    s = session_t.c
    return (
        select(
            s.id,
            s.starts_at,
            s.ends_at,
            s.capacity,
            s.seats_taken,
            s.status,
            s.cancel_reason,
        )
        .where(
            s.experience_id == bindparam("experience_id"),
            s.starts_at >= bindparam("start"),
            s.starts_at < bindparam("end"),
        )
        .order_by(s.starts_at, s.id)
    )


@cache
def _upcoming_statement() -> Select:
    s = session_t.c
    return (
        select(s.id, s.starts_at, s.ends_at, s.capacity, s.seats_taken, s.status, s.cancel_reason)
        .where(
            s.experience_id == bindparam("experience_id"),
            s.status == SessionStatus.OPEN.value,
            s.starts_at >= bindparam("now"),
            s.seats_taken < s.capacity,
        )
        .order_by(s.starts_at, s.id)
        .limit(bindparam("limit"))
    )


@cache
def _goods_statement() -> Select:
    best = reads.best_stars(bindparam("today"))
    product, producer = reads.product_t.c, reads.producer_t.c
    in_stock_or_preorder = or_(product.stock > 0, product.preorder.is_(True))
    return (
        reads.card_select(best)
        .where(
            or_(
                product.producer_id == bindparam("producer_id"),
                producer.commune == bindparam("commune"),
            ),
            in_stock_or_preorder,
        )
        .order_by(
            (product.producer_id != bindparam("producer_id")),
            best.c.stars.is_(None),
            best.c.stars.desc(),
            product.id,
        )
        .limit(8)
    )


def _session_view(row, experience: Experience, now: datetime) -> SessionView:
    cutoff = cutoff_at(row.starts_at, experience.cutoff_days_before, experience.cutoff_time)
    return SessionView(
        id=row.id,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        capacity=row.capacity,
        seats_taken=row.seats_taken,
        status=row.status,
        cancel_reason=row.cancel_reason,
        availability=availability_status(
            status=row.status,
            capacity=row.capacity,
            seats_taken=row.seats_taken,
            cutoff=cutoff,
            now=now,
        ),
        cutoff=cutoff,
    )


def month_calendar(month: date, sessions: list[SessionView]) -> MonthCalendar:
    """The weeks (Monday first) of ``month`` with each day's sessions (by local date)."""
    by_day: dict[date, list[SessionView]] = defaultdict(list)
    for session in sessions:
        by_day[session.local_start.date()].append(session)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append(
            [
                CalendarDay(
                    day,
                    day.month == month.month,
                    by_day.get(day, []) if day.month == month.month else [],
                )
                for day in week
            ]
        )
    return MonthCalendar(
        month=month, weeks=weeks, previous=add_months(month, -1), next=add_months(month, 1)
    )


def _load_experience(slug: str) -> Experience | None:
    return db.session.scalar(
        select(Experience)
        .join(Experience.producer)
        .where(Experience.slug == slug, Experience.active.is_(True), Producer.active.is_(True))
        .options(
            joinedload(Experience.producer),
            joinedload(Experience.category),
            selectinload(Experience.unit_types).selectinload(UnitType.tiers),
            selectinload(Experience.certificates),
        )
    )


def get_experience_page(
    slug: str, *, month: date, day: date | None, today: date, now: datetime
) -> ExperiencePage:
    """An experience with its certificate, unit types, the sessions of ``month`` (local) and
    the goods made where it happens. A fixed number of queries (seven) whatever the number of
    sessions."""
    experience = _load_experience(slug)
    if experience is None:
        raise NotFound("experience not found")
    certificate = experience.valid_certificate(today)
    expired = None
    if certificate is None:
        expired = next((c for c in experience.certificates if c.status not in NOT_IN_FORCE), None)
    start = _local_midnight(month)
    end = _local_midnight(add_months(month, 1))
    rows = reads.run(
        _month_sessions_statement(), {"experience_id": experience.id, "start": start, "end": end}
    )
    sessions = [_session_view(row, experience, now) for row in rows]
    grid = month_calendar(month, sessions)
    upcoming_rows = reads.run(
        _upcoming_statement(),
        {"experience_id": experience.id, "now": aware(now).astimezone(UTC), "limit": 12},
    )
    upcoming = [
        view
        for view in (_session_view(row, experience, now) for row in upcoming_rows)
        if view.bookable
    ][:6]
    return ExperiencePage(
        experience=experience,
        certificate=certificate,
        expired_certificate=expired,
        calendar=grid,
        chosen_day=grid.day(day) if day else None,
        upcoming=upcoming,
        goods=goods_from(experience, today=today),
    )


def goods_from(experience: Experience, *, today: date) -> list[ProductCard]:
    """Goods made where the experience happens — its operator's first, then its commune's — that
    can be bought now or pre-ordered (one query)."""
    rows = reads.run(
        _goods_statement(),
        {"today": today, "producer_id": experience.producer_id, "commune": experience.commune},
    ).all()
    return [
        ProductCard(product, stars)
        for product, stars in reads.card_products(rows)
        if availability(product, today).can_buy  # not paused or out of season
    ]


# --- tickets, the operator's calendar and participant lists ---------------------------------
#
# A booking's unit types and quantities are its seats lines on the order (``order_line`` rows
# with its ``booking_id``). Tourism sits below orders, so those rows are read through the table
# itself (``db.metadata.tables``), never through ``shop.orders``.


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


# ---------------------------------------------------------------------------------------------
# The JSON API's reads


def visible_experiences_after(after_id: int | None, limit: int) -> tuple[list[Experience], bool]:
    """Experiences on show (active, by an active producer) in id order after ``after_id``,
    ``limit`` of them with their producer, unit types and certificates, and whether more
    follow (four queries)."""
    statement = (
        select(Experience)
        .join(Experience.producer)
        .where(Experience.active.is_(True), Producer.active.is_(True))
        .order_by(Experience.id)
        .limit(limit + 1)
        .options(
            joinedload(Experience.producer),
            selectinload(Experience.unit_types),
            selectinload(Experience.certificates),
        )
    )
    if after_id is not None:
        statement = statement.where(Experience.id > after_id)
    found = list(db.session.scalars(statement))
    return found[:limit], len(found) > limit


def visible_experience(slug: str) -> Experience | None:
    """An experience on show, with its producer, unit types and certificates."""
    return _load_experience(slug)


def sessions_between(
    experience: Experience, start: datetime, end: datetime, *, now: datetime
) -> list[SessionView]:
    """The sessions of ``experience`` starting from ``start`` (included) to ``end`` (excluded),
    with their availability status at ``now`` (the experience page's calendar rules)."""
    rows = reads.run(
        _month_sessions_statement(),
        {"experience_id": experience.id, "start": start, "end": end},
    )
    return [_session_view(row, experience, now) for row in rows]
