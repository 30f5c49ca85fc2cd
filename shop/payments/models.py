"""Payments, refunds and the webhook events already processed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


class RefundKind(StrEnum):
    ORDER = "order"  # part of what the order took: raises its refunded total
    # Money the order could not take (a surplus transfer, a second payment, money after it
    # expired or was cancelled): paid back without touching the order's totals or status.
    UNAPPLIED = "unapplied"


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet accepted by the provider
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Payment(TimestampMixin, db.Model):
    """One attempt to collect an order's total through a provider."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("provider", "provider_reference"),
        CheckConstraint(one_of("status", PaymentStatus), name="status_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("captured_vnd >= 0", name="captured_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    # Stripe: the Checkout Session id; demo: a local id; bank transfer: the bank's reference of
    # the incoming transfer (unique: a statement imported twice records it once). Filled once
    # the provider answers.
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    # One provider session paying several orders (a gift batch paid by card): the session id,
    # the same on the payment of each order it pays (``provider_reference`` is then
    # ``<session id> / <order reference>``). Null for a payment of one order.
    group_reference: Mapped[str | None] = mapped_column(String(255), index=True)
    # Stripe: the PaymentIntent, needed for refunds.
    provider_payment_id: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    captured_vnd: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="vnd")
    status: Mapped[str] = mapped_column(String(10), default=PaymentStatus.PENDING)
    redirect_url: Mapped[str | None] = mapped_column(Text)
    # Bank transfer: the day the bank statement shows the money arriving.
    received_on: Mapped[date | None] = mapped_column(Date)

    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class Refund(TimestampMixin, db.Model):
    """A refund is recorded before it is sent to the provider, with its own idempotency key."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(one_of("status", RefundStatus), name="status_known"),
        CheckConstraint(one_of("kind", RefundKind), name="kind_known"),
        # Money the order never took names no lines.
        CheckConstraint("kind = 'order' OR lines_json = '{}'", name="unapplied_has_no_lines"),
        UniqueConstraint("provider_reference"),
        # A refund paid by transfer names the customer's account whole, or not at all.
        CheckConstraint(
            "(payee_bin IS NULL AND payee_account IS NULL AND payee_holder IS NULL)"
            " OR (payee_bin IS NOT NULL AND payee_account IS NOT NULL"
            " AND payee_holder IS NOT NULL)",
            name="payee_whole",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(
        String(10), default=RefundKind.ORDER, server_default=RefundKind.ORDER.value
    )
    # {order_line_id: quantity} refunded by this refund, as JSON text.
    lines_json: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=RefundStatus.PENDING)
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Paid back by bank transfer (an order paid by transfer): the customer's account, which
    # the office pays from its banking app; ``provider_reference`` is then the bank's.
    payee_bin: Mapped[str | None] = mapped_column(String(6))
    payee_account: Mapped[str | None] = mapped_column(String(19))
    payee_holder: Mapped[str | None] = mapped_column(String(120))

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class WebhookEvent(db.Model):
    """A provider event already handled; the unique key makes a replay do nothing."""

    __tablename__ = "webhook_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
