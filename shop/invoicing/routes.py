"""VAT invoice pages: the buyer's invoice data, the proforma PDF, the issued XML (buyer and
office), and "Issue the VAT invoice" in the producer portal."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.i18n import speaking
from shop.invoicing import bp
from shop.invoicing.content import build_invoice
from shop.invoicing.forms import InvoiceDataForm
from shop.invoicing.models import InvoiceRequestStatus, IssuedInvoice
from shop.invoicing.services import (
    InvoiceDataLocked,
    InvoiceNotAllowed,
    invoice_data_locked,
    invoice_data_of,
    invoice_request_of,
    issued_invoice_of,
    request_invoice,
    retry_invoice,
    save_invoice_data,
)
from shop.orders.models import ProducerOrderStatus
from shop.orders.services import lock_order
from shop.payouts.report_routes import file_lang
from shop.templating import local_today

log = logging.getLogger(__name__)


def _viewable(reference: str):
    from shop.checkout.routes import _viewable_order

    return _viewable_order(reference)


def _order_page(order, token: str | None) -> str:
    params = {"token": token} if token else {}
    return url_for("checkout.order_detail", reference=order.reference, **params)


@bp.route("/orders/<reference>/invoice-data", methods=["GET", "POST"])
def invoice_data(reference: str):
    """The buyer gives, changes or removes the VAT invoice data until a parcel ships."""
    order, token = _viewable(reference)
    token = order.access_token if token else None
    locked = invoice_data_locked(order)
    form = InvoiceDataForm()
    recorded = invoice_data_of(order.id) if request.method == "GET" else None
    if current_user.is_authenticated and order.user_id == current_user.id:
        from shop.agencies.queries import billing_choices  # agencies imports invoicing

        # A member's own order: its organisation's details in one tap, as at checkout (asked
        # for by default only while the order has no invoice data yet).
        form.offer_billing_choices(
            billing_choices(current_user.id),
            prefill=request.method == "GET" and recorded is None,
        )
    if request.method == "GET":
        if recorded is not None:
            form.fill_invoice(recorded)
    elif locked:
        flash(_("A parcel has shipped: the invoice data can no longer change."), "error")
        return redirect(_order_page(order, token))
    elif form.validate_on_submit():
        order_id = order.id
        begin_write_transaction(db.session)
        order = lock_order(order_id)
        try:
            save_invoice_data(order, form.invoice_data)
        except InvoiceDataLocked:
            db.session.rollback()
            flash(_("A parcel has shipped: the invoice data can no longer change."), "error")
            return redirect(_order_page(order, token))
        db.session.commit()
        flash(_("Your VAT invoice data is saved."), "success")
        return redirect(_order_page(order, token))
    status = 400 if form.errors else 200
    return render_template(
        "invoicing/invoice_data.html", form=form, order=order, token=token, locked=locked
    ), status


def _invoices(order):
    parcels = [p for p in order.producer_orders if p.status != ProducerOrderStatus.CANCELLED]
    today = local_today()
    return [build_invoice(parcel, invoice_date=today) for parcel in parcels]


@bp.get("/orders/<reference>/proforma.pdf")
def proforma(reference: str):
    """Every producer's invoice content of the order, for the buyer's accountant."""
    from shop.invoicing.pdf import proforma_pdf

    order, _token = _viewable(reference)
    lang = file_lang()
    with speaking(lang):
        body = proforma_pdf(order, _invoices(order))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="proforma-{order.reference}-{lang}.pdf"'
    )
    return response


def _xml_response(issued: IssuedInvoice | None) -> Response:
    if issued is None or not issued.file_path:
        abort(404)
    path = Path(current_app.config["EINVOICE_DIR"]) / issued.file_path
    try:
        body = path.read_bytes()
    except OSError:
        log.warning("invoice file %s is missing", path)
        abort(404)
    response = Response(body, mimetype="application/xml")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hoa-don-{issued.series}-{issued.number:07d}.xml"'
    )
    return response


@bp.get("/orders/<reference>/invoices/<int:parcel_id>.xml")
def buyer_invoice_xml(reference: str, parcel_id: int):
    order, _token = _viewable(reference)
    if parcel_id not in {p.id for p in order.producer_orders}:
        abort(404)
    return _xml_response(issued_invoice_of(parcel_id))


@bp.get("/admin/invoices/<int:parcel_id>.xml")
@role_required(Role.ADMIN)
def admin_invoice_xml(parcel_id: int):
    return _xml_response(issued_invoice_of(parcel_id))


@bp.post("/producer/orders/<int:parcel_id>/invoice")
@role_required(Role.PRODUCER_STAFF)
def issue(parcel_id: int):
    """The producer issues the parcel's VAT invoice: once, whoever clicks and how often."""
    from shop.producer.routes import _load_parcel

    _load_parcel(parcel_id)  # the staff member's own parcel, or 404
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("producer.order_detail", parcel_id=parcel_id))
    begin_write_transaction(db.session)
    try:
        _request, now = request_invoice(parcel_id, today=local_today(), user_id=current_user.id)
    except InvoiceNotAllowed:
        db.session.rollback()
        flash(
            _("The VAT invoice can be issued once the parcel has shipped, if asked for."),
            "error",
        )
        return back
    db.session.commit()  # the provider is called after this, by the job
    _flash_invoice_state(parcel_id, now)
    return back


def _flash_invoice_state(parcel_id: int, now: bool) -> None:
    issued = issued_invoice_of(parcel_id)
    request = invoice_request_of(parcel_id)
    if issued is not None and now:
        flash(
            _(
                "VAT invoice %(series)s %(number)s issued.",
                series=issued.series,
                number=issued.number,
            ),
            "success",
        )
    elif issued is not None:
        flash(_("This VAT invoice was already issued."), "info")
    elif request is not None and request.status == InvoiceRequestStatus.FAILED:
        flash(
            _(
                "The e-invoice service could not issue the invoice; it will be tried again "
                "automatically."
            ),
            "error",
        )
    else:
        flash(_("The VAT invoice is being issued; it will appear here shortly."), "info")


@bp.post("/admin/invoices/<int:parcel_id>/retry")
@role_required(Role.ADMIN)
def admin_retry(parcel_id: int):
    """The office asks the e-invoice service again for an invoice it failed to issue."""
    from shop.orders.models import ProducerOrder

    parcel = db.session.get(ProducerOrder, parcel_id)
    if parcel is None or invoice_request_of(parcel_id) is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    reference = parcel.order.reference
    begin_write_transaction(db.session)
    if retry_invoice(parcel_id):
        db.session.commit()
        _flash_invoice_state(parcel_id, True)
    else:
        db.session.rollback()
        flash(_("This VAT invoice is not waiting for a retry (any more)."), "info")
    return redirect(url_for("admin.order_detail", reference=reference, _anchor="parcels-h"))


@bp.get("/producer/orders/<int:parcel_id>/invoice.xml")
@role_required(Role.PRODUCER_STAFF)
def producer_invoice_xml(parcel_id: int):
    from shop.producer.routes import _load_parcel

    _load_parcel(parcel_id)
    return _xml_response(issued_invoice_of(parcel_id))
