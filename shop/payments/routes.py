"""The Stripe webhook endpoint and the demo provider's payment page."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SubmitField

from shop.db import begin_write_transaction, utcnow
from shop.errors import PaymentNotAllowed
from shop.extensions import csrf, db
from shop.orders.models import Order, OrderStatus
from shop.payments import bp
from shop.payments.groups import demo_decline_group, demo_pay_group, group_payments
from shop.payments.models import Payment, PaymentStatus
from shop.payments.providers import DemoProvider, local_path
from shop.payments.services import demo_decline, demo_pay, find_payment
from shop.payments.stripe_gateway import WebhookSignatureError, parse_webhook
from shop.payments.webhook_shape import MalformedWebhook
from shop.payments.webhooks import handle_stripe_event

log = logging.getLogger(__name__)


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        abort(404)
    payload = request.get_data(cache=False, as_text=False)
    try:
        event = parse_webhook(payload, request.headers.get("Stripe-Signature"), secret)
    except WebhookSignatureError as exc:
        log.warning("stripe webhook rejected: %s", exc)
        return {"error": {"code": "bad_signature", "message": "invalid signature"}}, 400
    except MalformedWebhook as exc:
        log.error("stripe webhook malformed: %s", exc)
        return {"error": {"code": "malformed_event", "message": str(exc)}}, 400
    begin_write_transaction(db.session)
    outcome = handle_stripe_event(event)
    return {"received": True, "outcome": outcome}, 200


class DemoPaymentForm(FlaskForm):
    pay = SubmitField()
    decline = SubmitField()


@dataclass(frozen=True)
class DemoPage:
    """What the demo page is paying: one order's payment, or a group's (several orders on one
    page, ``shop.payments.groups``); ``order`` is then the group's first order, whose access
    token the page's link carries."""

    payment: Payment
    order: Order
    members: tuple[Payment, ...] = ()

    @property
    def amount_vnd(self) -> int:
        if self.members:
            return sum(member.amount_vnd for member in self.members)
        return self.payment.amount_vnd


def _demo_payment(reference: str) -> DemoPage:
    payment = find_payment(DemoProvider.id, reference)
    members: tuple[Payment, ...] = ()
    if payment is None:
        members = tuple(group_payments(DemoProvider.id, reference))
        if not members:
            abort(404)
        payment = members[0]
    order = db.session.get(Order, payment.order_id)
    token = request.args.get("token", "")
    if not hmac.compare_digest(token, order.access_token):
        abort(404)
    return DemoPage(payment, order, members)


@bp.route("/pay/demo/<reference>", methods=["GET", "POST"])
def demo_payment(reference: str):
    """A local stand-in for a payment provider: Pay or Decline, no money moves.

    A POST on a closed attempt (the order expired, failed or was paid another way) is refused
    with 409, whatever the page showed when it was loaded. A group's page (several orders)
    applies the outcome to every order, then goes back where the group was paid from."""
    page = _demo_payment(reference)
    form = DemoPaymentForm()
    if form.validate_on_submit():
        payment_id, order_reference = page.payment.id, page.order.reference
        token = page.order.access_token
        member_ids = [member.id for member in page.members]
        begin_write_transaction(db.session)
        try:
            if member_ids:
                members = [db.session.get(Payment, member_id) for member_id in member_ids]
                outcome = demo_pay_group if form.pay.data else demo_decline_group
                outcome(members, now=utcnow())
            else:
                payment = db.session.get(Payment, payment_id)
                if form.pay.data:
                    demo_pay(payment, now=utcnow())
                else:
                    demo_decline(payment, now=utcnow())
        except PaymentNotAllowed:
            db.session.rollback()
            return _render(form, _demo_payment(reference), closed=True, status=409)
        db.session.commit()
        back = local_path(request.args.get("back", "")) if member_ids else None
        # Back to the shop's order page, as a real provider's return URL does.
        return redirect(
            back or url_for("checkout.order_detail", reference=order_reference, token=token)
        )
    return _render(form, page)


def _render(form, page: DemoPage, *, closed: bool = False, status: int = 200):
    members = page.members or (page.payment,)
    return (
        render_template(
            "payments/demo_payment.html",
            form=form,
            page=page,
            payment=page.payment,
            order=page.order,
            closed=closed,
            back=local_path(request.args.get("back", "")) if page.members else None,
            awaiting=page.order.status == OrderStatus.AWAITING_PAYMENT
            and all(member.status == PaymentStatus.PENDING for member in members),
            paid=all(member.status == PaymentStatus.SUCCEEDED for member in members),
        ),
        status,
    )
