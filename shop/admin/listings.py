"""The office's review of listings (``shop.moderation``): approving or rejecting a revision,
each e-mailed to the producer's admins in their language, and turning moderation of a producer
on or off. Flushes; the routes commit."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import gettext

from shop.admin.scope import producer_ids_in_scope
from shop.audit.services import record
from shop.catalog.models import Producer
from shop.db import utcnow
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.moderation import services as moderation
from shop.moderation.models import ListingRevision, RevisionStatus
from shop.templating import localized_in
from shop.urls import absolute_url


def listings_to_review(province: int | None = ...):
    """The pending queue of ``province`` (by default the signed-in office's; None for every
    province): the office's list and its to-do count read this query."""
    return moderation.review_queue(RevisionStatus.PENDING, producer_ids_in_scope(province))


def approve(revision: ListingRevision, reviewer_id: int, *, now: datetime | None = None) -> None:
    moderation.approve(revision, reviewer_id, now=now or utcnow())
    _tell(revision)


def reject(
    revision: ListingRevision, reviewer_id: int, *, reason: str, now: datetime | None = None
) -> None:
    moderation.reject(revision, reviewer_id, reason=reason, now=now or utcnow())
    _tell(revision)


def set_moderated(producer: Producer, moderated: bool, admin_id: int) -> bool:
    """Turn moderation of the producer's listings on or off; returns whether it changed.
    Turning it off approves nothing: what waits for review stays in the queue."""
    if producer.moderated == moderated:
        return False
    producer.moderated = moderated
    db.session.flush()
    record(admin_id, "producer.moderation", "producer", producer.id, {"moderated": not moderated},
           {"moderated": moderated}, producer_id=producer.id)  # fmt: skip
    return True


def _tell(revision: ListingRevision) -> None:
    from shop.producer.reminders import admins_by_producer, producer_recipients

    producer = revision.producer
    listing = moderation.listing_of(revision)
    is_product = revision.product_id is not None
    endpoint = "producer.product_detail" if is_product else "producer.sessions"
    args = {"product_id": listing.id} if is_product else {}
    admins = admins_by_producer({producer.id}).get(producer.id, [])
    for language, addresses in producer_recipients(producer, admins).items():
        with speaking(language):
            name = localized_in(listing, "name", language)
            approved = revision.status == "approved"
            context = {
                "revision": revision,
                "name": name,
                "approved": approved,
                "link": absolute_url(endpoint, lang=language, **args),
            }
            if approved:
                subject = gettext("%(name)s: the OCOP office approved your listing", name=name)
            else:
                subject = gettext("%(name)s: the OCOP office refused your listing", name=name)
            body = render_template("email/producer/listing_review.txt", **context)
        key = f"listing-review-{revision.id}-{revision.status}-{language}"
        send_email(", ".join(addresses), subject, body, key=key)
