"""Outbox messages: what to deliver, and how delivery went."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db


class MessageKind(StrEnum):
    EMAIL = "email"


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by one worker, being delivered
    SENT = "sent"
    FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS; a person must look


S = MessageStatus
# The outbox state machine: every change is a compare-and-set along one of these edges.
MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SENDING}),
    S.SENDING: frozenset({S.SENT, S.PENDING, S.FAILED}),
    S.SENT: frozenset(),
    S.FAILED: frozenset({S.PENDING}),  # retried by hand (flask outbox retry)
}


class OutboxMessage(TimestampMixin, db.Model):
    """One side effect to deliver once. ``idempotency_key`` names it for the receiver too
    (the e-mail's Message-ID), so a retry after a crash is recognisable as the same message."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(one_of("kind", MessageKind), name="kind_known"),
        CheckConstraint(one_of("status", MessageStatus), name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_at_iff_sent"),
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=MessageKind.EMAIL)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # E-mail: {"to", "subject", "text_body", "html_body"}, rendered in the recipient's language.
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
