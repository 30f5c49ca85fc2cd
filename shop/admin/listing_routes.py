"""The office's review queue of listings (``shop.moderation``): the list by state, a revision's
before → after per field, approve or reject with a reason; and turning moderation of a producer
on or off. An office account sees its province's producers only: another's revision is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.accounts.forms import EmptyForm
from shop.admin import bp
from shop.admin import listings as office
from shop.admin.forms import ModerationForm, RejectListingForm
from shop.admin.scope import office_required, producer_ids_in_scope, producer_or_404
from shop.catalog.models import Producer
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.http import paginate
from shop.moderation import services as moderation
from shop.moderation.labels import FIELD_LABELS, STATE_LABELS
from shop.moderation.models import ListingRevision, RevisionKind, RevisionStatus
from shop.moderation.services import RevisionAlreadyReviewed

PER_PAGE = 50
STATES = (RevisionStatus.PENDING, RevisionStatus.APPROVED, RevisionStatus.REJECTED)


@bp.get("/listings")
@office_required
def listings():
    state = request.args.get("state", RevisionStatus.PENDING.value)
    state = state if state in {s.value for s in STATES} else RevisionStatus.PENDING.value
    query = moderation.review_queue(state, producer_ids_in_scope())
    listing = paginate(
        query.options(
            selectinload(ListingRevision.producer),
            selectinload(ListingRevision.product),
            selectinload(ListingRevision.experience),
        ),
        select(func.count()).select_from(query.subquery()),
        PER_PAGE,
    )
    return render_template(
        "admin/listings.html",
        listing=listing,
        state=state,
        states={s.value: STATE_LABELS[s] for s in STATES},
    )


def _revision(revision_id: int) -> ListingRevision:
    revision = db.session.get(ListingRevision, revision_id)
    if revision is None:
        abort(404)
    producer_or_404(revision.producer)
    return revision


def _rows(revision: ListingRevision, listing) -> list[tuple[str, object, object]]:
    """(field, before, after) of each field the revision proposes. Before is the live value
    while it waits, the value it replaced once approved; a new listing had none."""
    if revision.kind == RevisionKind.NEW:
        before = {}
    elif revision.status == RevisionStatus.APPROVED:
        before = revision.replaced or {}
    else:
        before = moderation.live_values(listing)
    return [(name, before.get(name), value) for name, value in revision.proposed.items()]


def _review_page(revision: ListingRevision, *, form: RejectListingForm | None = None, code=200):
    listing = moderation.listing_of(revision)
    newer = None
    if revision.status == RevisionStatus.SUPERSEDED:
        newer = moderation.pending_revision(listing)
    return render_template(
        "admin/listing_review.html",
        revision=revision,
        listing=listing,
        is_product=revision.product_id is not None,
        rows=_rows(revision, listing),
        labels=FIELD_LABELS,
        states=STATE_LABELS,
        category_names=moderation.category_names(),
        newer=newer,
        action_form=EmptyForm(),
        reject_form=form or RejectListingForm(formdata=None),
    ), code


@bp.get("/listings/<int:revision_id>")
@office_required
def listing_review(revision_id: int):
    return _review_page(_revision(revision_id))


def _already(revision_id: int):
    db.session.rollback()
    revision = _revision(revision_id)
    if revision.status == RevisionStatus.SUPERSEDED:
        flash(_("A newer version replaced these changes: review that one."), "error")
    else:
        flash(_("These changes were reviewed already."), "info")
    return redirect(url_for("admin.listing_review", revision_id=revision_id))


@bp.post("/listings/<int:revision_id>/approve")
@office_required
def listing_approve(revision_id: int):
    _revision(revision_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(url_for("admin.listing_review", revision_id=revision_id))
    reviewer_id = current_user.id
    begin_write_transaction(db.session)
    revision = _revision(revision_id)
    try:
        office.approve(revision, reviewer_id)
    except RevisionAlreadyReviewed:
        return _already(revision_id)
    db.session.commit()
    flash(_("Approved: the shop shows it now, and the producer gets an e-mail."), "success")
    return redirect(url_for("admin.listings", state=RevisionStatus.PENDING.value))


@bp.post("/listings/<int:revision_id>/reject")
@office_required
def listing_reject(revision_id: int):
    revision = _revision(revision_id)
    form = RejectListingForm()
    if not form.validate_on_submit():
        return _review_page(revision, form=form, code=400)
    reviewer_id, reason = current_user.id, form.reason.data
    begin_write_transaction(db.session)
    revision = _revision(revision_id)
    try:
        office.reject(revision, reviewer_id, reason=reason)
    except RevisionAlreadyReviewed:
        return _already(revision_id)
    db.session.commit()
    flash(_("Rejected: the producer gets the reason by e-mail."), "success")
    return redirect(url_for("admin.listings", state=RevisionStatus.PENDING.value))


@bp.post("/producers/<int:producer_id>/moderation")
@office_required
def producer_moderation(producer_id: int):
    producer_or_404(db.session.get(Producer, producer_id))
    form = ModerationForm()
    back = redirect(url_for("admin.producer_detail", producer_id=producer_id, _anchor="moderation"))
    if not form.validate_on_submit():
        flash(_("Choose on or off."), "error")
        return back
    moderated, admin_id = form.moderated.data == "on", current_user.id
    begin_write_transaction(db.session)
    producer = producer_or_404(db.session.get(Producer, producer_id))
    changed = office.set_moderated(producer, moderated, admin_id)
    db.session.commit()
    if not changed:
        flash(_("Nothing was changed."), "info")
    elif moderated:
        flash(_("Moderation is on: this producer's new listings and changes wait for review."),
              "success")  # fmt: skip
    else:
        flash(_("Moderation is off: what waits for review stays in the queue."), "success")
    return back
