"""The OCOP office's order pages: find any order, see everything about it, refund, cancel, and
clear the "needs review" flag.

Refunds are recorded and committed before they are sent to the provider (DESIGN §5), then
sent and committed again; a refund the provider did not accept stays pending and can be sent
again from the order page (its idempotency key makes that safe). An order paid by bank
transfer is refunded by a transfer the office makes: the refund is recorded pending with the
customer's account and a VietQR code for the banking app, and marked done with the bank's
reference.
"""

from __future__ import annotations

import logging
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm, normalize_phone
from shop.accounts.models import Role, User
from shop.admin import bp
from shop.admin.forms import (
    CancelForm,
    EarlyShippingForm,
    PayeeForm,
    RefundForm,
    ReviewForm,
    TransferredForm,
    UnappliedForm,
    refund_form_for,
    unapplied_form_for,
)
from shop.db import begin_write_transaction
from shop.errors import InvalidTransition, RefundNotAllowed
from shop.extensions import db
from shop.http import paginate
from shop.invoicing.services import order_invoicing
from shop.money import format_vnd
from shop.orders.admin_actions import (
    allow_early_shipping,
    can_allow_early_shipping,
    can_cancel,
    cancel_order,
    mark_reviewed,
)
from shop.orders.labels import order_status_label
from shop.orders.models import Order, OrderStatus
from shop.orders.services import REFUNDABLE_STATUSES, find_order
from shop.payments.bank_statement import received_transfers
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shop.payments.providers import get_provider
from shop.payments.services import (
    mark_refund_transferred,
    record_refund,
    refund_transfer,
    refunds_by_transfer,
    send_refund,
    set_refund_payee,
)
from shop.payments.unapplied import needs_payee, record_unapplied_refund, unapplied_vnd
from shop.templating import local_today

log = logging.getLogger(__name__)

PER_PAGE = 50
SEARCH_MAX = 254
ACTOR_LABELS = {
    "customer": _l("Customer"),
    "producer": _l("Producer"),
    "admin": _l("OCOP office"),
    "system": _l("Automatic"),
    "demo-provider": _l("Payment provider"),
    "webhook:stripe": _l("Payment provider"),
}
PAYMENT_STATUS = {
    "pending": _l("Pending"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
}
_PHONE_CHARACTERS = re.compile(r"[\d\s+().-]+")


def search_condition(q: str):
    """Orders whose reference or e-mail contains ``q`` (any case), or whose phone is ``q``
    however it was typed (``0912 345 678`` finds ``+84912345678``)."""
    matches = [
        func.upper(Order.reference).contains(q.upper(), autoescape=True),
        func.lower(Order.email).contains(q.lower(), autoescape=True),
    ]
    if _PHONE_CHARACTERS.fullmatch(q):
        phone = normalize_phone(q)
        if phone:
            matches.append(Order.phone == phone)
        digits = re.sub(r"\D", "", q).lstrip("0")
        if len(digits) >= 6:  # the end of a number: "345 678"
            matches.append(Order.phone.contains(digits, autoescape=True))
    return or_(*matches)


@bp.get("/orders")
@role_required(Role.ADMIN)
def orders():
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    status = request.args.get("status", "")
    if status not in {str(s) for s in OrderStatus}:
        status = ""
    review = request.args.get("review") == "1"
    conditions = []
    if q:
        conditions.append(search_condition(q))
    if status:
        conditions.append(Order.status == status)
    if review:
        conditions.append(Order.needs_review.is_(True))
    listing = paginate(
        select(Order).where(*conditions).order_by(Order.created_at.desc(), Order.id.desc()),
        select(func.count(Order.id)).where(*conditions),
        PER_PAGE,
    )
    flagged = db.session.scalar(select(func.count(Order.id)).where(Order.needs_review.is_(True)))
    return render_template(
        "admin/orders.html",
        listing=listing,
        statuses=[(str(s), order_status_label(s)) for s in OrderStatus],
        q=q,
        status=status,
        review=review,
        flagged=flagged,
    )


@bp.get("/orders/review")
@role_required(Role.ADMIN)
def review_list():
    """Orders flagged for review (money that arrived for an order that could not take it, an
    amount that did not match…), oldest first, each with why it was flagged."""
    condition = Order.needs_review.is_(True)
    listing = paginate(
        select(Order).where(condition).order_by(Order.updated_at.asc(), Order.id.asc()),
        select(func.count(Order.id)).where(condition),
        PER_PAGE,
    )
    return render_template("admin/review.html", listing=listing)


def _load_order(reference: str) -> Order:
    order = find_order(reference)
    if order is None:
        abort(404)
    return order


def _captured_payment(payments: list[Payment]) -> Payment | None:
    succeeded = [p for p in payments if p.status == PaymentStatus.SUCCEEDED]
    return succeeded[-1] if succeeded else None


def _render_detail(
    order: Order,
    *,
    refund_form: RefundForm | None = None,
    cancel_form: CancelForm | None = None,
    refund_error: str | None = None,
    cancel_error: str | None = None,
    early_form: EarlyShippingForm | None = None,
    refund_form_posted: PayeeForm | TransferredForm | None = None,
    refund_row_error: tuple[int, str] | None = None,
    unapplied_form: UnappliedForm | None = None,
    unapplied_error: str | None = None,
    status: int = 200,
):
    unapplied = unapplied_vnd(order)
    payments = list(
        db.session.scalars(
            select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        ).all()
    )
    refunds = list(
        db.session.scalars(
            select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
        ).all()
    )
    user_ids = {e.actor_id for e in order.events} | {r.created_by_id for r in refunds}
    user_ids.discard(None)
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    parcels = {parcel.id: parcel for parcel in order.producer_orders}
    early_forms = {
        parcel.id: (
            early_form
            if early_form is not None and early_form._prefix == f"early-{parcel.id}-"
            else EarlyShippingForm(prefix=f"early-{parcel.id}", formdata=None)
        )
        for parcel in order.producer_orders
        if can_allow_early_shipping(parcel, local_today())
    }
    captured = _captured_payment(payments)
    invoicing = order_invoicing(order)
    by_transfer = _by_transfer(order)
    transfers = received_transfers(order.id) if by_transfer else []
    received = sum(p.captured_vnd for p in transfers)
    pending_transfers = {}
    for item in refunds:
        if item.status != RefundStatus.PENDING or not refunds_by_transfer(item):
            continue
        forms = {
            "payee": PayeeForm(prefix=f"payee-{item.id}", formdata=None),
            "sent": TransferredForm(prefix=f"sent-{item.id}", formdata=None),
        }
        if item.payee_bin:
            forms["payee"].process(
                formdata=None,
                payee_bin=item.payee_bin,
                payee_account=item.payee_account,
                payee_holder=item.payee_holder,
            )
        posted = refund_form_posted
        for key in ("payee", "sent"):
            if posted is not None and posted._prefix == forms[key]._prefix:
                forms[key] = posted
        forms["transfer"] = refund_transfer(item)
        forms["error"] = (
            refund_row_error[1] if refund_row_error and refund_row_error[0] == item.id else None
        )
        pending_transfers[item.id] = forms
    return render_template(
        "admin/order_detail.html",
        order=order,
        invoices=dict(invoicing["issued"]),
        invoices_waiting=invoicing["waiting"],
        parcels=parcels,
        payments=payments,
        refunds=refunds,
        users=users,
        actor_labels=ACTOR_LABELS,
        payment_status=PAYMENT_STATUS,
        can_refund=captured is not None
        and order.status in REFUNDABLE_STATUSES
        and order.refundable_vnd > 0,
        captured=captured,
        collects_online=get_provider(order.payment_method).collects_online,
        can_cancel=can_cancel(order),
        refund_form=refund_form or refund_form_for(order, by_transfer=by_transfer),
        by_transfer=by_transfer,
        transfers=transfers,
        received_vnd=received,
        due_vnd=max(order.total_vnd - received, 0)
        if order.status == OrderStatus.AWAITING_PAYMENT
        else 0,
        pending_transfers=pending_transfers,
        cancel_form=cancel_form or CancelForm(),
        review_form=ReviewForm(),
        early_forms=early_forms,
        action_form=EmptyForm(),
        refund_error=refund_error,
        cancel_error=cancel_error,
        unapplied_vnd=unapplied,
        unapplied_form=unapplied_form
        or unapplied_form_for(with_payee=needs_payee(order), prefix="unapplied"),
        unapplied_error=unapplied_error,
    ), status


@bp.get("/orders/<reference>")
@role_required(Role.ADMIN)
def order_detail(reference: str):
    return _render_detail(_load_order(reference))


def _by_transfer(order: Order) -> bool:
    """The order is paid, and refunded, by bank transfer."""
    return get_provider(order.payment_method).by_bank_transfer


def _detail_url(reference: str) -> str:
    # "#main": the forms post to "#refund" / "#cancel" so errors show where they were typed;
    # after a redirect the browser would keep that fragment and hide the message at the top.
    return url_for("admin.order_detail", reference=reference, _anchor="main")


# The refund service's refusals by reason (``RefundNotAllowed.details["reason"]``); any other
# means the amounts moved meanwhile.
REFUND_REFUSALS = {
    "no_payment": _l(
        "There is no online payment to refund. Cash-on-delivery money is paid back by "
        "bank transfer, outside the shop."
    ),
    "nothing_left": _l("Everything paid for this order has already been refunded."),
    "no_gateway": _l("Card refunds need Stripe to be configured on this server."),
    "bad_quantity": _l("Refund quantities must be whole numbers of at least 1."),
    "unknown_line": _l("One of the lines to refund is not part of this order."),
    "by_transfer": _l(
        "A bank transfer is paid back by a transfer from the shop's account: enter the "
        "customer's account on the refund."
    ),
    "not_transfer": _l(
        "This payment is paid back through its provider, not by a transfer: record the "
        "refund without an account."
    ),
    "unknown_bank": _l("Choose the customer's bank from the list."),
    "no_payee": _l("Enter the customer's account before recording the transfer."),
    "reference_used": _l("That bank reference is already recorded for another refund."),
    "refund_done": _l("This refund has been paid already."),
    "nothing_unapplied": _l("There is no money left to pay back: it was paid back meanwhile."),
}
REFUND_MOVED = _l(
    "That is more than is left to refund; part of this order may have been refunded "
    "meanwhile. Check the amounts and try again."
)


def _refund_message(error: RefundNotAllowed, order: Order) -> str:
    """The refund service's refusal, in the admin's language."""
    reason = error.details.get("reason")
    if reason == "not_paid":
        return _(
            "Only paid orders can be refunded; this one is “%(status)s”.",
            status=order_status_label(order.status),
        )
    return str(REFUND_REFUSALS.get(reason, REFUND_MOVED))


def _send(refund_id: int) -> bool:
    """Send a recorded refund to its provider and commit; False (with a message) if it failed.

    The refund stays recorded as pending when the provider refuses or cannot be reached.
    """
    begin_write_transaction(db.session)
    refund = db.session.get(Refund, refund_id)
    try:
        send_refund(refund, actor="admin")
    except RefundNotAllowed as error:
        db.session.rollback()
        order = db.session.get(Order, refund.order_id)
        flash(
            _(
                "The refund is recorded but was not sent: %(why)s",
                why=_refund_message(error, order),
            ),
            "error",
        )
        return False
    except Exception:  # the provider's errors (network, declined) must not lose the record
        db.session.rollback()
        log.exception("refund %s could not be sent", refund_id)
        flash(
            _(
                "The refund is recorded but the payment provider did not accept it yet. "
                "Try sending it again in a few minutes."
            ),
            "error",
        )
        return False
    db.session.commit()
    return True


@bp.post("/orders/<reference>/refund")
@role_required(Role.ADMIN)
def refund(reference: str):
    order = _load_order(reference)
    by_transfer = _by_transfer(order)
    form = refund_form_for(order, by_transfer=by_transfer)
    if not form.validate_on_submit():
        return _render_detail(order, refund_form=form, status=400)
    lines = None if form.everything.data else form.quantities()
    reason, admin_id = form.reason.data, current_user.id
    payee = form.payee() if by_transfer else None
    begin_write_transaction(db.session)
    order = _load_order(reference)
    try:
        recorded = record_refund(order, lines=lines, reason=reason, admin_id=admin_id, payee=payee)
    except RefundNotAllowed as error:
        db.session.rollback()
        order = _load_order(reference)
        message = _refund_message(error, order)
        return _render_detail(order, refund_form=form, refund_error=message, status=409)
    refund_id, amount = recorded.id, recorded.amount_vnd
    db.session.commit()
    if by_transfer:
        flash(
            _(
                "Refund of %(amount)s recorded: pay it from the banking app with the code "
                "below, then enter the bank's reference.",
                amount=format_vnd(amount),
            ),
            "success",
        )
        return redirect(url_for("admin.order_detail", reference=reference, _anchor="refunds-h"))
    if _send(refund_id):
        flash(_("Refunded %(amount)s.", amount=format_vnd(amount)), "success")
    return redirect(_detail_url(reference))


@bp.post("/orders/<reference>/refunds/<int:refund_id>/send")
@role_required(Role.ADMIN)
def send_again(reference: str, refund_id: int):
    order = _load_order(reference)
    pending = db.session.scalar(
        select(Refund).where(Refund.id == refund_id, Refund.order_id == order.id)
    )
    if pending is None:
        abort(404)
    if pending.status != RefundStatus.PENDING:
        flash(_("This refund has already been sent."), "info")
    elif refunds_by_transfer(pending):
        flash(_refund_message(RefundNotAllowed("", reason="by_transfer"), order), "error")
    elif _send(refund_id):
        flash(_("Refunded %(amount)s.", amount=format_vnd(pending.amount_vnd)), "success")
    return redirect(_detail_url(reference))


@bp.post("/orders/<reference>/unapplied-refund")
@role_required(Role.ADMIN)
def unapplied_refund(reference: str):
    """Pay back the money the order could not take: card payments through their provider now,
    transfers by the office from its banking app (the rows under "Refunds" then guide it)."""
    order = _load_order(reference)
    form = unapplied_form_for(with_payee=needs_payee(order), prefix="unapplied")
    if not form.validate_on_submit():
        return _render_detail(order, unapplied_form=form, status=400)
    payee = form.payee() if isinstance(form, PayeeForm) else None
    reason, admin_id, order_id = form.unapplied_reason.data, current_user.id, order.id
    begin_write_transaction(db.session)
    try:
        recorded = record_unapplied_refund(order_id, reason=reason, admin_id=admin_id, payee=payee)
    except RefundNotAllowed as error:
        db.session.rollback()
        order = _load_order(reference)
        message = _refund_message(error, order)
        return _render_detail(order, unapplied_form=form, unapplied_error=message, status=409)
    by_card = [r.id for r in recorded if not refunds_by_transfer(r)]
    total = sum(r.amount_vnd for r in recorded)
    db.session.commit()
    results = [_send(refund_id) for refund_id in by_card]  # every one is tried
    sent = all(results)
    if len(by_card) < len(recorded):
        flash(
            _("%(amount)s to pay back recorded: pay the transfer from the banking app with the "
              "code under Refunds, then enter the bank's reference.", amount=format_vnd(total)),
            "success",
        )  # fmt: skip
    elif sent:
        flash(_("Paid back %(amount)s.", amount=format_vnd(total)), "success")
    return redirect(url_for("admin.order_detail", reference=reference, _anchor="refunds-h"))


@bp.post("/orders/<reference>/cancel")
@role_required(Role.ADMIN)
def cancel(reference: str):
    order = _load_order(reference)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_detail(order, cancel_form=form, status=400)
    reason, admin_id = form.reason.data, current_user.id
    begin_write_transaction(db.session)
    order = _load_order(reference)
    refund_id = None
    try:
        cancel_order(order, reason=reason, admin_id=admin_id)
        if order.refundable_vnd > 0:
            # A paid order is refunded in full, recorded in the same transaction as the cancel.
            refund_id = record_refund(order, lines=None, reason=reason, admin_id=admin_id).id
    except (InvalidTransition, RefundNotAllowed) as error:
        db.session.rollback()
        order = _load_order(reference)
        if isinstance(error, RefundNotAllowed):
            message = _refund_message(error, order)
        elif error.details.get("shipped"):
            message = _("A parcel of this order has already shipped, so it cannot be cancelled.")
        else:
            message = _(
                "An order that is “%(status)s” cannot be cancelled.",
                status=order_status_label(order.status),
            )
        return _render_detail(order, cancel_form=form, cancel_error=message, status=409)
    db.session.commit()
    flash(_("Order cancelled and its stock put back on sale."), "success")
    if refund_id is not None and _by_transfer(order):
        flash(
            _("Enter the customer's account on the refund below, then pay it by transfer."),
            "info",
        )
    elif refund_id is not None and _send(refund_id):
        flash(_("The payment has been refunded in full."), "success")
    return redirect(_detail_url(reference))


@bp.post("/orders/<reference>/review")
@role_required(Role.ADMIN)
def review(reference: str):
    _load_order(reference)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(form.note.errors[0] if form.note.errors else _("Please try again."), "error")
        return redirect(_detail_url(reference))
    note, admin_id = form.note.data or None, current_user.id
    begin_write_transaction(db.session)
    order = _load_order(reference)
    try:
        mark_reviewed(order, admin_id=admin_id, note=note)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This order is not flagged for review (any more)."), "info")
    else:
        db.session.commit()
        flash(_("Marked as reviewed."), "success")
    return redirect(_detail_url(reference))


@bp.post("/orders/<reference>/parcels/<int:parcel_id>/allow-early-shipping")
@role_required(Role.ADMIN)
def allow_early_shipping_route(reference: str, parcel_id: int):
    order = _load_order(reference)
    form = EarlyShippingForm(prefix=f"early-{parcel_id}")
    if not form.validate_on_submit():
        return _render_detail(order, early_form=form, status=400)
    reason, admin_id = form.reason.data, current_user.id
    begin_write_transaction(db.session)
    order = _load_order(reference)
    parcel = next((p for p in order.producer_orders if p.id == parcel_id), None)
    if parcel is None:
        abort(404)
    try:
        allow_early_shipping(parcel, reason=reason, admin_id=admin_id, today=local_today())
    except InvalidTransition:
        db.session.rollback()
        flash(_("This parcel is not a pre-order waiting for its date (any more)."), "info")
    else:
        db.session.commit()
        flash(_("The producer may now ship this pre-order parcel."), "success")
    return redirect(_detail_url(reference))


def _pending_refund(order: Order, refund_id: int) -> Refund:
    pending = db.session.scalar(
        select(Refund).where(Refund.id == refund_id, Refund.order_id == order.id)
    )
    if pending is None or not refunds_by_transfer(pending):
        abort(404)
    return pending


@bp.post("/orders/<reference>/refunds/<int:refund_id>/payee")
@role_required(Role.ADMIN)
def refund_payee(reference: str, refund_id: int):
    """The customer's account a refund by transfer goes to (given, or corrected)."""
    order = _load_order(reference)
    _pending_refund(order, refund_id)
    form = PayeeForm(prefix=f"payee-{refund_id}")
    if not form.validate_on_submit():
        return _render_detail(order, refund_form_posted=form, status=400)
    payee = form.payee()
    begin_write_transaction(db.session)
    try:
        set_refund_payee(_pending_refund(order, refund_id), payee)
    except RefundNotAllowed as error:
        db.session.rollback()
        order = _load_order(reference)
        message = (refund_id, _refund_message(error, order))
        return _render_detail(order, refund_form_posted=form, refund_row_error=message, status=409)
    db.session.commit()
    flash(_("The customer's account is recorded: pay the refund with the code."), "success")
    return redirect(url_for("admin.order_detail", reference=reference, _anchor="refunds-h"))


@bp.post("/orders/<reference>/refunds/<int:refund_id>/transferred")
@role_required(Role.ADMIN)
def refund_transferred(reference: str, refund_id: int):
    """The office paid a refund from its banking app: the bank's reference completes it."""
    order = _load_order(reference)
    _pending_refund(order, refund_id)
    form = TransferredForm(prefix=f"sent-{refund_id}")
    if not form.validate_on_submit():
        return _render_detail(order, refund_form_posted=form, status=400)
    bank_reference = form.bank_reference.data
    begin_write_transaction(db.session)
    try:
        done = mark_refund_transferred(
            _pending_refund(order, refund_id), bank_reference=bank_reference, actor="admin"
        )
    except RefundNotAllowed as error:
        db.session.rollback()
        order = _load_order(reference)
        message = (refund_id, _refund_message(error, order))
        return _render_detail(order, refund_form_posted=form, refund_row_error=message, status=409)
    db.session.commit()
    if done:
        flash(_("The refund is recorded as paid."), "success")
    else:
        flash(_("This refund has already been sent."), "info")
    return redirect(_detail_url(reference))
