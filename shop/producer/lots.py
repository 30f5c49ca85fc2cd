"""The producer portal's harvest lots: the list, recording a lot of one of the producer's
products, and the printable sheet of OCOP stamps of a lot.

Staff see only their own producer's products and lots: any other id is a 404, the same answer
as an id that does not exist.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.extensions import db
from shop.http import paginate
from shop.lots.errors import LotRefused
from shop.lots.forms import LotForm
from shop.lots.queries import (
    CertificateState,
    certificate_on,
    lots_by_id,
    lots_for_products,
    producer_lot,
    producer_lots_query,
    producer_product,
    producer_products,
    required_products,
)
from shop.lots.services import check_shipped_lots, record_lot
from shop.producer import bp
from shop.templating import local_today
from shop.urls import absolute_url

log = logging.getLogger(__name__)

PER_PAGE = 50


@bp.get("/lots")
@role_required(Role.PRODUCER_STAFF)
def lots():
    producer_id = current_user.producer_id
    stmt, count = producer_lots_query(producer_id)
    return render_template(
        "producer/lots.html",
        producer=db.session.get(Producer, producer_id),
        listing=paginate(stmt, count, PER_PAGE),
        products=producer_products(producer_id),
    )


@bp.route("/products/<int:product_id>/lots/new", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def new_lot(product_id: int):
    product = producer_product(current_user.producer_id, product_id)
    if product is None:
        abort(404)
    today = local_today()
    form = LotForm(today=today)
    if not form.is_submitted():
        form.harvest_date.data = today  # most lots are recorded on the day they are picked
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template(
            "producer/lot_new.html", form=form, product=product, today=today
        ), status
    lot = record_lot(
        product,
        harvest_date=form.harvest_date.data,
        best_before=form.best_before.data,
        plot=form.plot.data,
        quantity=form.quantity.data,
        notes=form.notes.data,
        user_id=current_user.id,
    )
    db.session.commit()
    log.info("lot %s of product %s recorded by user %s", lot.code, product.id, current_user.id)
    flash(
        _("Lot %(code)s recorded. Print its stamps and stick them on the goods.", code=lot.code),
        "success",
    )
    return redirect(url_for("producer.lots", _anchor=f"lot-{lot.code}"))


@bp.get("/lots/<int:lot_id>/stamps.pdf")
@role_required(Role.PRODUCER_STAFF)
def lot_stamps(lot_id: int):
    from shop.lots.pdf import stamps_pdf

    lot = producer_lot(current_user.producer_id, lot_id)
    if lot is None:
        abort(404)
    on_harvest = certificate_on(lot.product.certificates, lot.harvest_date)
    stars = on_harvest.certificate.stars if on_harvest.state == CertificateState.VALID else None
    body = stamps_pdf(lot, absolute_url("lots.trace", code=lot.code), stars)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="stamps-{lot.code}.pdf"'
    return response


# The lots named on the ship form of a parcel (a select per goods line, ``lot-<line id>``).
LOT_FIELD = "lot-%d"
LOT_PROBLEMS = {
    "required": _l("Choose the lot this product was shipped from."),
    "other_product": _l("Choose one of this product's own lots."),
}
NOT_A_LOT = -1
MAX_ID = 2**31 - 1


def goods_lines(parcel) -> list:
    return [line for line in parcel.lines if line.product_id is not None]


def lot_choices(parcel) -> dict:
    """What the ship form offers and shows: each product's latest lots, and the lots the
    parcel's lines already name (line id → lot)."""
    lines = goods_lines(parcel)
    choices = lots_for_products({line.product_id for line in lines})
    named = lots_by_id({line.lot_id for line in lines if line.lot_id is not None})
    return {"by_product": choices, "named": named, "required": required_products(lines)}


def chosen_lots(parcel, form_data) -> dict[int, int | None]:
    """Line id → the lot id chosen on the ship form (None for none; an id that cannot be a
    lot's, such as text or a number out of range, is kept as one that no lot has)."""
    chosen: dict[int, int | None] = {}
    for line in goods_lines(parcel):
        raw = (form_data.get(LOT_FIELD % line.id) or "").strip()
        if not raw:
            chosen[line.id] = None
        elif raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID:
            chosen[line.id] = int(raw)
        else:
            chosen[line.id] = NOT_A_LOT
    return chosen


def lot_problems(parcel, chosen: dict[int, int | None]) -> dict[int, str]:
    """Line id → the message to show next to its lot field (empty when all is well)."""
    try:
        check_shipped_lots(goods_lines(parcel), chosen)
    except LotRefused as refused:
        return {
            line_id: str(LOT_PROBLEMS[why]) for line_id, why in refused.details["problems"].items()
        }
    return {}
