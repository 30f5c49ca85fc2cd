"""Orders, their lines, one producer order per producer, and the event history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
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

from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db
from shop.lines import ORDER_LINE_KINDS, LineKind, line_target_check, seats_unit_check


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PLACED = "placed"  # cash on delivery: accepted without online payment
    PAID = "paid"
    COMPLETED = "completed"
    EXPIRED = "expired"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class ProducerOrderStatus(StrEnum):
    PENDING = "pending"  # the order waits for payment; nothing to do yet
    NEW = "new"  # paid (or cash on delivery accepted): the producer should confirm
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    STRIPE = "stripe"
    COD = "cod"
    DEMO = "demo"
    BANK_TRANSFER = "bank_transfer"  # the buyer transfers the total with the order's reference
    # A partner's booking through the API: the partner answers for the money (invoiced to it).
    PARTNER_ACCOUNT = "partner_account"


class EventKind(StrEnum):
    STATUS_CHANGED = "status_changed"
    FLAGGED = "flagged"
    REVIEWED = "reviewed"
    NOTE = "note"
    REFUND = "refund"
    OVERRIDE = "override"  # the office let a rule be bypassed (e.g. shipping a pre-order early)


class EventVisibility(StrEnum):
    """Who sees an event: ``customer`` (everyone), ``producer`` (producer and office), ``staff``
    (the office only)."""

    CUSTOMER = "customer"
    PRODUCER = "producer"
    STAFF = "staff"


class DeliveryMethod(StrEnum):
    STANDARD = "standard"
    CHILLED_EXPRESS = "chilled_express"
    NONE = "none"  # nothing to deliver: the producer's part is experience bookings only
    # A package's goods, handed over at the cooperative during the visit (no delivery fee).
    PICKUP = "pickup"


class Order(TimestampMixin, db.Model):
    __tablename__ = "shop_order"
    __table_args__ = (
        CheckConstraint(one_of("status", OrderStatus), name="status_known"),
        CheckConstraint(one_of("payment_method", PaymentMethod), name="payment_method_known"),
        CheckConstraint("subtotal_vnd >= 0 AND delivery_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint("total_vnd = subtotal_vnd + delivery_vnd", name="total_adds_up"),
        CheckConstraint("paid_vnd >= 0 AND paid_vnd <= total_vnd", name="paid_within_total"),
        CheckConstraint(
            "refunded_vnd >= 0 AND refunded_vnd <= paid_vnd", name="refund_within_paid"
        ),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
        CheckConstraint(
            "commune_code IS NULL OR province_code IS NOT NULL", name="commune_within_province"
        ),
        # An order of experiences only has no delivery address: all three parts or none.
        CheckConstraint(
            "(province IS NULL) = (commune IS NULL) AND (province IS NULL) = (street IS NULL)",
            name="address_whole",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    locale: Mapped[str] = mapped_column(String(2), default="vi")
    recipient_name: Mapped[str] = mapped_column(String(120))
    # Null for an order of experiences only (nothing to deliver).
    province: Mapped[str | None] = mapped_column(String(80))
    commune: Mapped[str | None] = mapped_column(String(80))
    # The 2025 address list's codes (``shop.addresses``). Every new order has both; orders placed
    # before the list came in keep null where their typed names matched nothing.
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    subtotal_vnd: Mapped[int] = mapped_column(Integer)
    delivery_vnd: Mapped[int] = mapped_column(Integer)
    total_vnd: Mapped[int] = mapped_column(Integer)
    paid_vnd: Mapped[int] = mapped_column(Integer, default=0)
    refunded_vnd: Mapped[int] = mapped_column(Integer, default=0)
    payment_method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    # A guest reaches the order through a signed link carrying this token.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    # While awaiting payment: when the stock reservation lapses.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str | None] = mapped_column(Text)
    # The idempotency token of the checkout form that placed the order: a repeat of the same
    # submission finds this order instead of placing another.
    checkout_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # A child order of an organisation's gift batch (one per recipient); the batch itself
    # carries no amounts, so revenue is counted once, here.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("gift_batch.id"), index=True)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    producer_orders: Mapped[list[ProducerOrder]] = relationship(
        back_populates="order", order_by="ProducerOrder.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )

    @property
    def refundable_vnd(self) -> int:
        return self.paid_vnd - self.refunded_vnd

    @property
    def delivers(self) -> bool:
        """Whether the order has goods to deliver (an order of experiences only has not)."""
        return self.province is not None


class ProducerOrder(TimestampMixin, db.Model):
    """One producer's part of an order: its parcel, delivery fee and fulfilment status."""

    __tablename__ = "producer_order"
    __table_args__ = (
        UniqueConstraint("order_id", "producer_id"),
        CheckConstraint(one_of("status", ProducerOrderStatus), name="status_known"),
        CheckConstraint(one_of("delivery_method", DeliveryMethod), name="delivery_method_known"),
        CheckConstraint("subtotal_vnd >= 0 AND delivery_vnd >= 0", name="amounts_not_negative"),
        CheckConstraint(
            "status <> 'shipped' OR (carrier IS NOT NULL AND tracking_number IS NOT NULL)",
            name="shipped_has_tracking",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    delivery_method: Mapped[str] = mapped_column(String(20))
    subtotal_vnd: Mapped[int] = mapped_column(Integer)
    delivery_vnd: Mapped[int] = mapped_column(Integer)
    ships_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The office allowed this pre-order parcel to ship before ``ships_from`` (the reason is in
    # the order's events).
    may_ship_early: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship(back_populates="producer_orders")
    producer = relationship("Producer")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="producer_order", order_by="OrderLine.id"
    )


class OrderLine(db.Model):
    """A snapshot of what was bought: name, unit and price as they were at checkout."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_vnd > 0", name="price_positive"),
        CheckConstraint("line_total_vnd = unit_price_vnd * quantity", name="total_adds_up"),
        CheckConstraint("vat_rate IN (0, 5, 8, 10)", name="vat_rate_known"),
        CheckConstraint("vat_vnd >= 0 AND vat_vnd <= line_total_vnd", name="vat_within_total"),
        CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_within_qty"
        ),
        CheckConstraint(line_target_check(ORDER_LINE_KINDS), name="kind_target"),
        CheckConstraint(seats_unit_check(), name="seats_have_unit"),
        CheckConstraint("(kind = 'seats') = (booking_id IS NOT NULL)", name="seats_have_booking"),
        # The lines of one bundle bought share its id and a group number within the order.
        CheckConstraint(
            "(bundle_id IS NULL AND bundle_group IS NULL)"
            " OR (bundle_id IS NOT NULL AND bundle_group >= 1)",
            name="bundle_grouped",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=LineKind.PRODUCT)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    # Seats lines: the session, the unit type (adult, child…) and the booking they belong to.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("experience_session.id"))
    unit_type_id: Mapped[int | None] = mapped_column(ForeignKey("unit_type.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    # A part of a bundle: the bundle, and which of the order's bundles (1, 2…) it belongs to.
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"), index=True)
    bundle_group: Mapped[int | None] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(200))
    unit_label: Mapped[str] = mapped_column(String(60))
    unit_price_vnd: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(SmallInteger)
    line_total_vnd: Mapped[int] = mapped_column(Integer)
    # The VAT contained in ``line_total_vnd`` (prices include VAT), in đồng.
    vat_vnd: Mapped[int] = mapped_column(Integer)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    # The harvest lot the goods were shipped from (``shop.lots``), named when marked shipped.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="lines")
    producer_order: Mapped[ProducerOrder] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """Every status change, flag, review, refund and override: who, when, from, to, why, and who
    may see it. Templates filter on ``kind`` and ``visibility``, never on the reason text."""

    __tablename__ = "order_event"
    __table_args__ = (
        CheckConstraint(one_of("kind", EventKind), name="kind_known"),
        CheckConstraint(one_of("visibility", EventVisibility), name="visibility_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    producer_order_id: Mapped[int | None] = mapped_column(ForeignKey("producer_order.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.STATUS_CHANGED)
    visibility: Mapped[str] = mapped_column(String(10), default=EventVisibility.CUSTOMER)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


# What each audience may see (the office sees everything).
VISIBLE_TO: dict[str, frozenset[str]] = {
    EventVisibility.CUSTOMER: frozenset({EventVisibility.CUSTOMER}),
    EventVisibility.PRODUCER: frozenset({EventVisibility.CUSTOMER, EventVisibility.PRODUCER}),
    EventVisibility.STAFF: frozenset(EventVisibility),
}
