"""A batch of gift orders: the parent (an organisation's list of recipients) and one row per
recipient, each of which becomes one child order (``shop_order.batch_id``).

The parent carries no money of its own: its totals are sums over its recipients' orders, so
revenue is counted once, on the orders."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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

from shop.db import one_of, utcnow
from shop.extensions import db


class BatchStatus(StrEnum):
    DRAFT = "draft"  # recipients checked and saved; nothing reserved yet
    CREATING = "creating"  # the job is creating the child orders
    # Every recipient with an address has its order (or failed); recipients who choose their
    # own address have not all claimed their link yet (or let it expire).
    CLAIMING = "claiming"
    CREATED = "created"  # every recipient has its order
    PARTLY_CREATED = "partly_created"  # done; some recipients failed (the report says which)
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    WAITING = "waiting"  # a recipient link: waiting for the recipient to give the address
    PENDING = "pending"  # no order yet
    CREATED = "created"
    FAILED = "failed"


# The allowed moves of a batch (``shop.batches.services.transition``).
TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.DRAFT: frozenset({BatchStatus.CREATING, BatchStatus.CANCELLED}),
    BatchStatus.CREATING: frozenset(
        {BatchStatus.CLAIMING, BatchStatus.CREATED, BatchStatus.PARTLY_CREATED}
    ),
    BatchStatus.CLAIMING: frozenset({BatchStatus.CREATED, BatchStatus.PARTLY_CREATED}),
    BatchStatus.CREATED: frozenset(),
    BatchStatus.PARTLY_CREATED: frozenset(),
    BatchStatus.CANCELLED: frozenset(),
}
MAX_REFERENCE = 25  # a VietQR transfer note carries at most 25 characters


class GiftBatch(db.Model):
    __tablename__ = "gift_batch"
    __table_args__ = (
        CheckConstraint(one_of("status", BatchStatus), name="status_known"),
        CheckConstraint(
            "created_count >= 0 AND failed_count >= 0 AND created_count + failed_count <= size",
            name="counters_in_range",
        ),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint(f"length(reference) <= {MAX_REFERENCE}", name="reference_short"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # ``GIFT-2026-000042``: ASCII, unique, written in the bank transfer's note.
    reference: Mapped[str] = mapped_column(String(MAX_REFERENCE), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    billing_entity_id: Mapped[int | None] = mapped_column(ForeignKey("billing_entity.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.DRAFT)
    po_number: Mapped[str | None] = mapped_column(String(60))
    # The buyer confirmed the recipients of sets with rice wine are 18 or over.
    adult_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    size: Mapped[int] = mapped_column(Integer)  # the number of recipients
    created_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Recipient links not claimed by the end of this day (Vietnam time) expire; set when the
    # batch has recipients who choose their own address.
    claim_by: Mapped[date | None] = mapped_column(Date)

    recipients: Mapped[list[GiftBatchRecipient]] = relationship(
        back_populates="batch", order_by="GiftBatchRecipient.row"
    )

    @property
    def done_count(self) -> int:
        return self.created_count + self.failed_count

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.CREATED, BatchStatus.PARTLY_CREATED)

    @property
    def orders_made(self) -> bool:
        """The job has been through every recipient with an address."""
        return self.finished or self.status == BatchStatus.CLAIMING


class GiftBatchRecipient(db.Model):
    __tablename__ = "gift_batch_recipient"
    __table_args__ = (
        UniqueConstraint("batch_id", "row", name="uq_gift_batch_recipient_row"),
        CheckConstraint(one_of("status", RecipientStatus), name="status_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("row > 0", name="row_positive"),
        CheckConstraint("(status = 'created') = (order_id IS NOT NULL)", name="created_has_order"),
        CheckConstraint("status <> 'failed' OR error IS NOT NULL", name="failed_has_reason"),
        # Only a recipient link waits; an order needs the whole address and a phone.
        CheckConstraint("status <> 'waiting' OR by_link", name="waiting_is_a_link"),
        CheckConstraint(
            "status IN ('waiting', 'failed') OR (phone IS NOT NULL AND province_code IS NOT NULL"
            " AND commune_code IS NOT NULL AND street IS NOT NULL)",
            name="address_before_order",
        ),
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="reachable"),
        CheckConstraint("NOT by_link OR link_key IS NOT NULL", name="link_has_key"),
        CheckConstraint("claimed_at IS NULL OR by_link", name="claimed_is_a_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gift_batch.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)  # the list's row (the header is row 1)
    name: Mapped[str] = mapped_column(String(120))
    # E.164; a recipient link may have only the e-mail until the recipient claims it.
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    # The delivery address; for a recipient link, the buyer's suggestion (or nothing) until the
    # recipient claims it with the address they type or confirm.
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    deliver_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=RecipientStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id"), unique=True)
    # "The recipient chooses the address": a private link (``shop.batches.claims``) signed
    # with the shop's key over the recipient's id and this random key.
    by_link: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    link_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The recipient chose the gift set's alcohol-free variant.
    alcohol_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    batch: Mapped[GiftBatch] = relationship(back_populates="recipients")
