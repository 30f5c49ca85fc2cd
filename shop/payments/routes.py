"""The Stripe webhook endpoint and the demo provider's payment page."""

from __future__ import annotations

import hmac
import logging

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SubmitField

from shop.db import begin_write_transaction, utcnow
from shop.errors import PaymentNotAllowed
from shop.extensions import csrf, db
from shop.orders.models import Order, OrderStatus
from shop.payments import bp
from shop.payments.models import Payment, PaymentStatus
from shop.payments.providers import DemoProvider
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


def _demo_payment(reference: str) -> tuple[Payment, Order]:
    payment = find_payment(DemoProvider.id, reference)
    if payment is None:
        abort(404)
    order = db.session.get(Order, payment.order_id)
    token = request.args.get("token", "")
    if not hmac.compare_digest(token, order.access_token):
        abort(404)
    return payment, order


@bp.route("/pay/demo/<reference>", methods=["GET", "POST"])
def demo_payment(reference: str):
    """A local stand-in for a payment provider: Pay or Decline, no money moves.

    A POST on a closed attempt (the order expired, failed or was paid another way) is refused
    with 409, whatever the page showed when it was loaded."""
    payment, order = _demo_payment(reference)
    form = DemoPaymentForm()
    if form.validate_on_submit():
        payment_id, order_reference, token = payment.id, order.reference, order.access_token
        begin_write_transaction(db.session)
        payment = db.session.get(Payment, payment_id)
        try:
            if form.pay.data:
                demo_pay(payment, now=utcnow())
            else:
                demo_decline(payment, now=utcnow())
        except PaymentNotAllowed:
            db.session.rollback()
            payment, order = _demo_payment(reference)
            return _render(form, payment, order, closed=True, status=409)
        db.session.commit()
        # Back to the shop's order page, as a real provider's return URL does.
        return redirect(url_for("checkout.order_detail", reference=order_reference, token=token))
    return _render(form, payment, order)


def _render(form, payment: Payment, order: Order, *, closed: bool = False, status: int = 200):
    return (
        render_template(
            "payments/demo_payment.html",
            form=form,
            payment=payment,
            order=order,
            closed=closed,
            awaiting=order.status == OrderStatus.AWAITING_PAYMENT
            and payment.status == PaymentStatus.PENDING,
        ),
        status,
    )
