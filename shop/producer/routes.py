"""The producer portal: a producer's parcels of each order, and confirm / ship / deliver.

Staff see only their own producer's parcels, and only once there is something to do (the
order is paid, or accepted for cash on delivery). Every change goes through the producer-order
state machine in ``shop.orders.services``; a change that is no longer allowed (a double submit,
a parcel cancelled meanwhile) is answered with a message, never an error page.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, TooEarlyToShip
from shop.extensions import db
from shop.http import paginate
from shop.invoicing.services import parcel_invoice
from shop.lots.services import record_shipped_lots
from shop.orders.labels import parcel_status_label
from shop.orders.models import (
    VISIBLE_TO,
    EventVisibility,
    Order,
    OrderEvent,
    OrderStatus,
    ProducerOrder,
    ProducerOrderStatus,
)
from shop.orders.services import (
    confirm_producer_order,
    deliver_producer_order,
    ship_producer_order,
)
from shop.producer import bp
from shop.producer.forms import COMMON_CARRIERS, ShipForm
from shop.producer.lots import chosen_lots, lot_choices, lot_problems
from shop.templating import local_today, localdate

log = logging.getLogger(__name__)

PER_PAGE = 50
SEARCH_MAX = 40
# The parcels a producer works on, in the order they move through.
VISIBLE_STATUSES = (
    ProducerOrderStatus.NEW,
    ProducerOrderStatus.CONFIRMED,
    ProducerOrderStatus.SHIPPED,
    ProducerOrderStatus.DELIVERED,
    ProducerOrderStatus.CANCELLED,
)
# Orders whose parcels never reached "new": nothing was ever asked of the producer.
UNPAID_ORDER_STATUSES = (
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.EXPIRED,
    OrderStatus.PAYMENT_FAILED,
)
ACTOR_LABELS = {
    "customer": _l("Customer"),
    "producer": _l("Producer"),
    "admin": _l("OCOP office"),
    "system": _l("Automatic"),
    "demo-provider": _l("Payment provider"),
    "webhook:stripe": _l("Payment provider"),
}


def actor_label(actor: str) -> str:
    return str(ACTOR_LABELS.get(actor, actor))


def _visible_to_staff():
    """The conditions for the signed-in staff member's parcels that have reached "new"."""
    return (
        ProducerOrder.producer_id == current_user.producer_id,
        ProducerOrder.status.in_([str(s) for s in VISIBLE_STATUSES]),
        Order.status.not_in([str(s) for s in UNPAID_ORDER_STATUSES]),
    )


@bp.get("/orders")
@role_required(Role.PRODUCER_STAFF)
def orders():
    status = request.args.get("status", "")
    if status not in VISIBLE_STATUSES:
        status = ""
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    conditions = [*_visible_to_staff()]
    if status:
        conditions.append(ProducerOrder.status == status)
    if q:
        conditions.append(func.upper(Order.reference).contains(q.upper(), autoescape=True))
    listing = paginate(
        select(ProducerOrder)
        .join(ProducerOrder.order)
        .where(*conditions)
        .options(joinedload(ProducerOrder.order))
        .order_by(Order.created_at.desc(), ProducerOrder.id.desc()),
        select(func.count(ProducerOrder.id)).join(ProducerOrder.order).where(*conditions),
        PER_PAGE,
    )
    counts = dict(
        db.session.execute(
            select(ProducerOrder.status, func.count(ProducerOrder.id))
            .join(ProducerOrder.order)
            .where(*_visible_to_staff())
            .group_by(ProducerOrder.status)
        ).all()
    )
    return render_template(
        "producer/orders.html",
        producer=db.session.get(Producer, current_user.producer_id),
        listing=listing,
        statuses=[
            (str(s), parcel_status_label(s), counts.get(str(s), 0)) for s in VISIBLE_STATUSES
        ],
        status=status,
        q=q,
    )


def _load_parcel(parcel_id: int) -> ProducerOrder:
    """The staff member's own parcel, or 404 (another producer's id, or nothing to do yet)."""
    parcel = db.session.scalar(
        select(ProducerOrder)
        .join(ProducerOrder.order)
        .where(ProducerOrder.id == parcel_id, *_visible_to_staff())
        .options(joinedload(ProducerOrder.order), selectinload(ProducerOrder.lines))
    )
    if parcel is None:
        abort(404)
    return parcel


def _render_detail(
    parcel: ProducerOrder,
    ship_form: ShipForm | None = None,
    status: int = 200,
    chosen: dict | None = None,
    lot_errors: dict | None = None,
):
    events = db.session.scalars(
        select(OrderEvent)
        .where(
            OrderEvent.producer_order_id == parcel.id,
            OrderEvent.visibility.in_(VISIBLE_TO[EventVisibility.PRODUCER]),
        )
        .order_by(OrderEvent.created_at, OrderEvent.id)
    ).all()
    return render_template(
        "producer/order_detail.html",
        parcel=parcel,
        order=parcel.order,
        events=events,
        actor_label=actor_label,
        action_form=EmptyForm(),
        ship_form=ship_form or ShipForm(),
        carriers=COMMON_CARRIERS,
        preorder=parcel.ships_from is not None and parcel.ships_from.date() > local_today(),
        lots=lot_choices(parcel),
        chosen_lots=chosen or {},
        lot_errors=lot_errors or {},
        invoice=parcel_invoice(parcel),
    ), status


@bp.get("/orders/<int:parcel_id>")
@role_required(Role.PRODUCER_STAFF)
def order_detail(parcel_id: int):
    return _render_detail(_load_parcel(parcel_id))


NOT_ALLOWED = {
    "confirm": _l("This parcel cannot be confirmed now: it is “%(status)s”."),
    "ship": _l("This parcel cannot be marked shipped now: it is “%(status)s”."),
    "deliver": _l("This parcel cannot be marked delivered now: it is “%(status)s”."),
}
DONE = {
    "confirm": _l("Parcel confirmed. Prepare it and mark it shipped when it leaves."),
    "ship": _l("Parcel marked shipped. The customer has been told by e-mail."),
    "deliver": _l("Parcel marked delivered."),
}


def _refused(action: str, parcel: ProducerOrder) -> None:
    flash(str(NOT_ALLOWED[action]) % {"status": parcel_status_label(parcel.status)}, "error")
    log.info("parcel %s: %s refused in status %s", parcel.id, action, parcel.status)


def _apply(parcel_id: int, action: str, change):
    """Run ``change(parcel)`` in one write transaction and commit once; a transition the state
    machine refuses (a double submit, a parcel cancelled meanwhile) becomes a message."""
    begin_write_transaction(db.session)
    parcel = _load_parcel(parcel_id)
    try:
        change(parcel)
    except TooEarlyToShip as error:
        db.session.rollback()
        flash(
            _(
                "This is a pre-order for %(date)s: it cannot be marked shipped before then. "
                "If it must leave earlier, ask the OCOP office.",
                date=localdate(error.details["ships_from"]),
            ),
            "error",
        )
    except InvalidTransition:
        db.session.rollback()
        _refused(action, _load_parcel(parcel_id))
    else:
        db.session.commit()
        flash(str(DONE[action]), "success")
    return redirect(url_for("producer.order_detail", parcel_id=parcel_id))


@bp.post("/orders/<int:parcel_id>/confirm")
@role_required(Role.PRODUCER_STAFF)
def confirm(parcel_id: int):
    user_id = current_user.id
    return _apply(
        parcel_id, "confirm", lambda parcel: confirm_producer_order(parcel, user_id=user_id)
    )


@bp.post("/orders/<int:parcel_id>/ship")
@role_required(Role.PRODUCER_STAFF)
def ship(parcel_id: int):
    parcel = _load_parcel(parcel_id)
    form = ShipForm()
    # The lot each goods line was shipped from: required for products that say so.
    chosen = chosen_lots(parcel, request.form)
    valid = form.validate_on_submit()
    lot_errors = lot_problems(parcel, chosen)
    if not valid or lot_errors:
        if parcel.status != ProducerOrderStatus.CONFIRMED:
            # The form is not on the page any more (shipped meanwhile): say so, not field errors.
            _refused("ship", parcel)
            return redirect(url_for("producer.order_detail", parcel_id=parcel_id))
        return _render_detail(
            parcel, ship_form=form, status=400, chosen=chosen, lot_errors=lot_errors
        )
    user_id, carrier, tracking = current_user.id, form.carrier.data, form.tracking_number.data

    def ship_with_lots(parcel: ProducerOrder) -> None:
        ship_producer_order(
            parcel,
            carrier=carrier,
            tracking_number=tracking,
            user_id=user_id,
            now=utcnow(),
            today=local_today(),
        )
        record_shipped_lots(parcel.lines, chosen)

    return _apply(parcel_id, "ship", ship_with_lots)


@bp.post("/orders/<int:parcel_id>/deliver")
@role_required(Role.PRODUCER_STAFF)
def deliver(parcel_id: int):
    user_id = current_user.id
    return _apply(
        parcel_id,
        "deliver",
        lambda parcel: deliver_producer_order(parcel, user_id=user_id, now=utcnow()),
    )
