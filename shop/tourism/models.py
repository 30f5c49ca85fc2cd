"""Experiences, unit types, sessions (one seat pool each), bookings, tickets and guests.

The words follow OCTO (availability kinds START_TIME / OPENING_HOURS; unit types adult, child,
family) and pretix (a session's capacity is a quota every unit type draws on; a check-in list
per session). Times are stored in UTC and shown in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import (
    REVIEWED_WHEN_ACTIVE,
    Category,
    Producer,
    ReviewStatus,
    best_certificate,
    join_address,
    word_list,
)
from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db


class AvailabilityKind(StrEnum):
    """OCTO's availability types: a tour leaves at a start time; a garden is open for hours."""

    START_TIME = "start_time"
    OPENING_HOURS = "opening_hours"


class Difficulty(StrEnum):
    EASY = "easy"
    MODERATE = "moderate"
    CHALLENGING = "challenging"


class UnitCode(StrEnum):
    ADULT = "adult"
    CHILD = "child"
    SENIOR = "senior"
    FAMILY = "family"


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # no more sales (the operator closed it); bookings stand
    CANCELLED = "cancelled"  # the operator called it off: every booking refunded


class BookingStatus(StrEnum):
    HELD = "held"  # seats reserved while the order waits for payment
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"  # the session is over
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # the order was never paid


class TicketStatus(StrEnum):
    VALID = "valid"
    VOID = "void"  # replaced by a re-issued ticket, or its booking was cancelled


# Booking statuses that hold seats in their session's pool.
HOLDS_SEATS = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class Experience(TimestampMixin, db.Model):
    __tablename__ = "experience"
    __table_args__ = (
        CheckConstraint(one_of("availability_kind", AvailabilityKind), name="availability_known"),
        CheckConstraint(one_of("difficulty", Difficulty), name="difficulty_known"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("cutoff_days_before BETWEEN 0 AND 30", name="cutoff_days_range"),
        CheckConstraint(
            "meeting_lat IS NULL OR (meeting_lat BETWEEN -90 AND 90"
            " AND meeting_lng BETWEEN -180 AND 180)",
            name="coordinates_valid",
        ),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 0 AND 99", name="min_age_range"),
        Index("ix_experience_shelf", "active", "producer_id"),
        CheckConstraint(one_of("review_status", ReviewStatus), name="review_status_known"),
        CheckConstraint(REVIEWED_WHEN_ACTIVE, name="on_sale_when_reviewed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    summary_vi: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    # Steps with local times: [{"time": "07:30", "vi": "…", "en": "…"}, …]
    itinerary: Mapped[list] = mapped_column(JSON, default=list)
    meeting_point_vi: Mapped[str] = mapped_column(String(300), default="")
    meeting_point_en: Mapped[str | None] = mapped_column(String(300))
    meeting_lat: Mapped[float | None] = mapped_column(Float)
    meeting_lng: Mapped[float | None] = mapped_column(Float)
    # How to get there from Hà Nội.
    directions_vi: Mapped[str] = mapped_column(Text, default="")
    directions_en: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Languages the guide speaks, as codes separated by commas ("vi,en").
    languages: Mapped[str] = mapped_column(String(40), default="vi")
    # Lists, one item per line.
    included_vi: Mapped[str] = mapped_column(Text, default="")
    included_en: Mapped[str | None] = mapped_column(Text)
    excluded_vi: Mapped[str] = mapped_column(Text, default="")
    excluded_en: Mapped[str | None] = mapped_column(Text)
    bring_vi: Mapped[str] = mapped_column(Text, default="")
    bring_en: Mapped[str | None] = mapped_column(Text)
    difficulty: Mapped[str] = mapped_column(String(12), default=Difficulty.EASY)
    accessibility_vi: Mapped[str] = mapped_column(Text, default="")
    accessibility_en: Mapped[str | None] = mapped_column(Text)
    food_notes_vi: Mapped[str] = mapped_column(Text, default="")
    food_notes_en: Mapped[str | None] = mapped_column(Text)
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    image: Mapped[str | None] = mapped_column(String(200))
    availability_kind: Mapped[str] = mapped_column(String(16), default=AvailabilityKind.START_TIME)
    # A stay with a night: foreign guests' passport data is asked for (police declaration).
    overnight: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bookings close ``cutoff_days_before`` days before the session's local date at
    # ``cutoff_time`` local (1 and 18:00 = 18:00 the day before); 0 days and no time = at start.
    cutoff_days_before: Mapped[int] = mapped_column(SmallInteger, default=0)
    cutoff_time: Mapped[time | None] = mapped_column(Time)
    # Refund tiers: [{"hours": 168, "percent": 100}, {"hours": 72, "percent": 50}] — from
    # ``hours`` before the start onward the tourist gets ``percent`` back; nothing after the last.
    cancellation_rules: Mapped[list] = mapped_column(JSON, default=list)
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(80), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    review_status: Mapped[str] = mapped_column(
        String(10), default=ReviewStatus.APPROVED, server_default=ReviewStatus.APPROVED.value
    )
    search_name: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    producer: Mapped[Producer] = relationship()
    category: Mapped[Category] = relationship()
    unit_types: Mapped[list[UnitType]] = relationship(
        back_populates="experience", order_by="UnitType.position", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[ExperienceSession]] = relationship(
        back_populates="experience", order_by="ExperienceSession.starts_at"
    )
    certificates = relationship(
        "OcopCertificate",
        primaryjoin="Experience.id == foreign(OcopCertificate.experience_id)",
        order_by="OcopCertificate.decision_date.desc()",
        viewonly=True,
    )

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def place(self) -> str:
        return join_address(self.commune, self.province)

    def valid_certificate(self, today: date):
        return best_certificate(self.certificates, today)

    def refresh_search_text(self) -> None:
        """Fold names, summary, operator, place and group into the searchable text."""
        parts = [
            self.name_vi,
            self.name_en,
            self.producer.name if self.producer else "",
            self.commune,
            self.province,
            self.category.name_vi if self.category else "",
            self.category.name_en if self.category else "",
            "du lịch trải nghiệm experience tour",
            self.summary_vi,
            self.summary_en,
        ]
        self.search_name = word_list(self.name_vi, self.name_en)
        self.search_text = word_list(*parts)


class UnitType(db.Model):
    """A kind of ticket for an experience (adult, child 6–11, family of 4…): its price, VAT
    rate, how many seats of the pool one takes and how many a booking may have."""

    __tablename__ = "unit_type"
    __table_args__ = (
        UniqueConstraint("experience_id", "code"),
        CheckConstraint(one_of("code", UnitCode), name="code_known"),
        CheckConstraint("price_vnd > 0", name="price_positive"),
        CheckConstraint("vat_rate IN (0, 5, 8, 10)", name="vat_rate_known"),
        CheckConstraint("seats BETWEEN 1 AND 20", name="seats_range"),
        CheckConstraint(
            "min_per_booking >= 0 AND max_per_booking >= 1 AND max_per_booking >= min_per_booking",
            name="per_booking_range",
        ),
        CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experience.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(80))
    age_min: Mapped[int | None] = mapped_column(SmallInteger)
    age_max: Mapped[int | None] = mapped_column(SmallInteger)
    seats: Mapped[int] = mapped_column(SmallInteger, default=1)
    price_vnd: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(SmallInteger, default=8)
    min_per_booking: Mapped[int] = mapped_column(SmallInteger, default=0)
    max_per_booking: Mapped[int] = mapped_column(SmallInteger, default=20)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    experience: Mapped[Experience] = relationship(back_populates="unit_types")
    tiers: Mapped[list[PriceTier]] = relationship(
        order_by="PriceTier.min_quantity", cascade="all, delete-orphan"
    )

    def price_for(self, quantity: int) -> int:
        """The unit price for ``quantity`` of this type in one booking: the best group tier
        reached, else the list price."""
        price = self.price_vnd
        for tier in self.tiers:
            if quantity >= tier.min_quantity:
                price = tier.price_vnd
        return price


class PriceTier(db.Model):
    """A group price: from ``min_quantity`` of a unit type in one booking, each costs less."""

    __tablename__ = "unit_price_tier"
    __table_args__ = (
        UniqueConstraint("unit_type_id", "min_quantity"),
        CheckConstraint("min_quantity >= 2", name="min_quantity_group"),
        CheckConstraint("price_vnd > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_type.id"), index=True)
    min_quantity: Mapped[int] = mapped_column(SmallInteger)
    price_vnd: Mapped[int] = mapped_column(Integer)


class ExperienceSession(TimestampMixin, db.Model):
    """One dated occurrence of an experience, with one seat pool every unit type and bundle
    draws on. ``seats_taken`` counts held and confirmed seats; the CHECK keeps it within
    ``capacity`` whatever the code does."""

    __tablename__ = "experience_session"
    __table_args__ = (
        UniqueConstraint("experience_id", "starts_at"),
        CheckConstraint(one_of("status", SessionStatus), name="status_known"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_pool"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"
        ),
        Index("ix_experience_session_calendar", "experience_id", "starts_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experience.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.OPEN)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    experience: Mapped[Experience] = relationship(back_populates="sessions")

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class Booking(TimestampMixin, db.Model):
    """Seats on one session bought in one order: its order lines (one per unit type), the
    cancellation rules in force at purchase, the lead guest, and its ticket."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint(one_of("status", BookingStatus), name="status_known"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
        Index("ix_booking_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_order.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("experience_session.id"))
    experience_id: Mapped[int] = mapped_column(ForeignKey("experience.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=BookingStatus.HELD)
    # Seats of the pool this booking holds (a family ticket takes 4).
    seats: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(2), default="vi")
    lead_name: Mapped[str] = mapped_column(String(120))
    lead_phone: Mapped[str] = mapped_column(String(20))
    # Copied from the experience at purchase: later rule changes never touch this booking.
    cancellation_rules: Mapped[list] = mapped_column(JSON, default=list)
    cutoff_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the guests' passport data was erased (30 days after the stay).
    guests_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped[ExperienceSession] = relationship()
    experience: Mapped[Experience] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="booking", order_by="Ticket.id", cascade="all, delete-orphan"
    )
    guests: Mapped[list[Guest]] = relationship(
        back_populates="booking", order_by="Guest.id", cascade="all, delete-orphan"
    )

    @property
    def ticket(self) -> Ticket | None:
        """The booking's valid ticket, if it has one."""
        return next((t for t in self.tickets if t.status == TicketStatus.VALID), None)


class Ticket(db.Model):
    """The code a guest shows at the gate. Re-issued (the old one void) on any change."""

    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint(one_of("status", TicketStatus), name="status_known"),
        # One valid ticket per booking.
        Index(
            "uq_ticket_valid_per_booking",
            "booking_id",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(8), default=TicketStatus.VALID)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    booking: Mapped[Booking] = relationship(back_populates="tickets")


class Guest(db.Model):
    """A foreign guest's identity for the host's police residence declaration (overnight stays
    only), given with consent; shown only to the operator and erased after the stay."""

    __tablename__ = "booking_guest"
    __table_args__ = (CheckConstraint("length(nationality) = 2", name="nationality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    nationality: Mapped[str] = mapped_column(String(2))
    date_of_birth: Mapped[date] = mapped_column(Date)
    passport_number: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    booking: Mapped[Booking] = relationship(back_populates="guests")

    def __repr__(self) -> str:  # never the personal data, even in a traceback
        return f"<Guest {self.id} of booking {self.booking_id}>"
