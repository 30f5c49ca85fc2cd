"""``/gifts/<token>``: a recipient link's public page (no sign-in). The recipient sees who
sends the gift, the gift set and the greeting, and types or confirms the address; a link that
is not ours is a 404, an expired or claimed one says so."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from shop.accounts.forms import normalize_phone
from shop.addresses.services import commune as commune_by_code
from shop.addresses.services import find_commune, find_province
from shop.addresses.services import province as province_by_code
from shop.agencies.models import Organisation
from shop.batches import claims
from shop.batches import pages_bp as bp
from shop.batches.forms import ALCOHOL_FREE, ClaimForm
from shop.batches.models import GiftBatch, GiftBatchRecipient
from shop.bundles.giftsets import has_alcohol
from shop.bundles.models import Bundle
from shop.db import begin_write_transaction, utcnow
from shop.extensions import db, limiter
from shop.templating import local_today

# A link is unguessable; this only keeps a guesser (or a stuck form) from hammering the page.
LINK_LIMITS = "30 per minute;300 per hour"
# Expired or closed links answer 410 Gone with a page saying so; a claimed one 200.
STATE_STATUS = {claims.EXPIRED: 410, claims.CLOSED: 410, claims.NOT_STARTED: 404}


def _recipient(token: str) -> GiftBatchRecipient:
    recipient = claims.read_link(token)
    if recipient is None:
        abort(404)
    return recipient


def _context(recipient: GiftBatchRecipient) -> dict:
    batch = db.session.get(GiftBatch, recipient.batch_id)
    gift = db.session.get(Bundle, recipient.bundle_id)
    variant = gift.alcohol_free_variant if has_alcohol(gift) else None
    return {
        "recipient": recipient,
        "batch": batch,
        "sender": db.session.get(Organisation, batch.organisation_id).legal_name,
        "gift": gift,
        "with_alcohol": has_alcohol(gift),
        "variant": variant if variant is not None and variant.active else None,
        "state": claims.link_state(recipient, batch, local_today()),
        "address_of": address_of,
    }


def _prefill(form: ClaimForm, recipient: GiftBatchRecipient) -> None:
    form.recipient_name.data = recipient.name
    form.phone.data = recipient.phone or ""
    if recipient.province_code:
        form.province.data = str(recipient.province_code)
        place = commune_by_code(recipient.commune_code) if recipient.commune_code else None
        form.commune.data = place.name if place else ""
        form.street.data = recipient.street or ""


def _page(form: ClaimForm, context: dict, status: int = 200):
    response = render_template("batches/claim.html", form=form, **context)
    return response, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/gifts/<token>")
@limiter.limit(LINK_LIMITS)
def claim(token: str):
    recipient = _recipient(token)
    context = _context(recipient)
    form = ClaimForm()
    _prefill(form, recipient)
    return _page(form, context, STATE_STATUS.get(context["state"], 200))


@bp.post("/gifts/<token>")
@limiter.limit(LINK_LIMITS)
def claim_post(token: str):
    recipient = _recipient(token)
    context = _context(recipient)
    if context["state"] != claims.OPEN:
        return _page(ClaimForm(), context, STATE_STATUS.get(context["state"], 200))
    form = ClaimForm()
    valid = form.validate_on_submit()
    alcohol_free = context["variant"] is not None and form.variant.data == ALCOHOL_FREE
    if context["with_alcohol"] and not alcohol_free and not form.adult_confirmed.data:
        form.adult_confirmed.errors = [
            *form.adult_confirmed.errors,
            _("Confirm you are 18 or over, or choose the alcohol-free variant."),
        ]
        valid = False
    if not valid:
        return _page(form, context, 400)
    province = find_province(form.province.data)
    [place] = find_commune(province.code, form.commune.data)
    details = claims.Claim(
        name=form.recipient_name.data,
        phone=normalize_phone(form.phone.data),
        province_code=province.code,
        commune_code=place.code,
        street=form.street.data,
        alcohol_free=alcohol_free,
    )
    recipient_id = recipient.id
    begin_write_transaction(db.session)
    done = claims.claim(recipient_id, details, today=local_today(), now=utcnow())
    db.session.commit()
    if not done:
        db.session.expire_all()
        recipient = db.session.get(GiftBatchRecipient, recipient_id)
        context = _context(recipient)
        if context["state"] == claims.OPEN:  # claimed at this very moment by another request
            context["state"] = claims.CLAIMED
        return _page(ClaimForm(), context, 409)
    return redirect(url_for("gift_batches.claim", token=token, lang=request.args.get("lang")))


def address_of(recipient: GiftBatchRecipient) -> str:
    region = province_by_code(recipient.province_code) if recipient.province_code else None
    place = commune_by_code(recipient.commune_code) if recipient.commune_code else None
    parts = (recipient.street, place.name if place else "", region.name if region else "")
    return ", ".join(p for p in parts if p)
