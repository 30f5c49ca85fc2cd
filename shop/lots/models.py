"""A harvest or production lot of one product, with its public traceability code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.db import utcnow
from shop.extensions import db

# Digits and capitals a person does not confuse (no 0/O, 1/I/L): printed on stamps, typed in.
LOT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOT_CODE_LENGTH = 8


class Lot(db.Model):
    __tablename__ = "lot"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "best_before IS NULL OR best_before > harvest_date", name="best_before_after_harvest"
        ),
        CheckConstraint(f"length(code) = {LOT_CODE_LENGTH}", name="code_length"),
        # The producer's list: newest harvest first, per product.
        Index("ix_lot_product_harvest", "product_id", "harvest_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    code: Mapped[str] = mapped_column(String(LOT_CODE_LENGTH), unique=True)
    # The day of harvest (fresh goods) or of production (processed goods).
    harvest_date: Mapped[date] = mapped_column(Date)
    best_before: Mapped[date | None] = mapped_column(Date)
    # The plot, garden or village it comes from ("Vườn ông Thân, thôn Kim Sơn").
    plot: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    product: Mapped[Product] = relationship()
