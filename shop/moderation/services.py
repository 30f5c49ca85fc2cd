"""Submitting listings for review, and the office approving or rejecting them.

Services flush, never commit. Every move of a revision goes through ``shop.db.move_status``
over ``REVISION_TRANSITIONS`` (compare-and-set): of two reviewers (or a reviewer and a newer
submission) racing on one revision, one only wins; the loser gets ``InvalidTransition``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, select

from shop.audit.services import record
from shop.catalog.editing import create_product, update_product
from shop.catalog.models import Category, Producer, Product, ReviewStatus
from shop.db import move_status, utcnow
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.moderation.models import (
    REVISION_TRANSITIONS,
    ListingRevision,
    RevisionKind,
    RevisionStatus,
)
from shop.tourism.models import Experience

REASON_MAX = 1000

# The public content that waits for review. Stock, pause / resume, weight, shipping, season,
# pre-order and session times are operations: they change at once.
PRODUCT_FIELDS = (
    "category_id",
    "name_vi",
    "name_en",
    "description_vi",
    "description_en",
    "unit_vi",
    "unit_en",
    "origin",
    "price_vnd",
)
EXPERIENCE_FIELDS = (
    "category_id",
    "name_vi",
    "name_en",
    "summary_vi",
    "summary_en",
    "itinerary",
    "meeting_point_vi",
    "meeting_point_en",
    "directions_vi",
    "directions_en",
    "included_vi",
    "included_en",
    "excluded_vi",
    "excluded_en",
    "bring_vi",
    "bring_en",
    "accessibility_vi",
    "accessibility_en",
    "food_notes_vi",
    "food_notes_en",
)

Listing = Product | Experience


class RevisionAlreadyReviewed(InvalidTransition):
    """The revision is no longer pending: reviewed already, or replaced by a newer one."""

    code = "revision_already_reviewed"


def moderated_fields(listing: Listing) -> tuple[str, ...]:
    return PRODUCT_FIELDS if isinstance(listing, Product) else EXPERIENCE_FIELDS


def _kind(listing: Listing) -> str:
    return "product" if isinstance(listing, Product) else "experience"


def live_values(listing: Listing) -> dict:
    return {name: getattr(listing, name) for name in moderated_fields(listing)}


def _of(listing: Listing):
    if isinstance(listing, Product):
        return ListingRevision.product_id == listing.id
    return ListingRevision.experience_id == listing.id


def pending_revision(listing: Listing) -> ListingRevision | None:
    return db.session.scalar(
        select(ListingRevision).where(
            _of(listing), ListingRevision.status == RevisionStatus.PENDING
        )
    )


def last_revision(listing: Listing) -> ListingRevision | None:
    """The newest revision that is not replaced (its outcome is shown to the producer)."""
    return db.session.scalar(
        select(ListingRevision)
        .where(_of(listing), ListingRevision.status != RevisionStatus.SUPERSEDED)
        .order_by(ListingRevision.submitted_at.desc(), ListingRevision.id.desc())
        .limit(1)
    )


def _lock(listing: Listing) -> None:
    """Lock the listing's row and read it afresh (PostgreSQL; SQLite writers already queue):
    submissions and reviews of one listing take this lock first, so they wait for each other
    rather than deadlock on the listing and its revision."""
    db.session.refresh(listing, with_for_update=True)


def _supersede_pending(listing: Listing) -> bool:
    pending = pending_revision(listing)
    if pending is None:
        return False
    return move_status(
        db.session,
        ListingRevision,
        pending,
        REVISION_TRANSITIONS,
        RevisionStatus.SUPERSEDED,
    )


def _add(listing: Listing, kind: RevisionKind, proposed: dict, actor_id: int | None):
    revision = ListingRevision(
        producer_id=listing.producer_id,
        product_id=listing.id if isinstance(listing, Product) else None,
        experience_id=listing.id if isinstance(listing, Experience) else None,
        kind=kind,
        proposed=proposed,
        status=RevisionStatus.PENDING,
        submitted_by_id=actor_id,
        submitted_at=utcnow(),
    )
    db.session.add(revision)
    db.session.flush()
    record(
        actor_id,
        f"{_kind(listing)}.submit",
        _kind(listing),
        listing.id,
        {},
        {"revision": revision.id, "kind": str(kind), **proposed},
        producer_id=listing.producer_id,
    )
    return revision


def submit_new(listing: Listing, *, actor_id: int | None) -> ListingRevision:
    """Take a listing not yet approved off sale and queue its content for review (a new
    listing of a moderated producer, or a pending or rejected one edited again)."""
    _lock(listing)
    _supersede_pending(listing)
    listing.review_status = ReviewStatus.PENDING
    listing.active = False
    db.session.flush()
    return _add(listing, RevisionKind.NEW, live_values(listing), actor_id)


def submit_change(listing: Listing, values: dict, *, actor_id: int | None):
    """Queue the moderated fields of ``values`` that differ from the live ones as the listing's
    one pending revision (replacing an older one); the live listing is left as it is. Values
    equal to the live ones withdraw what was pending. Returns the pending revision, or None."""
    _lock(listing)
    live = live_values(listing)
    proposed = {
        name: values[name]
        for name in moderated_fields(listing)
        if name in values and values[name] != live[name]
    }
    pending = pending_revision(listing)
    if pending is not None and proposed and pending.proposed == proposed:
        return pending  # the same change again: it keeps its place in the queue
    _supersede_pending(listing)
    if not proposed:
        return None
    return _add(listing, RevisionKind.CHANGE, proposed, actor_id)


def withdraw_pending(listing: Listing) -> bool:
    """A direct edit (the producer is no longer moderated) replaces what was pending."""
    _lock(listing)
    return _supersede_pending(listing)


def listing_of(revision: ListingRevision) -> Listing:
    if revision.product_id is not None:
        return db.session.get(Product, revision.product_id)
    return db.session.get(Experience, revision.experience_id)


def _decide(revision: ListingRevision, target: RevisionStatus, **values) -> None:
    if not move_status(
        db.session,
        ListingRevision,
        revision,
        REVISION_TRANSITIONS,
        target,
        **values,
    ):
        db.session.refresh(revision)
        raise RevisionAlreadyReviewed(f"revision {revision.id} is {revision.status}")


def approve(revision: ListingRevision, reviewer_id: int, *, now: datetime) -> Listing:
    """Apply a pending revision's values to its listing and put a new listing on sale, in the
    caller's transaction. Raises ``RevisionAlreadyReviewed`` unless it was still pending."""
    listing = listing_of(revision)
    _lock(listing)
    before = live_values(listing)
    _decide(
        revision, RevisionStatus.APPROVED, reviewed_by_id=reviewer_id, reviewed_at=now,
        replaced={k: before[k] for k in revision.proposed if k in before},
    )  # fmt: skip
    for name in moderated_fields(listing):
        if name in revision.proposed:
            setattr(listing, name, revision.proposed[name])
    listing.category = db.session.get(Category, listing.category_id)
    listing.refresh_search_text()
    if listing.review_status != ReviewStatus.APPROVED:
        listing.review_status = ReviewStatus.APPROVED
        listing.active = True  # a new listing goes on sale
    db.session.flush()
    after = live_values(listing)
    record(
        reviewer_id,
        f"{_kind(listing)}.approve",
        _kind(listing),
        listing.id,
        {k: before[k] for k in revision.proposed if k in before},
        {"revision": revision.id, **{k: after[k] for k in revision.proposed if k in after}},
        producer_id=listing.producer_id,
    )
    return listing


def reject(revision: ListingRevision, reviewer_id: int, *, reason: str, now: datetime) -> Listing:
    """Refuse a pending revision with the office's reason: the live listing stays as it is (a
    new listing stays off sale, rejected, until its producer edits it again)."""
    reason = reason.strip()[:REASON_MAX]
    if not reason:
        raise ValueError("a rejection needs a reason")
    listing = listing_of(revision)
    _lock(listing)
    _decide(
        revision, RevisionStatus.REJECTED, reviewed_by_id=reviewer_id, reviewed_at=now,
        reason=reason,
    )  # fmt: skip
    if revision.kind == RevisionKind.NEW and listing.review_status == ReviewStatus.PENDING:
        listing.review_status = ReviewStatus.REJECTED
    db.session.flush()
    record(
        reviewer_id,
        f"{_kind(listing)}.reject",
        _kind(listing),
        listing.id,
        {},
        {"revision": revision.id, "reason": reason},
        producer_id=listing.producer_id,
    )
    return listing


def review_queue(status: str, producer_ids=None) -> Select:
    """Revisions in ``status``, oldest first, of the producers in ``producer_ids`` (a subquery;
    None for every producer)."""
    query = select(ListingRevision).where(ListingRevision.status == status)
    if producer_ids is not None:
        query = query.where(ListingRevision.producer_id.in_(producer_ids))
    order = ListingRevision.submitted_at
    if status != RevisionStatus.PENDING:
        order = ListingRevision.reviewed_at.desc()
    return query.order_by(order, ListingRevision.id)


# --- the producer portal's product form --------------------------------------------------------


class Saved(StrEnum):
    UNCHANGED = "unchanged"
    SAVED = "saved"  # live at once
    ON_SALE = "on_sale"  # a rejected listing of a producer no longer moderated: on sale now
    SUBMITTED = "submitted"  # content waits for review; the live listing is unchanged
    SUBMITTED_NEW = "submitted_new"  # the listing waits for review, off sale


def create_product_listing(
    producer: Producer, values: dict, *, stock: int, actor_id: int | None
) -> tuple[Product, Saved]:
    """A new product: on sale at once, or off sale waiting for review when the office
    moderates its producer."""
    product = create_product(
        producer.id, values, stock=stock, actor_id=actor_id, review=producer.moderated
    )
    if not producer.moderated:
        return product, Saved.SAVED
    submit_new(product, actor_id=actor_id)
    return product, Saved.SUBMITTED_NEW


def save_product_changes(product: Product, values: dict, *, actor_id: int | None) -> Saved:
    """The producer's edit of ``product``: operations (stock aside) apply at once; the public
    content of a listing on sale waits for review when its producer is moderated."""
    _lock(product)
    moderated = product.producer.moderated
    if product.review_status != ReviewStatus.APPROVED:
        # Not on sale: edited in place; it waits for review again (turning moderation off does
        # not approve what was pending).
        changed = update_product(product, values, actor_id=actor_id)
        if moderated or product.review_status == ReviewStatus.PENDING:
            if changed or pending_revision(product) is None:
                submit_new(product, actor_id=actor_id)
            return Saved.SUBMITTED_NEW
        product.review_status, product.active = ReviewStatus.APPROVED, True
        db.session.flush()
        record(actor_id, "product.resume", "product", product.id, {"active": False},
               {"active": True}, producer_id=product.producer_id)  # fmt: skip
        return Saved.ON_SALE
    if not moderated:
        withdraw_pending(product)  # this edit is newer than what was waiting
        changed = update_product(product, values, actor_id=actor_id)
        return Saved.SAVED if changed else Saved.UNCHANGED
    live = live_values(product)
    changed = update_product(product, {**values, **live}, actor_id=actor_id)
    revision = submit_change(product, values, actor_id=actor_id)
    if revision is not None:
        return Saved.SUBMITTED
    return Saved.SAVED if changed else Saved.UNCHANGED


def category_names() -> dict[int, str]:
    """Every OCOP group's Vietnamese name by id (a proposed group is shown by its name)."""
    return dict(db.session.execute(select(Category.id, Category.name_vi)).tuples().all())
