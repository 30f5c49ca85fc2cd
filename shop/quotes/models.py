"""A quote for a gift batch: the prices of every recipient's boxes locked when the office
sends it, with the delivery and discount it set, until ``valid_until``.

``quote_line`` is the per-recipient snapshot the batch's child orders are priced from (their
totals add up to the quote's exactly); ``quote_hold`` is the stock an accepted quote reserved
and its job has not yet moved into child orders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
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

from shop.db import one_of, utcnow
from shop.extensions import db


class QuoteStatus(StrEnum):
    REQUESTED = "requested"  # the buyer asked; the office prices it
    SENT = "sent"  # prices locked until valid_until
    ACCEPTED = "accepted"  # stock reserved, the batch's orders are created
    DECLINED = "declined"  # the organisation said no (or its approver refused)
    EXPIRED = "expired"  # valid_until passed before anyone accepted
    WITHDRAWN = "withdrawn"  # the buyer took the request back before it was sent
    SUPERSEDED = "superseded"  # the office sent a revised quote in its place


TRANSITIONS: dict[str, frozenset[str]] = {
    QuoteStatus.REQUESTED: frozenset({QuoteStatus.SENT, QuoteStatus.WITHDRAWN}),
    QuoteStatus.SENT: frozenset(
        {QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.EXPIRED, QuoteStatus.SUPERSEDED}
    ),
    QuoteStatus.ACCEPTED: frozenset(),
    QuoteStatus.DECLINED: frozenset(),
    QuoteStatus.EXPIRED: frozenset(),
    QuoteStatus.WITHDRAWN: frozenset(),
    QuoteStatus.SUPERSEDED: frozenset(),
}
LIVE = (QuoteStatus.REQUESTED, QuoteStatus.SENT, QuoteStatus.ACCEPTED)
_LIVE_SQL = "status IN ('requested', 'sent', 'accepted')"
PRICED = ("sent", "accepted", "declined", "expired", "superseded")


class Quote(db.Model):
    __tablename__ = "quote"
    __table_args__ = (
        CheckConstraint(one_of("status", QuoteStatus), name="status_known"),
        CheckConstraint(
            "goods_vnd >= 0 AND delivery_vnd >= 0 AND discount_vnd >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("discount_vnd <= goods_vnd", name="discount_within_goods"),
        CheckConstraint(
            "total_vnd = goods_vnd + delivery_vnd - discount_vnd", name="total_adds_up"
        ),
        CheckConstraint(
            f"status NOT IN ({', '.join(repr(s) for s in PRICED)}) "
            "OR (sent_at IS NOT NULL AND valid_until IS NOT NULL AND sent_by_id IS NOT NULL)",
            name="sent_has_validity",
        ),
        CheckConstraint(
            "(status = 'accepted') = (accepted_at IS NOT NULL AND accepted_by_id IS NOT NULL)",
            name="accepted_has_who",
        ),
        CheckConstraint("recipients > 0 AND boxes > 0", name="counts_positive"),
        # One live quote per batch.
        Index(
            "uq_quote_live_batch",
            "batch_id",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(25), unique=True)  # Q-2026-000012
    batch_id: Mapped[int] = mapped_column(ForeignKey("gift_batch.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=QuoteStatus.REQUESTED, index=True)
    po_number: Mapped[str | None] = mapped_column(String(60))
    recipients: Mapped[int] = mapped_column(Integer)
    boxes: Mapped[int] = mapped_column(Integer)
    goods_vnd: Mapped[int] = mapped_column(Integer)  # VAT included, before the discount
    delivery_vnd: Mapped[int] = mapped_column(Integer)
    discount_vnd: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total_vnd: Mapped[int] = mapped_column(Integer)
    # Goods by VAT rate after the discount: [{"rate": 5, "amount_vnd": …, "vat_vnd": …}].
    vat_rates: Mapped[list] = mapped_column(JSON, default=list)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A revised quote: the sent quote it superseded (same batch, same recipients' goods prices).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"))

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.id", cascade="all, delete-orphan"
    )

    @property
    def valid_until_day(self) -> date | None:
        """The last local day the prices hold (``valid_until`` is the end of that day)."""
        if self.valid_until is None:
            return None
        local = _aware(self.valid_until).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        return (local - timedelta(microseconds=1)).date()

    def expired_at(self, now: datetime) -> bool:
        """Sent, and its validity is over (whether or not the sweep marked it yet)."""
        return self.status == QuoteStatus.EXPIRED or (
            self.status == QuoteStatus.SENT
            and self.valid_until is not None
            and _aware(self.valid_until) <= now
        )


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class QuoteLine(db.Model):
    """One recipient's boxes at the quote's prices: the child order is priced from it."""

    __tablename__ = "quote_line"
    __table_args__ = (
        UniqueConstraint("quote_id", "recipient_id", name="uq_quote_line_recipient"),
        CheckConstraint("quantity > 0 AND unit_price_vnd > 0", name="quantity_price_positive"),
        CheckConstraint("goods_vnd = unit_price_vnd * quantity", name="goods_adds_up"),
        CheckConstraint(
            "discount_vnd >= 0 AND discount_vnd < goods_vnd AND delivery_vnd >= 0",
            name="amounts_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("gift_batch_recipient.id"))
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_vnd: Mapped[int] = mapped_column(Integer)  # one box at the batch's tier
    goods_vnd: Mapped[int] = mapped_column(Integer)
    delivery_vnd: Mapped[int] = mapped_column(Integer)
    discount_vnd: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    quote: Mapped[Quote] = relationship(back_populates="lines")

    @property
    def total_vnd(self) -> int:
        return self.goods_vnd + self.delivery_vnd - self.discount_vnd


class QuoteHold(db.Model):
    """Units of a product an accepted quote took from stock and its job has not yet given to
    a child order (given back to stock when the job finishes)."""

    __tablename__ = "quote_hold"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
