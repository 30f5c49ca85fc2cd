"""The organisation's gift batches under ``/agency/batches``: a buyer creates one (recipients
from one address, a pasted list or a file), previews it and creates its orders; every member
follows it; another organisation's batch is a 404; the office may look at any."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.agencies import services as agencies
from shop.agencies.models import MemberRole, Organisation
from shop.batches import claims, services, sources
from shop.batches import pages_bp as bp
from shop.batches.forms import ONE_ADDRESS, PASTED, UPLOAD, NewBatchForm, StartForm
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.labels import LINK_STATES, TRACKING, batch_status_label, reason_label
from shop.batches.models import BatchStatus, GiftBatch
from shop.batches.recipients import COLUMNS
from shop.bundles.giftsets import gift_sets_on_sale
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, PaymentNotAllowed
from shop.extensions import db, login_manager
from shop.money import format_vnd
from shop.orders.models import Order
from shop.payments.bank_transfer import (
    TRANSFER_PREFIX,
    PaymentTerms,
    local_date_of,
    receiving_account,
)
from shop.payments.groups import (
    group_attempt_not_started,
    group_attempt_started,
    latest_group,
    open_group_attempt,
)
from shop.payments.models import PaymentStatus
from shop.payments.providers import (
    PaymentProvider,
    ProviderError,
    Subject,
    get_provider,
    group_provider,
)
from shop.spreadsheet import csv_response
from shop.templating import current_lang, local_today
from shop.urls import absolute_url

log = logging.getLogger(__name__)


def batch_member(*roles: str, office: bool = False) -> Callable:
    """Members of an organisation (with one of ``roles`` when given), and with ``office`` the
    shop's admins (who see any organisation's batch); anyone else gets a 404.
    ``g.organisation_id`` is the member's organisation, None for the office."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            membership = agencies.membership_of(current_user.id)
            if membership is not None and (not roles or membership.role in roles):
                g.membership = membership
                g.organisation_id = membership.organisation_id
            elif office and membership is None and current_user.role == Role.ADMIN:
                g.membership = None
                g.organisation_id = None
            else:
                abort(404)
            return view(*args, **kwargs)

        return guarded

    return decorator


buyer_required = batch_member(MemberRole.BUYER.value)
MAX_WARNINGS_SHOWN = 10


def _batch(batch_id: int) -> GiftBatch:
    try:
        return services.find_batch(batch_id, g.organisation_id)
    except services.BatchNotFound:
        abort(404)


def _is_buyer() -> bool:
    return g.membership is not None and g.membership.role == MemberRole.BUYER


@bp.get("/agency/batches")
@batch_member()
def batches():
    organisation = db.session.get(Organisation, g.organisation_id)
    return render_template(
        "batches/list.html",
        organisation=organisation,
        batches=services.batches_of(g.organisation_id),
        status_label=batch_status_label,
        is_buyer=_is_buyer(),
    )


def _new_form() -> NewBatchForm:
    return NewBatchForm(
        gift_sets=gift_sets_on_sale(),
        departments=agencies.billing_entities(g.organisation_id),
    )


def _link_column() -> str:
    return str(next(c.label for c in COLUMNS if c.key == "link"))


def _source(form: NewBatchForm) -> str:
    """The source chosen, unless it was left empty and another one was filled in (text pasted
    with the file option still selected, say)."""
    has_file = bool(getattr(request.files.get(form.file.name), "filename", ""))
    has_text = bool((form.pasted.data or "").strip())
    if form.source.data == UPLOAD and not has_file and has_text:
        return PASTED
    if form.source.data == PASTED and not has_text and has_file:
        return UPLOAD
    return form.source.data


def _read_recipients(form: NewBatchForm):
    today = local_today()
    form.source.data = _source(form)
    if form.source.data == ONE_ADDRESS:
        fields = {key: (getattr(form, key).data or "") for key in
                  ("name", "phone", "email", "province", "commune", "street", "gift_set",
                   "message", "deliver_on")}  # fmt: skip
        result = sources.from_one_address(
            fields, form.quantity.data, today=today, gift_set_lookup=lookup_gift_set
        )
        for issue in result.errors:
            field = getattr(form, issue.column, None) if issue.column else None
            if field is not None and issue.column not in ("source", "file", "pasted"):
                field.errors = [*field.errors, issue.message]
        return result, [i for i in result.errors if not getattr(form, i.column, None)]
    if form.source.data == PASTED:
        result = sources.from_pasted(
            form.pasted.data or "", today=today, gift_set_lookup=lookup_gift_set
        )
    else:
        result = sources.from_upload(
            request.files.get(form.file.name), today=today, gift_set_lookup=lookup_gift_set
        )
    return result, result.errors


@bp.route("/agency/batches/new", methods=["GET", "POST"])
@buyer_required
def new_batch():
    form = _new_form()
    organisation = db.session.get(Organisation, g.organisation_id)
    if not form.validate_on_submit():
        return render_template(
            "batches/new.html", form=form, organisation=organisation, issues=[], warnings=[],
            columns=COLUMNS, link_column=_link_column(),
        ), 400 if form.is_submitted() else 200  # fmt: skip
    result, issues = _read_recipients(form)
    department_ids = {str(d.id): d.id for d in agencies.billing_entities(g.organisation_id)}
    department = department_ids.get(form.billing_entity.data or "")
    deadline = claims.claim_deadline(result.rows, local_today(), form.claim_by.data)
    if deadline.error:
        form.claim_by.errors = [*form.claim_by.errors, deadline.error]
    if result.errors or not result.rows or deadline.error:
        return render_template(
            "batches/new.html", form=form, organisation=organisation, issues=issues,
            warnings=result.warnings, columns=COLUMNS, link_column=_link_column(),
        ), 400  # fmt: skip
    organisation_id, user_id = g.organisation_id, current_user.id
    begin_write_transaction(db.session)
    batch = services.save_draft(
        organisation_id,
        user_id,
        result.rows,
        billing_entity_id=department,
        po_number=form.po_number.data,
        claim_by=deadline.value,
        now=utcnow(),
    )
    batch_id = batch.id
    db.session.commit()
    for issue in result.warnings[:MAX_WARNINGS_SHOWN]:
        flash(_("Row %(row)d: %(message)s", row=issue.row, message=issue.message), "info")
    if len(result.warnings) > MAX_WARNINGS_SHOWN:
        more = len(result.warnings) - MAX_WARNINGS_SHOWN
        flash(_("…and %(count)d more warning(s).", count=more), "info")
    return redirect(url_for("gift_batches.batch", batch_id=batch_id))


def _transfer(batch: GiftBatch, money: services.BatchMoney):
    """One VietQR for what the batch's orders still need, with the batch's reference."""
    from shop.banking import vietqr

    account = receiving_account()
    if account is None or money.unpaid_vnd <= 0:
        return None
    reference = vietqr.purpose_text(f"{TRANSFER_PREFIX} {batch.reference}")
    payload = vietqr.build_payload(
        bin=account.bank.bin,
        account=account.account,
        amount_vnd=money.unpaid_vnd,
        purpose=reference,
    )
    terms = None
    days = agencies.payment_terms_days(batch.created_by_id)
    if days and money.due_at is not None:
        terms = PaymentTerms(days=days, due_on=local_date_of(money.due_at))
    return {
        "due_at": money.due_at,
        "terms": terms,
        "bank": account.bank,
        "account": account.account,
        "holder": account.holder,
        "amount_vnd": money.unpaid_vnd,
        "reference": reference,
        "svg": vietqr.svg(payload, title=reference),
        "orders": money.unpaid_orders,
    }


def _card_refusal(error: PaymentNotAllowed) -> str:
    """Why the card cannot pay this amount, in one line."""
    maximum = error.details.get("maximum")
    total = error.details.get("total")
    if isinstance(maximum, int) and isinstance(total, int) and total > maximum:
        return _(
            "Card payment takes at most %(maximum)s in one payment: this batch is paid by bank "
            "transfer.",
            maximum=format_vnd(maximum),
        )
    return _("This amount cannot be paid by card: the batch is paid by bank transfer.")


def _card(money: services.BatchMoney) -> dict | None:
    """Paying the unpaid orders by card, beside the transfer: offered to the organisation's
    members when an online provider pays groups of orders on this server (Stripe, else the
    demo) and takes the amount; above its limit, one line says why not."""
    provider = group_provider()
    if provider is None or money.unpaid_vnd <= 0:
        return None
    subject = Subject(total_vnd=money.unpaid_vnd, has_preorder=False, due_at=money.due_at)
    try:
        provider.check_allowed(subject)
    except PaymentNotAllowed as error:
        return {"allowed": False, "refusal": _card_refusal(error)}
    return {
        "allowed": True,
        "amount_vnd": money.unpaid_vnd,
        "orders": money.unpaid_orders,
        "can_pay": g.membership is not None,
    }


# What the batch page says when the payer comes back from the card payment page.
CARD_RETURNS = ("done", "cancelled")


def _flash_card_return(batch_id: int, returned: str) -> None:
    """Say how the batch's latest card payment went: its payments say it, never the link."""
    order_ids = list(db.session.scalars(select(Order.id).where(Order.batch_id == batch_id)))
    members = latest_group(order_ids)
    statuses = {member.status for member in members}
    if members and statuses == {PaymentStatus.SUCCEEDED}:
        flash(
            ngettext(
                "Paid by card: %(num)d order of the batch is paid.",
                "Paid by card: %(num)d orders of the batch are paid.",
                len(members),
            ),
            "success",
        )
    elif returned == "done" and PaymentStatus.PENDING in statuses:
        flash(
            _(
                "Your card payment is being confirmed: this page shows the orders paid as soon "
                "as the payment service confirms it."
            ),
            "info",
        )
    else:
        flash(
            _(
                "Not paid: nothing was charged. Pay by card again, or by bank transfer with the "
                "details below."
            ),
            "error",
        )


@bp.get("/agency/batches/<int:batch_id>")
@batch_member(office=True)
def batch(batch_id: int):
    from shop.quotes.routes import quote_context

    found = _batch(batch_id)
    returned = request.args.get("card")
    if returned in CARD_RETURNS:  # back from the card payment page: say how it went, once
        _flash_card_return(found.id, returned)
        return redirect(url_for("gift_batches.batch", batch_id=found.id))
    organisation = db.session.get(Organisation, found.organisation_id)
    context = {
        "batch": found,
        "organisation": organisation,
        "status_label": batch_status_label,
        "is_buyer": _is_buyer(),
        "approval": services.approval_for(found.id),
        "action_form": EmptyForm(),
        **quote_context(found),
    }
    if found.status == BatchStatus.DRAFT:
        return render_template(
            "batches/preview.html",
            preview=services.preview(found, today=local_today(), now=utcnow()),
            start_form=StartForm(),
            reason_label=reason_label,
            **context,
        )
    if found.status == BatchStatus.CREATING:
        return render_template("batches/progress.html", **context)
    money = services.batch_money(found.id)
    tracked = services.tracking(found.id)
    counts = {state: sum(1 for t in tracked if t.state == state) for state in TRACKING}
    today = local_today()
    links = {
        t.recipient.id: (
            claims.link_state(t.recipient, found, today),
            claims.link_url(t.recipient, current_lang()),
        )
        for t in tracked
        if t.recipient.by_link
    }
    return render_template(
        "batches/detail.html",
        tracked=tracked,
        links=links,
        link_labels=LINK_STATES,
        waiting_links=sum(1 for state, _url in links.values() if state == claims.OPEN),
        counts=counts,
        tracking_labels=TRACKING,
        reason_label=reason_label,
        money=money,
        transfer=_transfer(found, money),
        card=_card(money),
        **context,
    )


@bp.post("/agency/batches/<int:batch_id>/pay-by-card")
@batch_member()
def pay_by_card(batch_id: int):
    """ "Pay by card": one payment page for every order of the batch still waiting for the
    transfer. Pressed twice (or in two tabs) it opens one attempt and sends the payer to it;
    any refusal is a message on the batch page."""
    page = url_for("gift_batches.batch", batch_id=batch_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(page)
    found = _batch(batch_id)
    provider = group_provider()
    if provider is None:
        flash(_("Card payment is not available: pay by bank transfer."), "error")
        return redirect(page)
    order_ids = [order.id for order in services.unpaid_orders(found.id)]
    if not order_ids:
        flash(_("No order of this batch is waiting for payment."), "info")
        return redirect(page)
    return redirect(_start_card_payment(found.id, found.reference, order_ids, provider))


def _start_card_payment(
    batch_id: int, reference: str, order_ids: list[int], provider: PaymentProvider
) -> str:
    """The checkout's three steps for a group of orders: record a pending payment per order
    and commit; call the provider outside any transaction; record its answer and commit.
    Returns where to send the payer."""
    page = url_for("gift_batches.batch", batch_id=batch_id)
    begin_write_transaction(db.session)
    try:
        request_ = open_group_attempt(
            order_ids,
            group_reference=reference,
            provider_id=provider.id,
            now=utcnow(),
            success_url=absolute_url("gift_batches.batch", batch_id=batch_id, card="done"),
            cancel_url=absolute_url("gift_batches.batch", batch_id=batch_id, card="cancelled"),
            locale=current_lang(),
        )
    except PaymentNotAllowed as error:
        db.session.rollback()
        reason = error.details.get("reason")
        if reason == "attempt_open":
            if error.details.get("redirect_url"):  # pressed twice: back to the open page
                return error.details["redirect_url"]
            flash(_("The card payment page is being opened; please wait a moment."), "info")
        elif reason == "closed":
            flash(_("No order of this batch is waiting for payment."), "info")
        elif reason == "too_late":
            flash(
                _("The payment deadline is too close for a card payment: pay by bank transfer."),
                "error",
            )
        else:
            flash(_card_refusal(error), "error")
        return page
    db.session.commit()
    try:
        started = get_provider(request_.provider).start(request_)
    except ProviderError:
        log.exception("card payment of gift batch %s could not be started", reference)
        begin_write_transaction(db.session)
        group_attempt_not_started(request_.payment_ids)
        db.session.commit()
        flash(
            _(
                "The payment service could not be reached; nothing was charged. Try again, or "
                "pay by bank transfer."
            ),
            "error",
        )
        return page
    begin_write_transaction(db.session)
    recorded = group_attempt_started(request_.payment_ids, started)
    db.session.commit()
    if not recorded:
        flash(_("The batch's orders changed meanwhile: check the amount and try again."), "info")
        return page
    return started.redirect_url


@bp.get("/agency/batches/<int:batch_id>/progress.json")
@batch_member(office=True)
def progress(batch_id: int):
    found = _batch(batch_id)
    response = jsonify(
        status=found.status,
        size=found.size,
        created=found.created_count,
        failed=found.failed_count,
        done=found.orders_made or found.status == BatchStatus.CANCELLED,
    )
    response.cache_control.no_store = True
    return response


@bp.post("/agency/batches/<int:batch_id>/start")
@buyer_required
def start(batch_id: int):
    found = _batch(batch_id)
    form = StartForm()
    if not form.validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    if found.status != BatchStatus.DRAFT:
        flash(_("The orders of this batch are created already."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    preview = services.preview(found, today=local_today(), now=utcnow())
    if preview.problems:
        flash(_("Some recipients cannot be ordered: see the marked rows."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    if found.claim_by is not None and found.claim_by < local_today():
        flash(
            _("The recipient links' closing date has passed: start a new batch with a later one."),
            "error",
        )
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    if preview.adult_only and not form.adult_confirmed.data:
        flash(_("Confirm that the recipients of sets with rice wine are 18 or over."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    user_id, total = current_user.id, preview.total_vnd
    begin_write_transaction(db.session)
    found = _batch(batch_id)
    try:
        started = services.start(
            found, user_id, total_vnd=total, adult_confirmed=bool(form.adult_confirmed.data)
        )
    except InvalidTransition:
        db.session.rollback()
        flash(_("This batch cannot be started: it was started, cancelled or refused."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    db.session.commit()
    if started.approval is not None:
        flash(
            _(
                "The total needs an approver's sign-off: the orders are created once an "
                "approver approves."
            ),
            "info",
        )
    else:
        flash(_("The orders are being created."), "success")
    return redirect(url_for("gift_batches.batch", batch_id=batch_id))


@bp.post("/agency/batches/<int:batch_id>/cancel")
@buyer_required
def cancel(batch_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    user_id = current_user.id
    begin_write_transaction(db.session)
    found = _batch(batch_id)
    try:
        services.cancel(found, user_id)
    except InvalidTransition:
        db.session.rollback()
        flash(_("Only a draft can be cancelled."), "error")
        return redirect(url_for("gift_batches.batch", batch_id=batch_id))
    db.session.commit()
    flash(_("The batch is cancelled."), "success")
    return redirect(url_for("gift_batches.batches"))


@bp.get("/agency/batches/<int:batch_id>/tracking.csv")
@batch_member(office=True)
def tracking_csv(batch_id: int):
    found = _batch(batch_id)
    header = [_("Row"), _("Name"), _("Phone"), _("Street address"), _("Gift set"),
              _("Quantity"), _("Order"), _("Status"), _("Reason")]  # fmt: skip
    names = services.gift_set_names(found.id)
    rows = [
        [
            t.recipient.row,
            t.recipient.name,
            t.recipient.phone,
            services.address_text(t.recipient),
            names.get(t.recipient.bundle_id, ""),
            t.recipient.quantity,
            t.order.reference if t.order else "",
            str(TRACKING[t.state]),
            reason_label(t.reason),
        ]
        for t in services.tracking(found.id)
    ]
    return csv_response([header, *rows], f"{found.reference}-tracking.csv")
