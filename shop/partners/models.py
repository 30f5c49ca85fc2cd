"""Partners' API keys, the idempotency records of their POSTs, and the bookings they hold.

A key is shown to the office once, when it is created; only its SHA-256 is stored. The key is
``secrets.token_urlsafe(32)`` (256 random bits) behind a public prefix: a secret that cannot be
guessed needs no slow, salted hash (those protect passwords people choose), and a plain hash
lets a request find its key with one indexed lookup.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import utcnow
from shop.extensions import db

# ``ocop_live_`` and eight hex digits: what lists show, and the start of the key itself.
PREFIX_START = "ocop_live_"
RATE_LIMIT_MIN = 1
RATE_LIMIT_MAX = 6000
IDEMPOTENCY_KEY_MAX = 255


class ApiKey(db.Model):
    __tablename__ = "api_key"
    __table_args__ = (
        UniqueConstraint("prefix"),
        UniqueConstraint("key_hash"),
        CheckConstraint(
            f"rate_limit_per_minute BETWEEN {RATE_LIMIT_MIN} AND {RATE_LIMIT_MAX}",
            name="rate_limit_range",
        ),
        CheckConstraint("length(key_hash) = 64", name="key_hash_sha256"),
        CheckConstraint(f"prefix LIKE '{PREFIX_START}%'", name="prefix_shape"),
        CheckConstraint(
            "revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="revoker_only_when_revoked"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the office calls the key ("Website of Du lịch Xanh").
    name: Mapped[str] = mapped_column(String(120))
    partner_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    prefix: Mapped[str] = mapped_column(String(24))
    # SHA-256 (hex) of the whole key; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    # None: created from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(db.Model):
    """One ``Idempotency-Key`` a key sent with a POST: written (not completed) before the work
    starts, so the same key arriving meanwhile meets the UNIQUE constraint; completed with the
    answer in the work's own transaction, so a replay gets exactly what the first request got.
    Kept 24 hours (``purge_idempotency_records``)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key"),
        CheckConstraint("length(fingerprint) = 64", name="fingerprint_sha256"),
        CheckConstraint(
            "response_status IS NULL OR response_status BETWEEN 100 AND 599",
            name="response_status_range",
        ),
        CheckConstraint(
            "NOT completed OR (response_status IS NOT NULL AND response_body IS NOT NULL)",
            name="completed_has_response",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"))
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX))
    # SHA-256 of the method, the path and the canonical JSON body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[str | None] = mapped_column(Text)
    # The headers a replay must carry again (Content-Type, Location).
    response_headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class PartnerBooking(db.Model):
    """A booking a partner holds (and confirms) through the API: the shop's own order and
    booking (the seats, the expiry, the tickets) with the key that made it. The partner knows
    it by ``public_id``; its state is the booking's."""

    __tablename__ = "partner_booking"
    __table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("order_id"),
        UniqueConstraint("booking_id"),
        CheckConstraint("length(public_id) = 36", name="public_id_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    # The partner's own reference for it (their order number), if they give one.
    partner_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    api_key: Mapped[ApiKey] = relationship()
    order = relationship("Order")
    booking = relationship("Booking")
