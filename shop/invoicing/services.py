"""The buyer's invoice data (kept until the first parcel ships) and issuing a producer order's
VAT invoice once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from shop.catalog.models import Producer
from shop.errors import ShopError
from shop.extensions import db
from shop.invoicing.content import Invoice, build_invoice
from shop.invoicing.models import IssuedInvoice, OrderInvoiceData
from shop.invoicing.providers import get_provider
from shop.orders.models import Order, ProducerOrder, ProducerOrderStatus

# The symbol of the producers' invoices (ký hiệu, Decree 123 art. 4): C = with the tax
# authority's code, the year's two digits, T = registered e-invoice, then two letters of the
# seller's choice ("OC" for the shop's).
SERIES_PREFIX = "C"
SERIES_SUFFIX = "TOC"

SHIPPED = (ProducerOrderStatus.SHIPPED, ProducerOrderStatus.DELIVERED)


class InvoiceDataLocked(ShopError):
    """A parcel has shipped: the invoices may already be made out, the data stays."""

    code = "invoice_data_locked"
    status = 409


class InvoiceNotAllowed(ShopError):
    code = "invoice_not_allowed"
    status = 409


@dataclass(frozen=True)
class InvoiceDataInput:
    legal_name: str
    tax_code: str
    address: str
    email: str
    buyer_name: str | None = None


def invoice_data_of(order_id: int) -> OrderInvoiceData | None:
    return db.session.scalar(select(OrderInvoiceData).where(OrderInvoiceData.order_id == order_id))


def invoice_data_locked(order: Order) -> bool:
    """Once a parcel has shipped, the buyer's invoice data can no longer change."""
    return any(parcel.status in SHIPPED for parcel in order.producer_orders)


def save_invoice_data(order: Order, data: InvoiceDataInput | None) -> OrderInvoiceData | None:
    """Record, change or (``None``) remove the order's invoice data; the caller holds the
    order's row (``lock_order``) so the check against shipping is not stale. Flushes."""
    if invoice_data_locked(order):
        raise InvoiceDataLocked("a parcel has shipped", order_id=order.id)
    row = invoice_data_of(order.id)
    if data is None:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = OrderInvoiceData(order_id=order.id)
        db.session.add(row)
    row.legal_name = data.legal_name
    row.tax_code = data.tax_code
    row.address = data.address
    row.email = data.email
    row.buyer_name = data.buyer_name or None
    db.session.flush()
    return row


def issued_invoice_of(producer_order_id: int) -> IssuedInvoice | None:
    return db.session.scalar(
        select(IssuedInvoice).where(IssuedInvoice.producer_order_id == producer_order_id)
    )


def can_issue(parcel: ProducerOrder) -> bool:
    """A parcel that has shipped (or arrived) whose buyer asked for a VAT invoice."""
    return parcel.status in SHIPPED and invoice_data_of(parcel.order_id) is not None


def series_for(day: date) -> str:
    return f"{SERIES_PREFIX}{day.year % 100:02d}{SERIES_SUFFIX}"


def issue_invoice(
    parcel_id: int, *, today: date, user_id: int | None
) -> tuple[IssuedInvoice, bool]:
    """Issue the parcel's VAT invoice through the configured provider, once: returns the issued
    invoice and whether it was issued now. Inside a write transaction: the producer's row is
    locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock otherwise), so concurrent issues
    for one producer queue, the second finds the first's invoice, and numbers follow on
    without gaps. Flushes; the route commits."""
    parcel = db.session.get(ProducerOrder, parcel_id)
    db.session.scalars(
        select(Producer.id).where(Producer.id == parcel.producer_id).with_for_update()
    ).one()
    existing = issued_invoice_of(parcel_id)
    if existing is not None:
        return existing, False
    db.session.refresh(parcel)
    if not can_issue(parcel):
        raise InvoiceNotAllowed("not shipped, or no invoice asked for", parcel_id=parcel_id)
    series = series_for(today)
    last = db.session.scalar(
        select(func.max(IssuedInvoice.number)).where(
            IssuedInvoice.producer_id == parcel.producer_id, IssuedInvoice.series == series
        )
    )
    invoice: Invoice = build_invoice(
        parcel, invoice_date=today, series=series, number=(last or 0) + 1
    )
    provider = get_provider()
    issued = provider.issue(invoice)
    row = IssuedInvoice(
        producer_order_id=parcel_id,
        producer_id=parcel.producer_id,
        provider=provider.id,
        series=issued.series,
        number=issued.number,
        provider_reference=issued.provider_reference,
        file_path=issued.file_path,
        total_vnd=invoice.total_vnd,
        issued_at=issued.issued_at,
        issued_by_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row, True


def parcel_invoice(parcel: ProducerOrder) -> dict:
    """What the producer's order page shows about the parcel's VAT invoice."""
    issued = issued_invoice_of(parcel.id)
    return {
        "issued": issued,
        "asked": invoice_data_of(parcel.order_id) is not None,
        "can_issue": issued is None and can_issue(parcel),
    }


def order_invoicing(order: Order) -> dict:
    """What the buyer's order page shows: the invoice data, whether it may still change, and
    the invoices issued so far (producer order id, issued invoice)."""
    parcel_ids = [parcel.id for parcel in order.producer_orders]
    issued = (
        db.session.scalars(
            select(IssuedInvoice)
            .where(IssuedInvoice.producer_order_id.in_(parcel_ids))
            .order_by(IssuedInvoice.id)
        ).all()
        if parcel_ids
        else []
    )
    return {
        "data": invoice_data_of(order.id),
        "locked": invoice_data_locked(order),
        "issued": [(row.producer_order_id, row) for row in issued],
    }
