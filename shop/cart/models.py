"""The shopping cart: kept in the database, found by a token in the signed session cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import TimestampMixin
from shop.extensions import db
from shop.lines import CART_LINE_KINDS, LineKind, line_target_check, seats_unit_check


class Cart(TimestampMixin, db.Model):
    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    # When the shopper confirmed being 18 or over (needed for alcohol).
    adult_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(TimestampMixin, db.Model):
    __tablename__ = "cart_line"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        UniqueConstraint("cart_id", "session_id", "unit_type_id", name="uq_cart_line_seats"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_seen_vnd > 0", name="price_seen_positive"),
        CheckConstraint(line_target_check(CART_LINE_KINDS), name="kind_target"),
        CheckConstraint(seats_unit_check(), name="seats_have_unit"),
        # One line per gift set, and per package and session (quantities add up).
        Index(
            "uq_cart_line_bundle",
            "cart_id",
            "bundle_id",
            unique=True,
            sqlite_where=text("kind = 'bundle' AND session_id IS NULL"),
            postgresql_where=text("kind = 'bundle' AND session_id IS NULL"),
        ),
        Index(
            "uq_cart_line_package",
            "cart_id",
            "bundle_id",
            "session_id",
            unique=True,
            sqlite_where=text("kind = 'bundle' AND session_id IS NOT NULL"),
            postgresql_where=text("kind = 'bundle' AND session_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=LineKind.PRODUCT)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    # Seats lines: seats of one unit type on one session.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("experience_session.id", ondelete="CASCADE"), index=True
    )
    unit_type_id: Mapped[int | None] = mapped_column(ForeignKey("unit_type.id"))
    # Bundle lines: the bundle (a package's line also names its session in ``session_id``).
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # The price the shopper saw when adding; the cart says so if it has changed since.
    price_seen_vnd: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product = relationship("Product")
    session = relationship("ExperienceSession")
    unit_type = relationship("UnitType")
    bundle = relationship("Bundle")
