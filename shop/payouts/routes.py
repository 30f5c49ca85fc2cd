"""The OCOP office's payout pages: payouts by status, approved by a second admin, sent through
their provider, marked paid or failed; a producer's Stripe connected account."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import update

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.audit.services import record
from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, NotFound
from shop.extensions import db
from shop.payouts import bp
from shop.payouts.forms import MarkFailedForm, MarkPaidForm, StripeAccountForm
from shop.payouts.models import PayoutStatus
from shop.payouts.providers import PROVIDERS, PayoutProviderError
from shop.payouts.queries import payouts_with_status, status_counts
from shop.payouts.sending import send_payout
from shop.payouts.services import (
    PayoutNotAllowed,
    approve_payout,
    find_payout,
    mark_failed,
    mark_paid,
)

STATUS_LABELS = {
    PayoutStatus.DRAFT: _l("Drafts"),
    PayoutStatus.APPROVED: _l("Approved"),
    PayoutStatus.SENT: _l("Sent"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.FAILED: _l("Failed"),
    PayoutStatus.RECONCILED: _l("Reconciled"),
}


def _list_url(status: str) -> str:
    return url_for("payouts.drafts", status=status)


def _render_list(status: str, *, bound_id: int | None = None, paid_form=None, failed_form=None,
                 code: int = 200):  # fmt: skip
    counts = status_counts()
    tabs = [(str(value), label, counts[str(value)]) for value, label in STATUS_LABELS.items()]
    return render_template(
        "payouts/list.html",
        status=status,
        status_label=STATUS_LABELS[PayoutStatus(status)],
        tabs=tabs,
        payouts=payouts_with_status(status),
        providers={provider_id: provider.label for provider_id, provider in PROVIDERS.items()},
        form=EmptyForm(),
        bound_id=bound_id,
        paid_form=paid_form,
        failed_form=failed_form,
    ), code


@bp.get("/admin/payouts")
@role_required(Role.ADMIN)
def drafts():
    status = request.args.get("status", PayoutStatus.DRAFT)
    if status not in STATUS_LABELS:
        status = PayoutStatus.DRAFT
    return _render_list(str(status))


@bp.post("/admin/payouts/<int:payout_id>/approve")
@role_required(Role.ADMIN)
def approve(payout_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(_list_url(PayoutStatus.DRAFT))
    admin_id = current_user.id
    begin_write_transaction(db.session)
    try:
        approve_payout(find_payout(payout_id), admin_id=admin_id, now=utcnow())
    except NotFound:
        db.session.rollback()
        flash(_("There is no such payout."), "error")
    except PayoutNotAllowed:
        db.session.rollback()
        flash(_("Another admin must approve a payout run you started."), "error")
    except InvalidTransition:
        db.session.rollback()
        flash(_("This payout is no longer a draft."), "info")
    else:
        db.session.commit()
        flash(_("Payout approved."), "success")
    return redirect(_list_url(PayoutStatus.DRAFT))


@bp.post("/admin/payouts/<int:payout_id>/send")
@role_required(Role.ADMIN)
def send(payout_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(_list_url(PayoutStatus.APPROVED))
    try:
        result = send_payout(payout_id)
    except NotFound:
        flash(_("There is no such payout."), "error")
    except InvalidTransition:
        flash(_("This payout is no longer waiting to be sent."), "info")
    except PayoutProviderError as exc:
        flash(_("The payout provider refused this payout: %(error)s", error=str(exc)), "error")
    else:
        if result.status == PayoutStatus.PAID:
            flash(
                _("Payout sent and paid (reference %(reference)s).",
                  reference=result.provider_reference),
                "success",
            )  # fmt: skip
            return redirect(_list_url(PayoutStatus.PAID))
        flash(_("Payout sent. Mark it paid once the bank confirms the transfer."), "success")
        return redirect(_list_url(PayoutStatus.SENT))
    return redirect(_list_url(PayoutStatus.APPROVED))


def _settle_sent(payout_id: int, form, *, form_name: str, apply, success: str, target):
    """Mark a sent payout paid or failed with ``apply`` once its form is valid; a form with a
    mistake shows the sent list again with the message next to the field."""
    if not form.validate_on_submit():
        return _render_list(PayoutStatus.SENT, bound_id=payout_id, code=400, **{form_name: form})
    begin_write_transaction(db.session)
    try:
        apply(find_payout(payout_id))
    except NotFound:
        db.session.rollback()
        flash(_("There is no such payout."), "error")
    except InvalidTransition:
        db.session.rollback()
        flash(_("This payout is no longer waiting for the bank."), "info")
    else:
        db.session.commit()
        flash(success, "success")
        return redirect(_list_url(target))
    return redirect(_list_url(PayoutStatus.SENT))


@bp.post("/admin/payouts/<int:payout_id>/mark-paid")
@role_required(Role.ADMIN)
def mark_paid_route(payout_id: int):
    form = MarkPaidForm()
    return _settle_sent(
        payout_id,
        form,
        form_name="paid_form",
        apply=lambda payout: mark_paid(payout, provider_reference=form.reference.data),
        success=_("Payout marked paid."),
        target=PayoutStatus.PAID,
    )


@bp.post("/admin/payouts/<int:payout_id>/mark-failed")
@role_required(Role.ADMIN)
def mark_failed_route(payout_id: int):
    form = MarkFailedForm()
    return _settle_sent(
        payout_id,
        form,
        form_name="failed_form",
        apply=lambda payout: mark_failed(payout, reason=form.reason.data),
        success=_("Payout marked failed: its amount is owed to the producer again."),
        target=PayoutStatus.FAILED,
    )


@bp.route("/admin/producers/<int:producer_id>/stripe-account", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def stripe_account(producer_id: int):
    producer = db.session.get(Producer, producer_id)
    if producer is None:
        abort(404)
    form = StripeAccountForm()
    if request.method == "GET":
        form.account_id.data = producer.stripe_account_id
        return render_template("payouts/stripe_account.html", producer=producer, form=form)
    if not form.validate_on_submit():
        return render_template("payouts/stripe_account.html", producer=producer, form=form), 400
    new = form.account_id.data or None
    begin_write_transaction(db.session)
    producer = db.session.get(Producer, producer_id)
    old = producer.stripe_account_id
    if old != new:
        db.session.execute(
            update(Producer)
            .where(Producer.id == producer_id)
            .values(stripe_account_id=new)
            .execution_options(synchronize_session=False)
        )
        record(
            current_user.id,
            "producer.stripe_account",
            "producer",
            producer_id,
            {"stripe_account_id": old},
            {"stripe_account_id": new},
            producer_id=producer_id,
        )
    db.session.commit()
    if old == new:
        flash(_("Nothing changed."), "info")
    elif new:
        flash(_("Stripe connected account saved: new payouts go there."), "success")
    else:
        flash(_("Stripe connected account removed: new payouts go by bank transfer."), "success")
    return redirect(url_for("payouts.stripe_account", producer_id=producer_id))
