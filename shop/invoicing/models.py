"""The buyer's VAT invoice data on an order, and the VAT invoices producers have issued."""

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
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import TimestampMixin, one_of, utcnow
from shop.extensions import db

LEGAL_NAME_MAX = 200
ADDRESS_MAX = 300
BUYER_NAME_MAX = 120


def _only_digits(expression: str) -> str:
    """SQL that is empty when ``expression`` holds only the digits 0–9 (SQLite and
    PostgreSQL alike: no regular expressions)."""
    for digit in "0123456789":
        expression = f"replace({expression}, '{digit}', '')"
    return expression


# A tax code (mã số thuế): 10 digits, or 10 digits, "-" and a 3-digit branch suffix.
TAX_CODE_CHECK = (
    f"(length(tax_code) = 10 AND {_only_digits('tax_code')} = '')"
    " OR (length(tax_code) = 14 AND substr(tax_code, 11, 1) = '-'"
    f" AND {_only_digits('substr(tax_code, 1, 10) || substr(tax_code, 12, 3)')} = '')"
)


class OrderInvoiceData(TimestampMixin, db.Model):
    """Who the VAT invoices of an order are made out to. Plain fields, typed at checkout or on
    the order page (an organisation's data is copied in, never linked)."""

    __tablename__ = "order_invoice_data"
    __table_args__ = (
        CheckConstraint(TAX_CODE_CHECK, name="tax_code_format"),
        CheckConstraint("length(trim(legal_name)) > 0", name="legal_name_given"),
        CheckConstraint("length(trim(address)) > 0", name="address_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(LEGAL_NAME_MAX))
    tax_code: Mapped[str] = mapped_column(String(14))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    email: Mapped[str] = mapped_column(String(254))
    # The person buying, or the unit (department) within the organisation; optional.
    buyer_name: Mapped[str | None] = mapped_column(String(BUYER_NAME_MAX))


class IssuedInvoice(db.Model):
    """A producer order's VAT invoice as the e-invoice provider issued it: once per producer
    order (the unique key makes a second issue impossible)."""

    __tablename__ = "issued_invoice"
    __table_args__ = (
        UniqueConstraint("producer_id", "series", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("total_vnd >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_order.id"), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    series: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    provider_reference: Mapped[str | None] = mapped_column(String(120))
    # The XML written (the ``file`` provider), relative to ``EINVOICE_DIR``.
    file_path: Mapped[str | None] = mapped_column(String(200))
    total_vnd: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class InvoiceRequestStatus(StrEnum):
    PENDING = "pending"  # numbered, waiting for the job
    ISSUING = "issuing"  # a job is calling the provider
    ISSUED = "issued"
    FAILED = "failed"  # the provider refused or could not be reached; tried again


class InvoiceRequest(TimestampMixin, db.Model):
    """A producer order's VAT invoice, numbered when asked for and issued by a job after the
    commit (the provider is never called inside a write transaction). Once per producer order;
    the number is kept through retries, so numbers follow on without gaps."""

    __tablename__ = "invoice_request"
    __table_args__ = (
        UniqueConstraint("producer_id", "series", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint(one_of("status", InvoiceRequestStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_order_id: Mapped[int] = mapped_column(ForeignKey("producer_order.id"), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    series: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    invoice_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=InvoiceRequestStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
