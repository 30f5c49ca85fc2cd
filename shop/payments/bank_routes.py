"""The office's import of the shop account's bank statement: incoming transfers for orders
paid by bank transfer, previewed, then recorded."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.banking.uploads import StatementUploadForm, confirmed_rows, preview_upload
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.orders.labels import order_status_label
from shop.payments import bp
from shop.payments.bank_statement import (
    DONE,
    LATE,
    MANY,
    NO_REFERENCE,
    NO_REFUND,
    OTHER_METHOD,
    OVER,
    PAY,
    REFUND_PAID,
    SHORT,
    TWICE,
    UNKNOWN,
    apply_statement,
    match_statement,
)

SALT = "order-bank-statement"
ACTION_LABELS = {
    PAY: _l("Mark the order paid"),
    DONE: _l("Already recorded"),
    SHORT: _l("Part of the order's total: recorded, the rest still due"),
    OVER: _l("More than the order's total: the order is paid, the surplus flagged"),
    LATE: _l("The order no longer waits for payment: recorded"),
    TWICE: _l("A second transfer for the same order: recorded"),
    UNKNOWN: _l("No order has this reference"),
    NO_REFERENCE: _l("The note names no order"),
    MANY: _l("The note names several orders"),
    OTHER_METHOD: _l("The order is not paid by bank transfer"),
    REFUND_PAID: _l("Our refund transfer: the order's refund is recorded as paid"),
    NO_REFUND: _l("Money sent for this order, but no refund by transfer of this amount waits"),
}


@bp.route("/admin/payments/bank-statement", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def bank_statement():
    # The credits travel to the confirmation signed; they are matched again against the
    # orders when confirmed (amounts and states are never trusted).
    preview = preview_upload(SALT, match_statement)
    return render_template(
        "payments/bank_statement.html",
        form=preview.form,
        problems=preview.problems,
        matches=preview.matches,
        applied=None,
        confirm_form=preview.confirm_form,
        action_labels=ACTION_LABELS,
        status_label=order_status_label,
    )


@bp.post("/admin/payments/bank-statement/confirm")
@role_required(Role.ADMIN)
def confirm_bank_statement():
    rows = confirmed_rows(SALT)
    if rows is None:
        flash(_("This preview expired or was changed: upload the statement again."), "error")
        return redirect(url_for("payments.bank_statement"))
    admin_id = current_user.id
    begin_write_transaction(db.session)
    applied = apply_statement(rows, admin_id=admin_id)
    db.session.commit()
    paid = sum(a.orders_paid for a in applied)
    review = sum(1 for a in applied if a.match.review)
    refunds = sum(1 for a in applied if a.refund)
    incoming = [a for a in applied if not a.refund]
    if incoming:
        flash(
            _(
                "%(paid)d order(s) paid; %(partial)d part payment(s) recorded; "
                "%(review)d transfer(s) recorded for review.",
                paid=paid,
                partial=sum(1 for a in incoming if not a.paid and not a.match.review),
                review=review,
            ),
            "success",
        )
    if refunds:
        flash(
            ngettext(
                "%(num)d refund by transfer recorded as paid.",
                "%(num)d refunds by transfer recorded as paid.",
                refunds,
            ),
            "success",
        )
    if not applied:
        flash(_("Nothing to record: the statement's transfers are already recorded."), "info")
    return render_template(
        "payments/bank_statement.html",
        form=StatementUploadForm(formdata=None),
        problems=[],
        matches=None,
        applied=applied,
        confirm_form=None,
        action_labels=ACTION_LABELS,
        status_label=order_status_label,
    )
