"""The office's home: a to-do list, each number a link to the list it counts.

Each count is one small query over the same conditions as its list, so the number and the list
never disagree (tested against independent counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from shop.admin.listings import listings_to_review
from shop.admin.scope import scoped_certificates, scoped_producers
from shop.catalog.models import (
    NOT_IN_FORCE,
    OcopCertificate,
    Producer,
    ProducerStatus,
)
from shop.extensions import db
from shop.moderation.models import RevisionStatus
from shop.orders.models import Order
from shop.payouts.models import Payout, PayoutStatus
from shop.quotes.models import Quote, QuoteStatus

EXPIRY_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Todo:
    label: object  # lazy text
    count: int
    url: str


def expiring_certificates(today: date, within: int):
    """Certificates in force whose last valid day is within ``within`` days, soonest first."""
    return (
        select(OcopCertificate)
        .where(
            OcopCertificate.status.not_in(NOT_IN_FORCE),
            OcopCertificate.valid_until >= today,
            OcopCertificate.valid_until <= today + timedelta(days=within),
        )
        .order_by(OcopCertificate.valid_until, OcopCertificate.id)
    )


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def todo_list(today: date, province: int | None = None) -> list[Todo]:
    """The to-do list of an admin (``province`` None: every province, and the shop's money and
    orders) or of an OCOP office account (its province's certificates, producers and
    listings only)."""
    items = [
        Todo(
            _l("Certificates expiring within %(n)d days", n=days),
            _count(scoped_certificates(expiring_certificates(today, days), province)),
            url_for("admin.certificates", within=days),
        )
        for days in EXPIRY_WINDOWS
    ]
    pending = select(Producer.id).where(Producer.status == ProducerStatus.PENDING)
    items.append(
        Todo(
            _l("Producers waiting for approval"),
            _count(scoped_producers(pending, province)),
            url_for("admin.producers", status=ProducerStatus.PENDING.value),
        )
    )
    items.append(
        Todo(
            _l("Listings to review"),
            _count(listings_to_review(province)),
            url_for("admin.listings", state=RevisionStatus.PENDING.value),
        )
    )
    if province is not None:
        return items
    items += [
        Todo(
            _l("Payouts to approve"),
            _count(select(Payout.id).where(Payout.status == PayoutStatus.DRAFT)),
            url_for("payouts.drafts", status=PayoutStatus.DRAFT.value),
        ),
        Todo(
            _l("Orders flagged for review"),
            _count(select(Order.id).where(Order.needs_review.is_(True))),
            url_for("admin.review_list"),
        ),
        Todo(
            _l("Quotes to price"),
            _count(select(Quote.id).where(Quote.status == QuoteStatus.REQUESTED)),
            url_for("quotes.admin_list", status=QuoteStatus.REQUESTED.value),
        ),
    ]
    return items
