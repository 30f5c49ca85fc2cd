"""The producer's money: what the platform owes it (available now and pending), a payout hold
if the office has set one, recent payouts, and the ledger entries behind the balance.

Everything is the producer's own: the balance is the sum of its ledger entries
(``shop.payouts.ledger.balance``), and each page of entries is one SQL statement (its order or
booking joined in), whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.extensions import db
from shop.http import Page, requested_page
from shop.orders.models import Order, ProducerOrder
from shop.payouts.ledger import balance
from shop.payouts.models import (
    EntryKind,
    LedgerEntry,
    LedgerRelease,
    Payout,
    PayoutHold,
    PayoutStatus,
)
from shop.producer import bp
from shop.templating import local_today
from shop.tourism.models import Booking

PER_PAGE = 50
RECENT_PAYOUTS = 10

KIND_LABELS = {
    EntryKind.SALE: _l("Sale"),
    EntryKind.COMMISSION: _l("Commission"),
    EntryKind.WITHHOLDING: _l("Tax withheld"),
    EntryKind.REFUND_SALE: _l("Refund to the customer"),
    EntryKind.REFUND_COMMISSION: _l("Commission returned"),
    EntryKind.REFUND_WITHHOLDING: _l("Withheld tax returned"),
    EntryKind.PAYOUT: _l("Payout"),
    EntryKind.PAYOUT_REVERSAL: _l("Payout failed, money back"),
    EntryKind.ADJUSTMENT: _l("Adjustment by the OCOP office"),
}
TAX_LABELS = {"vat": _l("VAT"), "pit": _l("personal income tax")}
PAYOUT_STATUS_LABELS = {
    PayoutStatus.DRAFT: _l("Being prepared"),
    PayoutStatus.APPROVED: _l("Approved"),
    PayoutStatus.SENT: _l("Sent"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.FAILED: _l("Failed"),
    PayoutStatus.RECONCILED: _l("Paid"),
}


def kind_label(kind: str, tax: str | None = None) -> str:
    label = str(KIND_LABELS.get(kind, kind))
    return f"{label} ({TAX_LABELS[tax]})" if tax in TAX_LABELS else label


def payout_status_label(status: str) -> str:
    return str(PAYOUT_STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class EntryRow:
    id: int
    kind: str
    tax: str | None
    amount_vnd: int
    created_at: datetime
    available_on: date | None
    order_reference: str | None
    booking_id: int | None
    payout_id: int | None


def entries_page(producer_id: int, per_page: int = PER_PAGE) -> Page:
    """The producer's ledger entries, newest first, for the requested page: the count, then
    one statement for the page with each entry's payable date, order and booking."""
    mine = LedgerEntry.producer_id == producer_id
    total = db.session.scalar(select(func.count(LedgerEntry.id)).where(mine)) or 0
    pages = max(1, -(-total // per_page))
    page = min(requested_page(), pages)
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.tax,
            LedgerEntry.amount_vnd,
            LedgerEntry.created_at,
            func.coalesce(LedgerEntry.available_on, LedgerRelease.available_on),
            Order.reference,
            LedgerEntry.booking_id,
            LedgerEntry.payout_id,
        )
        .select_from(LedgerEntry)
        .outerjoin(LedgerRelease, LedgerRelease.producer_order_id == LedgerEntry.producer_order_id)
        .outerjoin(ProducerOrder, ProducerOrder.id == LedgerEntry.producer_order_id)
        .outerjoin(Booking, Booking.id == LedgerEntry.booking_id)
        .outerjoin(Order, Order.id == func.coalesce(ProducerOrder.order_id, Booking.order_id))
        .where(mine)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=[EntryRow(*row) for row in rows], page=page, pages=pages, total=total)


@bp.get("/money")
@role_required(Role.PRODUCER_STAFF)
def money():
    producer_id = current_user.producer_id
    today = local_today()
    hold = db.session.scalar(
        select(PayoutHold)
        .where(PayoutHold.producer_id == producer_id, PayoutHold.released_at.is_(None))
        .order_by(PayoutHold.created_at.desc(), PayoutHold.id.desc())
        .limit(1)
    )
    payouts = db.session.scalars(
        select(Payout)
        .where(Payout.producer_id == producer_id)
        .order_by(Payout.created_at.desc(), Payout.id.desc())
        .limit(RECENT_PAYOUTS)
    ).all()
    return render_template(
        "producer/money.html",
        producer=db.session.get(Producer, producer_id),
        balance=balance(producer_id, today),
        today=today,
        hold=hold,
        payouts=payouts,
        listing=entries_page(producer_id),
        kind_label=kind_label,
        payout_status_label=payout_status_label,
    )
