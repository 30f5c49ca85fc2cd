"""The producers' ledger (append-only), commission rules, hold releases, payouts and runs.

What the platform owes a producer is the SUM of its ledger entries, never a stored number. An
entry is written once (its ``idempotency_key`` is unique, so the same event never writes twice)
and never changed or deleted: triggers on SQLite and PostgreSQL refuse UPDATE and DELETE.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db


class EntryKind(StrEnum):
    SALE = "sale"
    COMMISSION = "commission"
    WITHHOLDING = "withholding"
    REFUND_SALE = "refund_sale"
    REFUND_COMMISSION = "refund_commission"
    REFUND_WITHHOLDING = "refund_withholding"
    PAYOUT = "payout"
    PAYOUT_REVERSAL = "payout_reversal"
    ADJUSTMENT = "adjustment"


# Which way each kind moves what the platform owes the producer (adjustments go either way).
CREDITS = frozenset({EntryKind.SALE, EntryKind.REFUND_COMMISSION, EntryKind.REFUND_WITHHOLDING,
                     EntryKind.PAYOUT_REVERSAL})  # fmt: skip
DEBITS = frozenset({EntryKind.COMMISSION, EntryKind.WITHHOLDING, EntryKind.REFUND_SALE,
                    EntryKind.PAYOUT})  # fmt: skip
# The reversing kind of each kind a refund reverses.
REVERSAL_OF = {
    EntryKind.SALE: EntryKind.REFUND_SALE,
    EntryKind.COMMISSION: EntryKind.REFUND_COMMISSION,
    EntryKind.WITHHOLDING: EntryKind.REFUND_WITHHOLDING,
}


class WithheldTax(StrEnum):
    """The two taxes withheld from household and individual sellers (Decree 117/2025)."""

    VAT = "vat"
    PIT = "pit"


class LedgerEntry(db.Model):
    """One movement of what the platform owes a producer: ``amount_vnd`` is signed (+ the
    platform owes more, − less). ``available_on`` is when it may be paid out; null for goods
    not yet delivered, whose date comes from the producer order's ``LedgerRelease``."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(one_of("kind", EntryKind), name="kind_known"),
        CheckConstraint("amount_vnd <> 0", name="amount_not_zero"),
        CheckConstraint(
            f"kind NOT IN ({', '.join(repr(str(k)) for k in sorted(CREDITS))}) OR amount_vnd > 0",
            name="credits_positive",
        ),
        CheckConstraint(
            f"kind NOT IN ({', '.join(repr(str(k)) for k in sorted(DEBITS))}) OR amount_vnd < 0",
            name="debits_negative",
        ),
        CheckConstraint(
            "(kind IN ('payout', 'payout_reversal')) = (payout_id IS NOT NULL)",
            name="payout_entries_name_payout",
        ),
        CheckConstraint(
            "(kind IN ('withholding', 'refund_withholding')) = (tax IS NOT NULL)",
            name="withholding_names_tax",
        ),
        CheckConstraint("tax IS NULL OR tax IN ('vat', 'pit')", name="tax_known"),
        CheckConstraint(
            "(kind IN ('refund_sale', 'refund_commission', 'refund_withholding'))"
            " = (reverses_id IS NOT NULL)",
            name="reversals_name_entry",
        ),
        Index("ix_ledger_entry_producer_available", "producer_id", "available_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(Integer)
    # Withholding entries: which tax (VAT or PIT), for the monthly declaration.
    tax: Mapped[str | None] = mapped_column(String(3))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    producer_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("producer_order.id"), index=True
    )
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payout.id"), index=True)
    # A refund's reversing entry: the entry it reverses (part of).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), index=True)
    available_on: Mapped[date | None] = mapped_column(Date)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


APPEND_ONLY_MESSAGE = "ledger entries are append-only"

SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER ledger_entry_no_{verb.lower()} BEFORE {verb} ON ledger_entry "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_APPEND_ONLY = [
    "CREATE FUNCTION ledger_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
]
POSTGRES_DROP_APPEND_ONLY = "DROP FUNCTION IF EXISTS ledger_entry_append_only() CASCADE"

for _statement in SQLITE_APPEND_ONLY:
    event.listen(
        LedgerEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in POSTGRES_APPEND_ONLY:
    event.listen(
        LedgerEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
# drop_all drops the table (and its trigger) but not the function.
event.listen(
    LedgerEntry.__table__,
    "after_drop",
    DDL(POSTGRES_DROP_APPEND_ONLY).execute_if(dialect="postgresql"),
)


class LedgerRelease(db.Model):
    """When a delivered producer order's goods may be paid out (delivery date + the hold).

    Written once, at delivery, so the sale entries written at payment never change: an entry
    without its own ``available_on`` takes its producer order's release date."""

    __tablename__ = "ledger_release"

    producer_order_id: Mapped[int] = mapped_column(
        ForeignKey("producer_order.id"), primary_key=True
    )
    available_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CommissionScope(StrEnum):
    PRODUCT = "product"
    CATEGORY = "category"
    PRODUCER = "producer"
    DEFAULT = "default"


class CommissionRule(TimestampMixin, db.Model):
    """The platform's commission on a product, an OCOP group or sub-group, a producer, or
    everything (``default``, which overrides the configured default). The most specific
    rule that applies wins: product > sub-group > group > producer > default."""

    __tablename__ = "commission_rule"
    __table_args__ = (
        CheckConstraint(one_of("scope", CommissionScope), name="scope_known"),
        CheckConstraint("basis_points BETWEEN 0 AND 5000", name="basis_points_in_range"),
        CheckConstraint("minimum_vnd >= 0", name="minimum_not_negative"),
        CheckConstraint(
            "(scope = 'product') = (product_id IS NOT NULL)"
            " AND (scope = 'category') = (category_id IS NOT NULL)"
            " AND (scope = 'producer') = (producer_id IS NOT NULL)",
            name="scope_names_target",
        ),
        UniqueConstraint("scope", "product_id", "category_id", "producer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id"), index=True)
    basis_points: Mapped[int] = mapped_column(Integer)
    minimum_vnd: Mapped[int] = mapped_column(Integer, default=0)


class PayoutHold(db.Model):
    """The office stops a producer's payouts (a dispute, bank details being checked) with a
    reason; runs skip the producer until the hold is lifted. Money keeps accruing."""

    __tablename__ = "payout_hold"
    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint(
            "(released_at IS NULL) = (released_by_id IS NULL)", name="released_by_someone"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PayoutStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"
    RECONCILED = "reconciled"


class PayoutRun(db.Model):
    """One payout run. Its ``key`` (the run date by default) makes a re-run after a crash
    continue the same run: each producer is paid at most once per run."""

    __tablename__ = "payout_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    run_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Payout(TimestampMixin, db.Model):
    """Money the platform sends a producer. Its ledger entry (kind ``payout``) is written in
    the same transaction as the payout; a failed payout writes a ``payout_reversal``."""

    __tablename__ = "payout"
    __table_args__ = (
        UniqueConstraint("run_id", "producer_id"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(one_of("status", PayoutStatus), name="status_known"),
        CheckConstraint(
            "approved_by_id IS NULL OR created_by_id IS NULL OR approved_by_id <> created_by_id",
            name="second_admin_approves",
        ),
        CheckConstraint(
            "status = 'draft' OR approved_by_id IS NOT NULL",
            name="approved_before_sent",
        ),
        CheckConstraint(
            "status NOT IN ('paid', 'reconciled') OR provider_reference IS NOT NULL",
            name="paid_has_reference",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payout_run.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=PayoutStatus.DRAFT, index=True)
    provider: Mapped[str] = mapped_column(String(20), default="bank_transfer")
    provider_reference: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    # Why the provider refused the last attempt to send this (approved) payout; cleared once
    # it is sent.
    send_error: Mapped[str | None] = mapped_column(Text)


class ClawbackStatus(StrEnum):
    PENDING = "pending"  # to be taken back from the provider (a job does it after the commit)
    DONE = "done"  # the provider confirmed; the ``payout_reversal`` entry is written


class PayoutClawback(TimestampMixin, db.Model):
    """Money taken back from a producer's paid payout after a refund left the producer owing
    the platform (a Stripe transfer reversal). One row per (refund, payout), written in the
    refund's transaction; ``idempotency_key`` is the provider's key and the ledger entry's."""

    __tablename__ = "payout_clawback"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(one_of("status", ClawbackStatus), name="status_known"),
        CheckConstraint(
            "(status = 'done') = (provider_reference IS NOT NULL)", name="done_has_reference"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payout.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=ClawbackStatus.PENDING, index=True)
    provider_reference: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
