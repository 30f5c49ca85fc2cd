"""The office's own records beside the ledger: carriers' cash-on-delivery remittance batches
(each row of the carrier's file and what became of it) and manual adjustment entries."""

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

from shop.db import one_of, utcnow
from shop.extensions import db

# Adjustments larger than this (either way) are refused: a typo, not an adjustment.
ADJUSTMENT_LIMIT_VND = 1_000_000_000


class RemittanceStatus(StrEnum):
    PREVIEW = "preview"  # uploaded, checked, waiting for the admin's confirmation
    CONFIRMED = "confirmed"


class RemittanceOutcome(StrEnum):
    MATCHED = "matched"  # the preview: will be recorded
    RECORDED = "recorded"  # confirmed: the order's lines credited their producers
    UNKNOWN_REFERENCE = "unknown_reference"
    NOT_COD = "not_cod"
    NOT_COLLECTED = "not_collected"
    AMOUNT_DIFFERS = "amount_differs"
    REFUNDED = "refunded"  # refunded before the remittance: the office adjusts by hand
    ALREADY_REMITTED = "already_remitted"
    DUPLICATE = "duplicate"  # the same reference again in the same file
    BAD_ROW = "bad_row"  # no reference or no readable amount


class Remittance(db.Model):
    """One carrier's remittance file: uploaded (a preview), then confirmed by an admin. The
    counts and total are the preview's until confirmation, then what was recorded."""

    __tablename__ = "remittance"
    __table_args__ = (
        CheckConstraint(one_of("status", RemittanceStatus), name="status_known"),
        CheckConstraint(
            "rows_matched >= 0 AND rows_mismatched >= 0 AND total_vnd >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "(status = 'confirmed') = (confirmed_at IS NOT NULL)", name="confirmed_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=RemittanceStatus.PREVIEW)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_matched: Mapped[int] = mapped_column(Integer, default=0)
    rows_mismatched: Mapped[int] = mapped_column(Integer, default=0)
    # Đồng of the matched (preview) or recorded (confirmed) rows.
    total_vnd: Mapped[int] = mapped_column(Integer, default=0)

    lines: Mapped[list[RemittanceLine]] = relationship(
        back_populates="batch", order_by="RemittanceLine.row_number"
    )


class RemittanceLine(db.Model):
    """One row of a carrier's file: the order it names (when known), the amount the carrier
    says it remitted, and what became of it."""

    __tablename__ = "remittance_line"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_number"),
        CheckConstraint(one_of("outcome", RemittanceOutcome), name="outcome_known"),
        CheckConstraint("amount_vnd IS NULL OR amount_vnd >= 0", name="amount_not_negative"),
        CheckConstraint("row_number >= 1", name="row_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(60), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id"), index=True)
    amount_vnd: Mapped[int | None] = mapped_column(Integer)
    # What the order collected when the row was checked (shown beside a differing amount).
    collected_vnd: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)

    batch: Mapped[Remittance] = relationship(back_populates="lines")


class LedgerAdjustment(db.Model):
    """A manual entry the office writes to a producer's ledger (a correction, a goodwill
    payment, a charge), with its reason. Its ledger entry has the key ``adjustment-<id>``.
    ``form_token`` is the one-time token of the form that made it: a form posted twice makes
    one adjustment."""

    __tablename__ = "ledger_adjustment"
    __table_args__ = (
        CheckConstraint(
            f"amount_vnd <> 0 AND amount_vnd BETWEEN -{ADJUSTMENT_LIMIT_VND} "
            f"AND {ADJUSTMENT_LIMIT_VND}",
            name="amount_in_range",
        ),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    available_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
