"""The buyer's invoice data (kept until the first parcel ships) and issuing a producer order's
VAT invoice once.

Issuing is two steps, so that the e-invoice provider is never called inside a write
transaction and its failure never undoes anything: ``request_invoice`` numbers the invoice
under the producer's lock and the caller commits; after the commit a job
(``issue_requested_invoices``) claims each pending request, calls the provider outside any
transaction with the request's number, and records the answer in a transaction of its own —
the issued invoice, or the failure (retried by the sweep, or from the office's order page).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.invoicing.content import Invoice, build_invoice
from shop.invoicing.models import (
    InvoiceRequest,
    InvoiceRequestStatus,
    IssuedInvoice,
    OrderInvoiceData,
)
from shop.invoicing.providers import get_provider
from shop.notify import after_commit_once
from shop.orders.models import Order, ProducerOrder, ProducerOrderStatus

log = logging.getLogger(__name__)
R = InvoiceRequestStatus
# A failed request is retried by the sweep this many times; then only from the office's page.
MAX_ATTEMPTS = 5
# A request a job claimed and never answered (the worker died) is claimed again after this.
CLAIM_TIMEOUT = timedelta(minutes=10)

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


def invoice_request_of(producer_order_id: int) -> InvoiceRequest | None:
    return db.session.scalar(
        select(InvoiceRequest).where(InvoiceRequest.producer_order_id == producer_order_id)
    )


def _next_number(producer_id: int, series: str) -> int:
    last = [
        db.session.scalar(
            select(func.max(model.number)).where(
                model.producer_id == producer_id, model.series == series
            )
        )
        for model in (InvoiceRequest, IssuedInvoice)
    ]
    return max(n or 0 for n in last) + 1


def request_invoice(
    parcel_id: int, *, today: date, user_id: int | None
) -> tuple[InvoiceRequest | None, bool]:
    """Number the parcel's VAT invoice and ask for it to be issued after the commit, once:
    returns the request and whether it was made now (None: issued before requests existed).
    Inside a write transaction: the producer's row is locked (``FOR UPDATE`` on PostgreSQL;
    SQLite's write lock otherwise), so concurrent requests for one producer queue, the second
    finds the first's, and numbers follow on without gaps. Flushes; the route commits."""
    parcel = db.session.get(ProducerOrder, parcel_id)
    db.session.scalars(
        select(Producer.id).where(Producer.id == parcel.producer_id).with_for_update()
    ).one()
    existing = invoice_request_of(parcel_id)
    if existing is not None:
        return existing, False
    if issued_invoice_of(parcel_id) is not None:
        return None, False
    db.session.refresh(parcel)
    if not can_issue(parcel):
        raise InvoiceNotAllowed("not shipped, or no invoice asked for", parcel_id=parcel_id)
    series = series_for(today)
    row = InvoiceRequest(
        producer_order_id=parcel_id,
        producer_id=parcel.producer_id,
        series=series,
        number=_next_number(parcel.producer_id, series),
        invoice_date=today,
        status=R.PENDING,
        attempts=0,
        requested_by_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    after_commit_once(db.session(), _enqueue_issue)
    return row, True


def retry_invoice(parcel_id: int) -> bool:
    """The office asks again for an invoice the provider failed to issue. Flushes."""
    result = db.session.execute(
        update(InvoiceRequest)
        .where(InvoiceRequest.producer_order_id == parcel_id, InvoiceRequest.status == R.FAILED)
        .values(status=R.PENDING)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        after_commit_once(db.session(), _enqueue_issue)
    return result.rowcount == 1


def _enqueue_issue() -> None:
    from shop.jobs import issue_invoices

    issue_invoices()


@dataclass
class IssueReport:
    issued: list[int] = field(default_factory=list)  # producer order ids
    failed: list[int] = field(default_factory=list)


def _claimable(now: datetime):
    return or_(
        InvoiceRequest.status == R.PENDING,
        and_(InvoiceRequest.status == R.FAILED, InvoiceRequest.attempts < MAX_ATTEMPTS),
        and_(InvoiceRequest.status == R.ISSUING, InvoiceRequest.claimed_at < now - CLAIM_TIMEOUT),
    )


def issue_requested_invoices(now: datetime | None = None) -> IssueReport:
    """The job: issue every requested invoice through the provider, each once. A request is
    claimed (compare-and-set, committed), the provider called outside any transaction, and
    the answer recorded in a transaction of its own (compare-and-set on ``issuing``: a second
    run, or a second worker, records nothing twice). Commits."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(InvoiceRequest.id).where(_claimable(now)).order_by(InvoiceRequest.id)
        )
    )
    db.session.rollback()
    report = IssueReport()
    for request_id in ids:
        _issue_one(request_id, now, report)
    return report


def _issue_one(request_id: int, now: datetime, report: IssueReport) -> None:
    begin_write_transaction(db.session)
    claimed = db.session.execute(
        update(InvoiceRequest)
        .where(InvoiceRequest.id == request_id, _claimable(now))
        .values(status=R.ISSUING, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return  # another worker has it, or it is done
    request = db.session.get(InvoiceRequest, request_id)
    parcel = db.session.get(ProducerOrder, request.producer_order_id)
    parcel_id, producer_id, user_id = parcel.id, request.producer_id, request.requested_by_id
    provider = get_provider()
    try:
        invoice: Invoice = build_invoice(
            parcel, invoice_date=request.invoice_date, series=request.series, number=request.number
        )
        db.session.rollback()  # no transaction stays open while the provider is called
        issued = provider.issue(invoice)
    except Exception as exc:  # any failure of the provider is recorded and retried
        db.session.rollback()
        log.exception("the VAT invoice of parcel %s could not be issued", parcel_id)
        begin_write_transaction(db.session)
        db.session.execute(
            update(InvoiceRequest)
            .where(InvoiceRequest.id == request_id, InvoiceRequest.status == R.ISSUING)
            .values(
                status=R.FAILED,
                attempts=InvoiceRequest.attempts + 1,
                last_error=(str(exc) or type(exc).__name__)[:2000],
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        report.failed.append(parcel_id)
        return
    begin_write_transaction(db.session)
    done = db.session.execute(
        update(InvoiceRequest)
        .where(InvoiceRequest.id == request_id, InvoiceRequest.status == R.ISSUING)
        .values(status=R.ISSUED, attempts=InvoiceRequest.attempts + 1, last_error=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1 and issued_invoice_of(parcel_id) is None:
        db.session.add(
            IssuedInvoice(
                producer_order_id=parcel_id,
                producer_id=producer_id,
                provider=provider.id,
                series=issued.series,
                number=issued.number,
                provider_reference=issued.provider_reference,
                file_path=issued.file_path,
                total_vnd=invoice.total_vnd,
                issued_at=issued.issued_at,
                issued_by_id=user_id,
            )
        )
        report.issued.append(parcel_id)
    db.session.commit()


def parcel_invoice(parcel: ProducerOrder) -> dict:
    """What the producer's order page shows about the parcel's VAT invoice."""
    issued = issued_invoice_of(parcel.id)
    request = invoice_request_of(parcel.id)
    return {
        "issued": issued,
        "request": request if issued is None else None,
        "asked": invoice_data_of(parcel.order_id) is not None,
        "can_issue": issued is None and request is None and can_issue(parcel),
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
    requests = (
        db.session.scalars(
            select(InvoiceRequest).where(
                InvoiceRequest.producer_order_id.in_(parcel_ids),
                InvoiceRequest.status != R.ISSUED,
            )
        ).all()
        if parcel_ids
        else []
    )
    return {
        "data": invoice_data_of(order.id),
        "locked": invoice_data_locked(order),
        "issued": [(row.producer_order_id, row) for row in issued],
        # Invoices asked for and not issued yet (pending, or failed with the provider's error).
        "waiting": {row.producer_order_id: row for row in requests},
    }
