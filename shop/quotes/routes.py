"""Quote pages: the buyer asks for a quote from a batch's preview, the organisation accepts or
declines it (shown on the batch's page), the PDF in either language; the office's list and
pricing page under ``/admin/quotes``. Another organisation's quote is a 404."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.agencies.models import MemberRole, Organisation
from shop.batches import services as batches
from shop.batches.models import BatchStatus, GiftBatch
from shop.batches.pages import batch_member, buyer_required
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, OutOfStock
from shop.extensions import db
from shop.i18n import speaking
from shop.money import format_vnd
from shop.payouts.report_routes import file_lang
from shop.quotes import bp, services
from shop.quotes.forms import QuoteRequestForm, SendQuoteForm
from shop.quotes.labels import QUOTE_STATUS, status_label
from shop.quotes.models import Quote, QuoteStatus
from shop.templating import local_today

deciders_required = batch_member(MemberRole.BUYER.value, MemberRole.APPROVER.value)


def _batch_page(batch_id: int):
    return redirect(url_for("gift_batches.batch", batch_id=batch_id))


def _quote(quote_id: int) -> Quote:
    try:
        return services.find_quote(quote_id, g.organisation_id)
    except services.QuoteNotFound:
        abort(404)


# --- the organisation's side ---------------------------------------------------------------------


@bp.post("/agency/batches/<int:batch_id>/quote")
@buyer_required
def request_quote(batch_id: int):
    try:
        found = batches.find_batch(batch_id, g.organisation_id)
    except batches.BatchNotFound:
        abort(404)
    form = QuoteRequestForm()
    if not form.validate_on_submit():
        errors = form.po_number.errors or [_("The form expired: try again.")]
        flash(str(errors[0]), "error")
        return _batch_page(batch_id)
    now = utcnow()
    preview = batches.preview(found, today=local_today(), now=now)
    if preview.problems:
        flash(_("Some recipients cannot be ordered: see the marked rows."), "error")
        return _batch_page(batch_id)
    if preview.adult_only and not form.adult_confirmed.data:
        flash(_("Confirm that the recipients of sets with rice wine are 18 or over."), "error")
        return _batch_page(batch_id)
    user_id = current_user.id
    begin_write_transaction(db.session)
    found = batches.find_batch(batch_id, g.organisation_id)
    try:
        quote = services.request_quote(
            found, user_id, preview, po_number=form.po_number.data, now=now
        )
    except (InvalidTransition, services.QuoteError):
        db.session.rollback()
        flash(_("This batch cannot get a quote: it has one already, or was started."), "error")
        return _batch_page(batch_id)
    if form.adult_confirmed.data:
        found.adult_confirmed = True
    reference = quote.reference
    db.session.commit()
    flash(
        _("Quote %(reference)s requested: the office prices it and e-mails you.",
          reference=reference),
        "success",
    )  # fmt: skip
    return _batch_page(batch_id)


@bp.post("/agency/quotes/<int:quote_id>/accept")
@deciders_required
def accept(quote_id: int):
    found = _quote(quote_id)
    batch_id = found.batch_id
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _batch_page(batch_id)
    user_id, now = current_user.id, utcnow()
    begin_write_transaction(db.session)
    found = _quote(quote_id)
    try:
        accepted = services.accept(found, user_id, now=now, adult_confirmed=False)
    except services.QuoteExpired:
        db.session.commit()  # the quote is marked expired
        flash(
            _("This quote expired: its prices held until %(date)s. Ask for a new quote.",
              date=_localdate(found.valid_until_day)),
            "error",
        )  # fmt: skip
        return _batch_page(batch_id)
    except OutOfStock:
        db.session.rollback()
        flash(
            _("Not enough stock is left for the whole batch: nothing was reserved. Ask the "
              "office for a new quote."),
            "error",
        )  # fmt: skip
        return _batch_page(batch_id)
    except InvalidTransition:
        db.session.rollback()
        if _quote(quote_id).status == QuoteStatus.SUPERSEDED:
            flash(
                _("The office sent a revised quote in place of this one: look at its prices, "
                  "then accept it."),
                "error",
            )  # fmt: skip
        else:
            flash(
                _("This quote cannot be accepted: it was accepted, declined or withdrawn."),
                "error",
            )
        return _batch_page(batch_id)
    db.session.commit()
    if accepted.approval is not None:
        flash(
            _("The total needs an approver's sign-off: the quote is accepted once an approver "
              "approves."),
            "info",
        )  # fmt: skip
    else:
        flash(_("Quote accepted: the stock is reserved and the orders are being created."),
              "success")  # fmt: skip
    return _batch_page(batch_id)


def _localdate(day):
    from shop.templating import localdate

    return localdate(day)


@bp.post("/agency/quotes/<int:quote_id>/decline")
@deciders_required
def decline(quote_id: int):
    found = _quote(quote_id)
    batch_id = found.batch_id
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _batch_page(batch_id)
    user_id = current_user.id
    begin_write_transaction(db.session)
    found = _quote(quote_id)
    try:
        services.decline(found, user_id)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This quote cannot be declined any more."), "error")
        return _batch_page(batch_id)
    db.session.commit()
    flash(_("The quote is declined."), "success")
    return _batch_page(batch_id)


@bp.get("/agency/quotes/<int:quote_id>/quote.pdf")
@batch_member(office=True)
def pdf(quote_id: int):
    from shop.quotes.pdf import quote_pdf

    found = _quote(quote_id)
    batch = db.session.get(GiftBatch, found.batch_id)
    organisation = db.session.get(Organisation, found.organisation_id)
    lang = file_lang()
    with speaking(lang):
        body = quote_pdf(found, services.gift_set_lines(found), batch, organisation)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{found.reference}-{lang}.pdf"'
    response.cache_control.no_store = True
    return response


# --- the office ----------------------------------------------------------------------------------


@bp.get("/admin/quotes")
@role_required(Role.ADMIN)
def admin_list():
    status = request.args.get("status", "")
    if status not in QUOTE_STATUS:
        status = ""
    quotes = services.quotes_for_office(status or None)
    names = dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.legal_name).where(
                Organisation.id.in_({q.organisation_id for q in quotes})
            )
        ).all()
    )
    return render_template(
        "quotes/admin_list.html",
        quotes=quotes,
        names=names,
        status=status,
        statuses=QUOTE_STATUS,
        status_label=status_label,
        now=utcnow(),
    )


def _admin_page(found: Quote, form: SendQuoteForm | None = None, code: int = 200):
    if form is None:
        form = SendQuoteForm(
            data={
                "delivery_vnd": found.delivery_vnd,
                "discount_vnd": found.discount_vnd,
                "valid_until": found.valid_until_day or services.default_valid_until(utcnow()),
            }
        )
    batch = db.session.get(GiftBatch, found.batch_id)
    return render_template(
        "quotes/admin_detail.html",
        quote=found,
        batch=batch,
        organisation=db.session.get(Organisation, found.organisation_id),
        lines=services.gift_set_lines(found),
        form=form,
        status_label=status_label,
        now=utcnow(),
        replaces=db.session.get(Quote, found.replaces_id) if found.replaces_id else None,
        replaced_by=services.replacement_of(found.id),
    ), code


def _admin_quote(quote_id: int) -> Quote:
    found = db.session.get(Quote, quote_id)
    if found is None:
        abort(404)
    return found


@bp.get("/admin/quotes/<int:quote_id>")
@role_required(Role.ADMIN)
def admin_detail(quote_id: int):
    return _admin_page(_admin_quote(quote_id))


@bp.post("/admin/quotes/<int:quote_id>/send")
@role_required(Role.ADMIN)
def admin_send(quote_id: int):
    found = _admin_quote(quote_id)
    form = SendQuoteForm()
    if not form.validate_on_submit():
        return _admin_page(found, form, 400)
    now = utcnow()
    if form.discount_vnd.data > found.goods_vnd:
        form.discount_vnd.errors.append(
            _("At most the goods' amount, %(goods)s.", goods=format_vnd(found.goods_vnd))
        )
        return _admin_page(found, form, 400)
    if services.end_of_local_day(form.valid_until.data) <= now:
        form.valid_until.errors.append(_("Choose today or a later day."))
        return _admin_page(found, form, 400)
    admin_id = current_user.id
    begin_write_transaction(db.session)
    found = _admin_quote(quote_id)
    batch = db.session.get(GiftBatch, found.batch_id)
    terms = {
        "delivery_vnd": form.delivery_vnd.data,
        "discount_vnd": form.discount_vnd.data,
        "valid_until": form.valid_until.data,
        "now": now,
    }
    revising = found.status == QuoteStatus.SENT
    try:
        if batch.status != BatchStatus.DRAFT:
            raise InvalidTransition("the batch is no longer a draft")
        if revising:
            sent_id = services.revise(found, admin_id, **terms).id
        else:
            services.send(found, admin_id, **terms)
            sent_id = quote_id
    except services.DiscountTooLarge:
        db.session.rollback()
        found = _admin_quote(quote_id)
        form.discount_vnd.errors.append(
            _("Too large: every box must keep a price of at least 1 đồng per item.")
        )
        return _admin_page(found, form, 400)
    except InvalidTransition:
        db.session.rollback()
        flash(
            _("Only a requested or sent quote of a draft batch can be sent: this one was "
              "accepted, declined, withdrawn or replaced meanwhile."),
            "error",
        )  # fmt: skip
        return redirect(url_for("quotes.admin_detail", quote_id=quote_id))
    db.session.commit()
    if revising:
        flash(
            _("The revised quote is sent and replaces the earlier one: the buyer gets an "
              "e-mail."),
            "success",
        )  # fmt: skip
    else:
        flash(_("The quote is sent: the buyer gets an e-mail."), "success")
    return redirect(url_for("quotes.admin_detail", quote_id=sent_id))


def quote_context(batch: GiftBatch) -> dict:
    """What the batch's page shows about its quote."""
    quote = services.latest_quote(batch.id)
    return {
        "quote": quote,
        "quote_lines": services.gift_set_lines(quote) if quote else [],
        "quote_status_label": status_label,
        "quote_expired": bool(quote and quote.expired_at(utcnow())),
        "quote_approval": services.approval_for(quote.id) if quote else None,
        "quote_form": QuoteRequestForm(),
        "can_decide": g.membership is not None
        and g.membership.role in (MemberRole.BUYER, MemberRole.APPROVER),
        "live_quote": quote is not None
        and quote.status in (QuoteStatus.REQUESTED, QuoteStatus.SENT),
    }
