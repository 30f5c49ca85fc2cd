"""The OCOP office's side of producers: the onboarding checklist, approving (pending or
suspended → approved) and suspending with a reason that is e-mailed.

A producer is on sale exactly when approved (``producer.active``, which every shop query reads,
moves with the status in the same compare-and-set; a CHECK holds them together). Suspending takes
its listings off the shop at once — the catalogue cache is bumped by the change to the producer
row — while its open orders go on: its staff keep the portal, confirm, ship and get paid for
what was ordered. Approving needs every item of the checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from shop.agencies.taxcode import normalize_tax_code
from shop.audit.services import record
from shop.catalog.models import (
    PRODUCER_TRANSITIONS,
    LegalType,
    OcopCertificate,
    Producer,
    ProducerStatus,
    Product,
)
from shop.db import move_status, utcnow
from shop.errors import InvalidTransition, ShopError
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.payouts.bank_accounts import bank_account_of
from shop.tourism.models import Experience
from shop.urls import absolute_url

REASON_MAX = 1000


class ChecklistIncomplete(ShopError):
    code = "checklist_incomplete"


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: object  # lazy text
    done: bool


CHECK_LABELS = {
    "legal_type": _l("Legal type recorded"),
    "tax_code": _l("Tax code (MST) of 10 digits, or 10 + a 3-digit branch"),
    "bank": _l("Bank details verified by the office (or a Stripe account for payouts)"),
    "scans": _l("A scan of every certificate in force"),
    "identity": _l("Seller identity complete: name, address, contact e-mail and phone"),
}


def checklist(producer: Producer, today: date) -> list[CheckItem]:
    account = bank_account_of(producer.id)
    unscanned = db.session.scalar(
        select(func.count(OcopCertificate.id))
        .outerjoin(Product, Product.id == OcopCertificate.product_id)
        .outerjoin(Experience, Experience.id == OcopCertificate.experience_id)
        .where(
            or_(Product.producer_id == producer.id, Experience.producer_id == producer.id),
            OcopCertificate.valid_until >= today,
            OcopCertificate.status != "revoked",
            or_(OcopCertificate.scan_file.is_(None), OcopCertificate.scan_file == ""),
        )
    )
    done = {
        "legal_type": producer.legal_type in {t.value for t in LegalType},
        "tax_code": normalize_tax_code(producer.tax_code) == producer.tax_code,
        "bank": (account is not None and account.verified) or bool(producer.stripe_account_id),
        "scans": not unscanned,
        "identity": all(
            (
                producer.name,
                producer.commune,
                producer.province,
                producer.contact_email,
                producer.contact_phone,
            )
        ),  # fmt: skip
    }
    return [CheckItem(key, CHECK_LABELS[key], done[key]) for key in CHECK_LABELS]


def _move(producer: Producer, target: ProducerStatus, reason: str | None) -> None:
    before = producer.status
    if not move_status(
        db.session, Producer, producer, PRODUCER_TRANSITIONS, target,
        active=target == ProducerStatus.APPROVED, status_reason=reason,
        status_changed_at=utcnow(),
    ):  # fmt: skip
        raise InvalidTransition(f"a {before} producer cannot become {target}")


def approve(producer: Producer, admin_id: int, *, today: date) -> None:
    """Put the producer on sale (a new one after onboarding, or a suspended one back), once the
    checklist is complete. Flushes; the producer's admins are told after the commit."""
    missing = [item.key for item in checklist(producer, today) if not item.done]
    if missing:
        raise ChecklistIncomplete("the onboarding checklist is not complete", missing=missing)
    before = producer.status
    _move(producer, ProducerStatus.APPROVED, None)
    record(admin_id, "producer.approve", "producer", producer.id, {"status": before},
           {"status": producer.status}, producer_id=producer.id)  # fmt: skip
    _tell(producer, approved=True)


def suspend(producer: Producer, admin_id: int, *, reason: str) -> None:
    """Take the producer's listings off sale now, with the reason e-mailed to its admins; its
    open orders go on. Flushes."""
    reason = reason.strip()[:REASON_MAX]
    before = producer.status
    _move(producer, ProducerStatus.SUSPENDED, reason)
    record(admin_id, "producer.suspend", "producer", producer.id, {"status": before},
           {"status": producer.status, "reason": reason}, producer_id=producer.id)  # fmt: skip
    _tell(producer, approved=False)


def _tell(producer: Producer, *, approved: bool) -> None:
    from flask import render_template

    from shop.producer.reminders import admins_by_producer, producer_recipients

    admins = admins_by_producer({producer.id}).get(producer.id, [])
    for language, addresses in producer_recipients(producer, admins).items():
        with speaking(language):
            context = {
                "producer": producer,
                "approved": approved,
                "link": absolute_url("producer.dashboard", lang=language),
            }
            if approved:
                subject = gettext("%(name)s is on sale at OCOP Market", name=producer.name)
            else:
                subject = gettext(
                    "%(name)s is suspended from sale at OCOP Market", name=producer.name
                )
            body = render_template("email/producer/status.txt", **context)
        key = f"producer-status-{producer.id}-{producer.status_changed_at.isoformat()}-{language}"
        send_email(", ".join(addresses), subject, body, key=key)


def producers_for_office(status: str | None, province: int | None = None) -> list[Producer]:
    """Producers by name, of one status if given, of one province if given (an office
    account's)."""
    query = select(Producer).order_by(Producer.name)
    if province is not None:
        query = query.where(Producer.province_code == province)
    if status in {s.value for s in ProducerStatus}:
        query = query.where(Producer.status == status)
    return list(db.session.scalars(query))
