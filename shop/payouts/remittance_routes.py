"""The office's remittance imports (carriers' cash-on-delivery statements) and manual ledger
adjustments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import NotFound
from shop.extensions import db
from shop.http import Page, paginate, requested_page
from shop.orders.models import Order
from shop.payouts import bp
from shop.payouts.adjustments import adjustments_query, make_adjustment, new_form_token
from shop.payouts.office_forms import AdjustmentForm, RemittanceUploadForm
from shop.payouts.office_models import RemittanceStatus
from shop.payouts.remittances import (
    RemittanceAlreadyConfirmed,
    RemittanceFileError,
    batches_query,
    confirm,
    find_batch,
    preview,
    read_file,
)
from shop.templating import local_today

PER_PAGE = 30


def _file_error(reason: str) -> str:
    messages = {
        "encoding": _("The file is not UTF-8 text: export it again as CSV UTF-8."),
        "format": _("The file is not a CSV file."),
        "empty": _("The file has no rows."),
        "columns": _(
            "No order reference or amount column was found (such as “Mã đơn hàng” and "
            "“Tiền thu hộ”)."
        ),
        "too_many": _("The file has too many rows: split it."),
    }
    return messages.get(reason, messages["format"])


def _remittances_page(form: RemittanceUploadForm, status: int = 200):
    stmt, count = batches_query()
    return (
        render_template(
            "payouts/remittances.html", listing=paginate(stmt, count, PER_PAGE), form=form
        ),
        status,
    )


@bp.get("/admin/payouts/remittances")
@role_required(Role.ADMIN)
def remittances():
    return _remittances_page(RemittanceUploadForm())


@bp.post("/admin/payouts/remittances")
@role_required(Role.ADMIN)
def upload_remittance():
    form = RemittanceUploadForm()
    if not form.validate_on_submit():
        return _remittances_page(form, 422)
    upload = form.file.data
    try:
        rows = read_file(upload.read())
    except RemittanceFileError as exc:
        form.file.errors = [_file_error(str(exc.details.get("reason", "")))]
        return _remittances_page(form, 422)
    admin_id = current_user.id
    begin_write_transaction(db.session)
    batch = preview(
        rows,
        file_name=secure_filename(upload.filename or "") or "remittance.csv",
        admin_id=admin_id,
        now=utcnow(),
    )
    db.session.commit()
    return redirect(url_for("payouts.remittance", batch_id=batch.id))


@bp.get("/admin/payouts/remittances/<int:batch_id>")
@role_required(Role.ADMIN)
def remittance(batch_id: int):
    try:
        batch = find_batch(batch_id)
    except NotFound:
        abort(404)
    ids = {line.order_id for line in batch.lines if line.order_id}
    orders = dict(
        db.session.execute(select(Order.id, Order.reference).where(Order.id.in_(ids))).all()
    )
    return render_template(
        "payouts/remittance.html",
        batch=batch,
        orders=orders,
        form=EmptyForm(),
        pending=batch.status == RemittanceStatus.PREVIEW,
    )


@bp.post("/admin/payouts/remittances/<int:batch_id>/confirm")
@role_required(Role.ADMIN)
def confirm_remittance(batch_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for("payouts.remittance", batch_id=batch_id))
    admin_id = current_user.id
    try:
        batch = confirm(batch_id, admin_id=admin_id, now=utcnow())
    except NotFound:
        db.session.rollback()
        abort(404)
    except RemittanceAlreadyConfirmed:
        db.session.rollback()
        flash(_("This remittance was already confirmed."), "info")
    else:
        flash(
            _(
                "%(count)d order(s) recorded, %(total)s đồng.",
                count=batch.rows_matched,
                total=f"{batch.total_vnd:,}".replace(",", "."),
            ),
            "success",
        )
    return redirect(url_for("payouts.remittance", batch_id=batch_id))


# --- adjustments -------------------------------------------------------------------------------


@bp.get("/admin/payouts/adjustments")
@role_required(Role.ADMIN)
def adjustments():
    stmt, count = adjustments_query()
    total = db.session.scalar(count) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(requested_page(), pages)
    rows = db.session.execute(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    listing = Page(items=list(rows), page=page, pages=pages, total=total)
    return render_template("payouts/adjustments.html", listing=listing)


def _producer_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Producer.id, Producer.name).order_by(Producer.name)).all()
    return [(0, _("Choose a producer"))] + [(pid, name) for pid, name in rows]


@bp.route("/admin/payouts/adjustments/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_adjustment():
    form = AdjustmentForm()
    form.producer_id.choices = _producer_choices()
    if request.method == "GET":
        form.available_on.data = local_today()
        form.form_token.data = new_form_token()
    elif form.validate_on_submit():
        admin_id = current_user.id
        begin_write_transaction(db.session)
        adjustment = make_adjustment(
            producer_id=form.producer_id.data,
            amount_vnd=form.amount_vnd.data,
            reason=form.reason.data,
            available_on=form.available_on.data,
            admin_id=admin_id,
            form_token=form.form_token.data or "",
        )
        db.session.commit()
        if adjustment is None:
            flash(_("This adjustment was already recorded."), "info")
        else:
            flash(_("Adjustment recorded."), "success")
        return redirect(url_for("payouts.adjustments"))
    status = 200 if request.method == "GET" else 422
    return render_template("payouts/adjustment_form.html", form=form), status
