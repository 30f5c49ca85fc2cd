"""Stock adjustments by a producer: a counted difference with its reason, kept as an audit
trail (who, when, before, after).

The change is one conditional ``UPDATE … SET stock = stock + :delta WHERE stock + :delta >= 0``,
so it never takes stock below zero and never overwrites units a checkout reserved meanwhile
(both are relative changes to the same row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from shop.catalog.models import Product
from shop.db import utcnow
from shop.errors import ShopError
from shop.extensions import db

REASON_MAX = 200
# The largest single change (a typo of several zeros is refused rather than stocked).
DELTA_MAX = 1_000_000


class StockWouldGoNegative(ShopError):
    code = "stock_would_go_negative"


class StockAdjustment(db.Model):
    __tablename__ = "stock_adjustment"
    __table_args__ = (
        CheckConstraint("stock_before >= 0 AND stock_after >= 0", name="stock_not_negative"),
        CheckConstraint("stock_after <> stock_before", name="changes_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    stock_before: Mapped[int] = mapped_column(Integer)
    stock_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def delta(self) -> int:
        return self.stock_after - self.stock_before


def adjust_stock(
    product_id: int, delta: int, *, user_id: int | None, reason: str
) -> StockAdjustment:
    """Add ``delta`` (negative to remove) to the product's stock and record it; raises
    ``StockWouldGoNegative`` (nothing changed) when fewer units are in stock than removed."""
    if delta == 0 or abs(delta) > DELTA_MAX:
        raise ValueError("delta out of range")
    table = Product.__table__
    after = db.session.execute(
        update(table)
        .where(table.c.id == product_id, table.c.stock + delta >= 0)
        .values(stock=table.c.stock + delta)
        .returning(table.c.stock)
    ).scalar()
    if after is None:
        stock = db.session.scalar(select(table.c.stock).where(table.c.id == product_id))
        raise StockWouldGoNegative("not enough stock to remove", stock=stock, delta=delta)
    adjustment = StockAdjustment(
        product_id=product_id,
        user_id=user_id,
        stock_before=after - delta,
        stock_after=after,
        reason=reason,
    )
    db.session.add(adjustment)
    db.session.flush()
    # The Product in the session (if loaded) must not keep its old figure.
    product = db.session.identity_map.get(db.session.identity_key(Product, product_id))
    if product is not None:
        db.session.expire(product, ["stock"])
    return adjustment


def stock_adjustments(product_id: int, limit: int = 50) -> list[StockAdjustment]:
    return list(
        db.session.scalars(
            select(StockAdjustment)
            .where(StockAdjustment.product_id == product_id)
            .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
            .limit(limit)
        )
    )
