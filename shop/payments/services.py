"""Starting payments, recording their outcome, and refunds — for every provider.

Providers report outcomes through ``payment_succeeded`` / ``payment_failed`` /
``payment_expired``: the Stripe webhook, and the demo provider's Pay and Decline buttons, call
the very same functions. Nothing here commits; the webhook handler or route does, once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update

from shop.errors import InvalidTransition, PaymentNotAllowed, RefundNotAllowed
from shop.extensions import db
from shop.orders.emails import queue_order_email
from shop.orders.models import Order, OrderLine, OrderStatus, PaymentMethod
from shop.orders.services import expire_order, mark_paid, mark_payment_failed
from shop.orders.state import transition_order
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shop.payments.stripe_gateway import CheckoutLine, StripeGateway

log = logging.getLogger(__name__)

STRIPE_MIN_VND = 20_000
STRIPE_MAX_VND = 99_999_999


@dataclass(frozen=True)
class ReturnUrls:
    success: str
    cancel: str


def check_stripe_amount(total_vnd: int) -> None:
    if total_vnd < STRIPE_MIN_VND or total_vnd > STRIPE_MAX_VND:
        raise PaymentNotAllowed(
            "card payments take totals from 20.000 ₫ to 99.999.999 ₫",
            minimum=STRIPE_MIN_VND,
            maximum=STRIPE_MAX_VND,
        )


def _next_idempotency_key(order: Order) -> str:
    attempts = db.session.scalar(select(func.count(Payment.id)).where(Payment.order_id == order.id))
    return f"order-{order.reference}-attempt-{(attempts or 0) + 1}"


def start_stripe_payment(order: Order, *, gateway: StripeGateway, urls: ReturnUrls) -> Payment:
    """Create a hosted Checkout Session for the order; the payment row is recorded first."""
    if order.status != OrderStatus.AWAITING_PAYMENT or order.expires_at is None:
        raise PaymentNotAllowed("this order is not waiting for payment")
    check_stripe_amount(order.total_vnd)
    payment = Payment(
        order_id=order.id,
        provider=PaymentMethod.STRIPE,
        idempotency_key=_next_idempotency_key(order),
        amount_vnd=order.total_vnd,
        currency="vnd",
        status=PaymentStatus.PENDING,
    )
    db.session.add(payment)
    db.session.flush()
    lines = [
        CheckoutLine(name=line.name, unit_amount_vnd=line.unit_price_vnd, quantity=line.quantity)
        for line in order.lines
    ]
    if order.delivery_vnd:
        label = "Phí giao hàng" if order.locale == "vi" else "Delivery"
        lines.append(CheckoutLine(name=label, unit_amount_vnd=order.delivery_vnd, quantity=1))
    session = gateway.create_checkout_session(
        order_reference=order.reference,
        lines=lines,
        customer_email=order.email,
        locale=order.locale,
        expires_at=int(order.expires_at.timestamp()),
        success_url=urls.success,
        cancel_url=urls.cancel,
        idempotency_key=payment.idempotency_key,
    )
    payment.provider_reference = session.id
    payment.redirect_url = session.url
    db.session.flush()
    return payment


def start_demo_payment(order: Order) -> Payment:
    """The demo provider: a local page with Pay and Decline; no money moves."""
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise PaymentNotAllowed("this order is not waiting for payment")
    key = _next_idempotency_key(order)
    payment = Payment(
        order_id=order.id,
        provider=PaymentMethod.DEMO,
        provider_reference=f"demo_{key}",
        idempotency_key=key,
        amount_vnd=order.total_vnd,
        currency="vnd",
        status=PaymentStatus.PENDING,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def find_payment(provider: str, provider_reference: str) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(
            Payment.provider == provider, Payment.provider_reference == provider_reference
        )
    )


def _set_payment_status(
    payment: Payment, status: PaymentStatus, *, from_statuses=(PaymentStatus.PENDING,), **values
) -> bool:
    result = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_(from_statuses))
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(payment)
    return result.rowcount == 1


def payment_succeeded(
    payment: Payment,
    *,
    amount_vnd: int,
    currency: str,
    actor: str,
    provider_payment_id: str | None = None,
) -> bool:
    """The provider took the money. Marks the order paid when the amount matches (else flags
    it for review and raises ``PaymentMismatch``). Returns whether anything changed."""
    order = db.session.get(Order, payment.order_id)
    # Money taken is a fact even after the session expired or failed locally: record it, and
    # let mark_paid flag the order for review if it can no longer be paid.
    changed = _set_payment_status(
        payment,
        PaymentStatus.SUCCEEDED,
        from_statuses=(PaymentStatus.PENDING, PaymentStatus.EXPIRED, PaymentStatus.FAILED),
        captured_vnd=amount_vnd,
        provider_payment_id=provider_payment_id or payment.provider_payment_id,
    )
    if not changed:
        return False
    return mark_paid(order, amount_vnd=amount_vnd, currency=currency, actor=actor)


def payment_failed(payment: Payment, *, actor: str, reason: str | None = None) -> bool:
    order = db.session.get(Order, payment.order_id)
    if not _set_payment_status(payment, PaymentStatus.FAILED):
        return False
    return mark_payment_failed(order, actor=actor, reason=reason)


def payment_expired(payment: Payment, *, actor: str) -> bool:
    order = db.session.get(Order, payment.order_id)
    if not _set_payment_status(payment, PaymentStatus.EXPIRED):
        return False
    return expire_order(order, reason=f"{actor}: checkout session expired")


# --- refunds -------------------------------------------------------------------------------


def plan_refund(order: Order, lines: dict[int, int] | None) -> tuple[int, dict[int, int]]:
    """The amount for refunding ``lines`` ({line id: quantity}); None means everything left."""
    by_id = {line.id: line for line in order.lines}
    if lines is None:
        return order.refundable_vnd, {
            line.id: line.quantity - line.refunded_quantity
            for line in order.lines
            if line.quantity > line.refunded_quantity
        }
    amount = 0
    for line_id, quantity in lines.items():
        line = by_id.get(line_id)
        if line is None:
            raise RefundNotAllowed("that line is not part of this order", reason="unknown_line")
        if quantity < 1 or quantity > line.quantity - line.refunded_quantity:
            raise RefundNotAllowed(
                f"at most {line.quantity - line.refunded_quantity} of {line.name} can be refunded",
                reason="too_much",
            )
        amount += line.unit_price_vnd * quantity
    return amount, dict(lines)


def record_refund(
    order: Order, *, lines: dict[int, int] | None, reason: str, admin_id: int | None
) -> Refund:
    """Record a refund (pending) before anything is sent to the provider.

    Never more than was paid: the order's refunded total and each line's refunded quantity are
    raised with conditional updates, so two admins refunding at once cannot overshoot.
    """
    if order.status not in (
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
    ):
        raise RefundNotAllowed("only paid orders can be refunded", reason="not_paid")
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.order_id == order.id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.id.desc())
    )
    if payment is None:
        # Cash-on-delivery money is paid back by bank transfer, outside the platform.
        raise RefundNotAllowed("no captured online payment to refund", reason="no_payment")
    amount, quantities = plan_refund(order, lines)
    if amount <= 0:
        raise RefundNotAllowed("nothing left to refund", reason="nothing_left")
    raised = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_vnd + amount <= Order.paid_vnd)
        .values(refunded_vnd=Order.refunded_vnd + amount)
        .execution_options(synchronize_session=False)
    )
    if raised.rowcount != 1:
        raise RefundNotAllowed("that is more than was paid and not yet refunded", reason="too_much")
    for line_id, quantity in quantities.items():
        result = db.session.execute(
            update(OrderLine)
            .where(
                OrderLine.id == line_id,
                OrderLine.refunded_quantity + quantity <= OrderLine.quantity,
            )
            .values(refunded_quantity=OrderLine.refunded_quantity + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise RefundNotAllowed("that line was refunded meanwhile", reason="too_much")
    refund = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount_vnd=amount,
        lines_json=json.dumps(quantities, sort_keys=True),
        reason=reason,
        status=RefundStatus.PENDING,
        created_by_id=admin_id,
    )
    db.session.add(refund)
    db.session.flush()
    db.session.refresh(order)
    return refund


def complete_refund(refund: Refund, *, provider_reference: str, actor: str) -> None:
    """The provider accepted the refund: record it and move the order's status."""
    result = db.session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.PENDING)
        .values(status=RefundStatus.SUCCEEDED, provider_reference=provider_reference)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return
    db.session.refresh(refund)
    order = db.session.get(Order, refund.order_id)
    db.session.refresh(order)
    target = (
        OrderStatus.REFUNDED
        if order.refunded_vnd >= order.paid_vnd
        else OrderStatus.PARTIALLY_REFUNDED
    )
    queue_order_email(order, "refunded", amount_vnd=refund.amount_vnd)
    try:
        transition_order(order, target, actor=actor, reason=refund.reason)
    except InvalidTransition:
        log.warning(
            "order %s: refund %s recorded without status change", order.reference, refund.id
        )


def send_refund(refund: Refund, *, gateway: StripeGateway | None, actor: str) -> None:
    """Send a recorded refund to its provider with an idempotency key of its own."""
    payment = db.session.get(Payment, refund.payment_id)
    if payment.provider == PaymentMethod.STRIPE:
        if gateway is None or not payment.provider_payment_id:
            raise RefundNotAllowed("Stripe is not configured for this refund", reason="no_gateway")
        reference = gateway.refund(
            payment_intent=payment.provider_payment_id,
            amount_vnd=refund.amount_vnd,
            idempotency_key=f"refund-{refund.id}",
            metadata={"order_id": str(refund.order_id), "refund_id": str(refund.id)},
        )
    else:  # demo: nothing to send
        reference = f"demo_refund_{refund.id}"
    complete_refund(refund, provider_reference=reference, actor=actor)


def record_external_refund(*, payment_intent: str, amount_refunded_vnd: int, actor: str) -> None:
    """``charge.refunded``: Stripe's total refunded for a payment. Refunds we sent are already
    recorded; any amount beyond them (refunded from the Stripe dashboard) is recorded here."""
    payment = db.session.scalar(
        select(Payment).where(
            Payment.provider == PaymentMethod.STRIPE,
            Payment.provider_payment_id == payment_intent,
        )
    )
    if payment is None:
        return
    known = db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_vnd), 0)).where(
            Refund.payment_id == payment.id, Refund.status != RefundStatus.FAILED
        )
    )
    extra = amount_refunded_vnd - known
    if extra <= 0:
        return
    order = db.session.get(Order, payment.order_id)
    raised = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_vnd + extra <= Order.paid_vnd)
        .values(refunded_vnd=Order.refunded_vnd + extra)
        .execution_options(synchronize_session=False)
    )
    if raised.rowcount != 1:
        log.error("order %s: Stripe reports more refunded than was paid", order.reference)
        return
    refund = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount_vnd=extra,
        reason="refunded outside the shop (Stripe dashboard)",
        status=RefundStatus.PENDING,
    )
    db.session.add(refund)
    db.session.flush()
    complete_refund(
        refund, provider_reference=f"external-{payment_intent}-{amount_refunded_vnd}", actor=actor
    )
