"""Revisions of a listing's public content waiting for (or past) the office's review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Producer, Product
from shop.db import one_of, utcnow
from shop.extensions import db


class RevisionStatus(StrEnum):
    PENDING = "pending"  # waiting for the office
    APPROVED = "approved"  # its values are live
    REJECTED = "rejected"  # with the office's reason; the live values stayed
    SUPERSEDED = "superseded"  # a newer submission (or a direct edit) replaced it


class RevisionKind(StrEnum):
    NEW = "new"  # a listing never on sale: approving puts it on sale
    CHANGE = "change"  # new values for a listing on sale


# ``shop.db.move_status``: only a pending revision is reviewed or replaced, once.
REVISION_TRANSITIONS: dict[str, frozenset[str]] = {
    RevisionStatus.PENDING: frozenset(
        {RevisionStatus.APPROVED, RevisionStatus.REJECTED, RevisionStatus.SUPERSEDED}
    ),
}

_PENDING_SQL = "status = 'pending'"


class ListingRevision(db.Model):
    __tablename__ = "listing_revision"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (experience_id IS NULL)", name="revises_one"),
        CheckConstraint(one_of("status", RevisionStatus), name="status_known"),
        CheckConstraint(one_of("kind", RevisionKind), name="kind_known"),
        CheckConstraint(
            "status <> 'rejected' OR length(trim(reason)) > 0", name="rejected_with_reason"
        ),
        CheckConstraint(
            "(status IN ('approved', 'rejected')) = (reviewed_at IS NOT NULL)",
            name="reviewed_when_decided",
        ),
        # One pending revision per listing: a newer submission replaces it.
        Index(
            "uq_listing_revision_pending_product",
            "product_id",
            unique=True,
            sqlite_where=text(_PENDING_SQL),
            postgresql_where=text(_PENDING_SQL),
        ),
        Index(
            "uq_listing_revision_pending_experience",
            "experience_id",
            unique=True,
            sqlite_where=text(_PENDING_SQL),
            postgresql_where=text(_PENDING_SQL),
        ),
        # The office's queue: a province's producers' revisions by status, oldest first.
        Index("ix_listing_revision_queue", "status", "producer_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    experience_id: Mapped[int | None] = mapped_column(ForeignKey("experience.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # The proposed values of the moderated fields, by field name.
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)
    # The live values they replaced, written when approved.
    replaced: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=RevisionStatus.PENDING)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)

    producer: Mapped[Producer] = relationship()
    product: Mapped[Product | None] = relationship()
    experience = relationship("Experience")

    @property
    def listing(self):
        return self.product if self.product_id is not None else self.experience
