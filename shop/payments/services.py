"""Payment attempts, their outcomes, and refunds — for every provider.

Starting a payment is three steps, so that no provider is ever called inside a write
transaction: ``open_attempt`` records a pending attempt (its idempotency key comes from the
committed order and attempt number) and the caller commits; the provider is called with plain
data; ``attempt_started`` / ``attempt_not_started`` record its answer in a new transaction.

Outcomes (``payment_succeeded`` / ``payment_failed`` / ``payment_expired``) come from the Stripe
webhook, the demo page and the expiry job alike. Each one locks the order row first
(``lock_order``: its status is re-read under the transaction), then makes one compare-and-set on
the payment and, where the order moves, one on the order. Money that arrives for an order that
can no longer take it is recorded on the payment and the order is flagged for review.
Nothing here commits; the route, webhook handler or job does, once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import exists, func, select, update

from shop.banking import vietqr
from shop.banking.banks import Bank, bank_for
from shop.catalog.models import Product
from shop.db import utcnow
from shop.errors import PaymentNotAllowed, RefundNotAllowed
from shop.extensions import db
from shop.lines import LineKind
from shop.notify import after_commit
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.services import (
    REFUNDABLE_STATUSES,
    apply_refund,
    expire_order,
    flag_for_review,
    lock_order,
    mark_paid,
    payment_attempt_failed,
    plan_refund,
    refund_completed,
)
from shop.orders.signals import order_paid, order_released
from shop.payments.models import Payment, PaymentStatus, Refund, RefundKind, RefundStatus
from shop.payments.providers import (
    ProviderError,
    RefundRequest,
    StartedPayment,
    StartRequest,
    Subject,
    get_provider,
)
from shop.payments.stripe_gateway import CheckoutLine
from shop.tourism.models import ExperienceSession

log = logging.getLogger(__name__)

S = PaymentStatus
# Money taken is a fact even after an attempt expired or failed locally: a late success is
# recorded (and the order flagged if it can no longer be paid). Nothing leaves "succeeded".
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SUCCEEDED, S.FAILED, S.EXPIRED}),
    S.FAILED: frozenset({S.SUCCEEDED}),
    S.EXPIRED: frozenset({S.SUCCEEDED}),
    S.SUCCEEDED: frozenset(),
}


def payment_subject(order: Order) -> Subject:
    """What the providers' ``is_allowed`` looks at, for a placed order."""
    has_preorder = db.session.scalar(
        select(
            exists().where(
                OrderLine.order_id == order.id,
                OrderLine.product_id == Product.id,
                Product.preorder.is_(True),
            )
        )
    )
    first_session_at = db.session.scalar(
        select(func.min(ExperienceSession.starts_at)).where(
            OrderLine.order_id == order.id,
            OrderLine.kind == LineKind.SEATS,
            ExperienceSession.id == OrderLine.session_id,
        )
    )
    return Subject(
        total_vnd=order.total_vnd,
        has_preorder=bool(has_preorder),
        has_bookings=first_session_at is not None,
        first_session_at=first_session_at,
        due_at=order.expires_at,
    )


def check_payment_allowed(order: Order) -> None:
    """Raise ``PaymentNotAllowed`` unless the order's provider accepts it (the checkout calls
    this in the transaction that places the order, so a refusal places nothing)."""
    get_provider(order.payment_method).check_allowed(payment_subject(order))


# --- starting a payment attempt --------------------------------------------------------------


def open_attempt(
    order_id: int, *, now: datetime, success_url: str, cancel_url: str
) -> StartRequest | None:
    """Record a new pending attempt for an order awaiting payment whose reservation still holds,
    and return what the provider needs (plain data, usable after the commit). None when the
    order's provider collects the money outside the shop (cash on delivery) or waits for the
    buyer's bank transfer (nothing to open)."""
    order = lock_order(order_id)
    provider = get_provider(order.payment_method)
    if not provider.collects_online or not provider.starts_attempts:
        return None
    if not reservation_holds(order, now):
        raise PaymentNotAllowed("this order is not waiting for payment", reason="closed")
    provider.check_allowed(payment_subject(order))
    _refuse_a_second_open_attempt(order, now)
    attempts = db.session.scalar(select(func.count(Payment.id)).where(Payment.order_id == order.id))
    payment = Payment(
        order_id=order.id,
        provider=provider.id,
        idempotency_key=f"order-{order.reference}-attempt-{(attempts or 0) + 1}",
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
    return StartRequest(
        provider=provider.id,
        payment_id=payment.id,
        idempotency_key=payment.idempotency_key,
        order_reference=order.reference,
        access_token=order.access_token,
        email=order.email,
        locale=order.locale,
        amount_vnd=order.total_vnd,
        expires_at=_aware(order.expires_at),
        lines=tuple(lines),
        success_url=success_url,
        cancel_url=cancel_url,
    )


def attempt_started(payment_id: int, started: StartedPayment) -> bool:
    """Record the provider's session for a pending attempt; False if it was closed meanwhile
    (an outcome or the expiry job got there first)."""
    result = db.session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status == PaymentStatus.PENDING,
            Payment.provider_reference.is_(None),
        )
        .values(provider_reference=started.provider_reference, redirect_url=started.redirect_url)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# An attempt still waiting for its provider's answer (no payment page yet) this long after it was
# opened is taken as lost, and another may be opened.
ATTEMPT_START_GRACE = timedelta(minutes=2)


def _refuse_a_second_open_attempt(order: Order, now: datetime) -> None:
    """Called under the order's lock: "Try again" pressed twice, or in two tabs, must not open two
    payment pages for one order (both could be paid). Refuses with ``reason="attempt_open"`` and
    the open attempt's page, if it has one yet."""
    pending = db.session.scalar(
        select(Payment)
        .where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
        .order_by(Payment.id.desc())
    )
    if pending is None:
        return
    if pending.redirect_url is None and _aware(pending.created_at) < now - ATTEMPT_START_GRACE:
        return
    raise PaymentNotAllowed(
        "a payment attempt is already open",
        reason="attempt_open",
        redirect_url=pending.redirect_url,
    )


def attempt_not_started(payment_id: int) -> bool:
    """The provider failed before taking any money: close the attempt (the order keeps its
    reservation and the shopper can try again)."""
    payment = db.session.get(Payment, payment_id)
    lock_order(payment.order_id)
    return _set_payment_status(payment, PaymentStatus.FAILED)


def open_payment(order: Order) -> Payment | None:
    """The attempt the shopper can still pay (opened at the provider and pending), if any."""
    return db.session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.status == PaymentStatus.PENDING,
            Payment.redirect_url.is_not(None),
        )
        .order_by(Payment.id.desc())
    )


def latest_payment(order: Order) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc())
    )


def find_payment(provider: str, provider_reference: str) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(
            Payment.provider == provider, Payment.provider_reference == provider_reference
        )
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reservation_holds(order: Order, now: datetime) -> bool:
    """The order waits for payment and its stock reservation has not lapsed."""
    return (
        order.status == OrderStatus.AWAITING_PAYMENT
        and order.expires_at is not None
        and _aware(order.expires_at) > now
    )


# --- outcomes --------------------------------------------------------------------------------


def _set_payment_status(payment: Payment, status: PaymentStatus, **values) -> bool:
    """Compare-and-set on the payment along ``PAYMENT_TRANSITIONS``; False if another outcome
    moved it first (or the table does not allow it)."""
    sources = [s for s, targets in PAYMENT_TRANSITIONS.items() if status in targets]
    result = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_(sources))
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
    switch_method: bool = False,
) -> bool:
    """The provider took the money: record it on the payment, then mark the order paid — or,
    if the order can no longer take it (already paid, expired, failed, cancelled) or the amount
    differs, flag the order for review (``PaymentMismatch`` is raised for a wrong amount).
    Returns whether the order was paid now.

    ``switch_method``: the order was placed for another way of paying (a gift batch's order
    paid by card with its batch): once paid, its payment method is this payment's provider."""
    order = lock_order(payment.order_id)
    if not _set_payment_status(
        payment,
        PaymentStatus.SUCCEEDED,
        captured_vnd=amount_vnd,
        provider_payment_id=provider_payment_id or payment.provider_payment_id,
    ):
        return False  # this attempt's success was already recorded
    return mark_paid(
        order,
        amount_vnd=amount_vnd,
        currency=currency,
        actor=actor,
        payment_method=payment.provider if switch_method else None,
    )


def payment_failed(payment: Payment, *, actor: str, reason: str | None = None) -> bool:
    """The attempt was declined or failed: the order keeps its reservation (the shopper may try
    again until it lapses) and the customer is told. Returns whether the payment changed."""
    order = lock_order(payment.order_id)
    if not _set_payment_status(payment, PaymentStatus.FAILED):
        return False
    log.info("payment %s of order %s failed (%s): %s", payment.id, order.reference, actor, reason)
    payment_attempt_failed(order)
    return True


def payment_expired(payment: Payment, *, actor: str, now: datetime | None = None) -> bool:
    """The provider closed the attempt unpaid. The order expires (releasing its stock) only when
    its reservation has lapsed and no other attempt is still open; an order paid through another
    attempt is left alone."""
    order = lock_order(payment.order_id)
    if not _set_payment_status(payment, PaymentStatus.EXPIRED):
        return False
    now = now or utcnow()
    lapsed = order.expires_at is not None and _aware(order.expires_at) <= now
    others_open = db.session.scalar(
        select(
            exists().where(
                Payment.order_id == order.id,
                Payment.id != payment.id,
                Payment.status == PaymentStatus.PENDING,
            )
        )
    )
    if order.status == OrderStatus.AWAITING_PAYMENT and lapsed and not others_open:
        expire_order(order, reason=f"{actor}: checkout session expired")
    return True


@order_released.connect
def _close_open_attempts(_sender, order_id: int, **_extra) -> None:
    """The order expired or failed: its pending attempts expire with it (a late success on one
    of them is still recorded, and flags the order)."""
    close_attempts(order_id)


@order_paid.connect
def _close_other_attempts(_sender, order_id: int, **_extra) -> None:
    """The order is paid (by one attempt, or by transfer): another page still open for it must
    not take its money a second time."""
    close_attempts(order_id)


def close_attempts(order_id: int) -> int:
    """Expire the order's pending attempts — for one that pays a group of orders, every
    attempt of its group (its page is for all of them at once: it must not take money for an
    order that no longer waits; the others stay payable by a new page or by transfer) — and
    have the providers close those pages once this commits (``shop.jobs.close_payment_pages``).
    One conditional update per group, so two orders of a group released at once lock its rows
    in the same order. A success that still arrives is recorded (expired → succeeded). Returns
    how many payments were closed."""
    pending = db.session.execute(
        select(Payment.provider, Payment.provider_reference, Payment.group_reference).where(
            Payment.order_id == order_id, Payment.status == PaymentStatus.PENDING
        )
    ).all()
    if not pending:
        return 0
    closed = _expire_where(Payment.order_id == order_id, Payment.group_reference.is_(None))
    pages: dict[str, set[str]] = {}
    for provider, reference, group in pending:
        if group is not None:
            closed += _expire_where(Payment.provider == provider, Payment.group_reference == group)
        if group or reference:
            pages.setdefault(provider, set()).add(group or reference)
    for provider, sessions in sorted(pages.items()):
        if get_provider(provider).closes_pages:
            after_commit(db.session, partial(_close_pages, provider, sorted(sessions)))
    return closed


def _expire_where(*conditions) -> int:
    return (
        db.session.execute(
            update(Payment)
            .where(Payment.status == PaymentStatus.PENDING, *conditions)
            .values(status=PaymentStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _close_pages(provider_id: str, sessions: list[str]) -> None:
    from shop.jobs import close_payment_pages

    close_payment_pages(provider_id, sessions)


def close_provider_pages(provider_id: str, sessions: list[str]) -> int:
    """Ask the provider to close these payment pages; a page it will not close (paid or closed
    already, or the provider unreachable) is logged: its money, if any, still arrives by
    webhook and is recorded. Returns how many were closed."""
    provider = get_provider(provider_id)
    closed = 0
    for session_id in sessions:
        try:
            closed += provider.close_page(session_id)
        except ProviderError as exc:
            log.info("%s page %s not closed: %s", provider_id, session_id, exc)
    return closed


def _open_demo_attempt(payment: Payment, now: datetime) -> Order:
    order = lock_order(payment.order_id)
    db.session.refresh(payment)
    if payment.status != PaymentStatus.PENDING or not reservation_holds(order, now):
        raise PaymentNotAllowed("this payment is closed", reason="closed")
    return order


def demo_pay(payment: Payment, *, now: datetime) -> bool:
    """The demo page's Pay: no money moves, so a closed attempt or an order that is no longer
    waiting (expired, failed, paid) is refused rather than recorded."""
    _open_demo_attempt(payment, now)
    return payment_succeeded(
        payment, amount_vnd=payment.amount_vnd, currency="vnd", actor="demo-provider"
    )


def demo_decline(payment: Payment, *, now: datetime) -> bool:
    _open_demo_attempt(payment, now)
    return payment_failed(payment, actor="demo-provider", reason="declined on the demo page")


# --- refunds -------------------------------------------------------------------------------


def record_refund(
    order: Order,
    *,
    lines: dict[int, int] | None,
    reason: str,
    admin_id: int | None,
    amount_vnd: int | None = None,
    payee: Payee | None = None,
) -> Refund:
    """Record a refund (pending) before anything is sent to the provider. The order's refunded
    total and lines are raised by the orders domain (``apply_refund``), which refuses anything
    beyond what was paid.

    ``amount_vnd`` pays back less than the lines are worth (a booking cancelled under a 50 %
    rule): the lines count as refunded, the money is that amount, never more than the lines."""
    if order.status not in REFUNDABLE_STATUSES:
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
    if amount_vnd is not None:
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd > amount:
            raise RefundNotAllowed("more than the lines are worth", reason="too_much")
        amount = amount_vnd
    if amount <= 0:
        raise RefundNotAllowed("nothing left to refund", reason="nothing_left")
    apply_refund(order, amount_vnd=amount, lines=quantities)
    refund = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount_vnd=amount,
        lines_json=json.dumps(quantities, sort_keys=True),
        reason=reason,
        status=RefundStatus.PENDING,
        created_by_id=admin_id,
    )
    if payee is not None:
        _check_by_transfer(payment)
        set_payee(refund, payee)
    db.session.add(refund)
    db.session.flush()
    return refund


# --- refunds paid back by bank transfer ---------------------------------------------------------


@dataclass(frozen=True)
class Payee:
    """The customer's account a refund by transfer goes to (the form checked its shape)."""

    bank_bin: str
    account: str
    holder: str


@dataclass(frozen=True)
class RefundTransfer:
    """What the office's banking app needs to pay a refund: the VietQR code of the transfer."""

    bank: Bank
    account: str
    holder: str
    amount_vnd: int
    purpose: str
    payload: str
    svg: str


def refunds_by_transfer(refund: Refund) -> bool:
    """Whether the refund is paid back by a transfer from the office (its payment came by one)."""
    return get_provider(refund.payment.provider).by_bank_transfer


def _check_by_transfer(payment: Payment) -> None:
    if not get_provider(payment.provider).by_bank_transfer:
        raise RefundNotAllowed("this payment is refunded by its provider", reason="not_transfer")


def set_payee(refund: Refund, payee: Payee) -> None:
    if bank_for(payee.bank_bin) is None:
        raise RefundNotAllowed("not a bank of the NAPAS table", reason="unknown_bank")
    refund.payee_bin = payee.bank_bin
    refund.payee_account = payee.account
    refund.payee_holder = payee.holder


def set_refund_payee(refund: Refund, payee: Payee) -> None:
    """Give (or correct) the account a pending refund by transfer goes to. Flushes."""
    _check_by_transfer(refund.payment)
    lock_order(refund.order_id)
    db.session.refresh(refund)
    if refund.status != RefundStatus.PENDING:
        raise RefundNotAllowed("this refund has been paid already", reason="refund_done")
    set_payee(refund, payee)
    db.session.flush()


def refund_purpose(order: Order) -> str:
    """The note of a refund transfer: ``HOAN OCM-2026-000123`` (ASCII, VietQR's 25)."""
    return vietqr.purpose_text(f"HOAN {order.reference}")


def refund_transfer(refund: Refund) -> RefundTransfer | None:
    """The transfer that pays a pending refund by transfer back, once its payee is known."""
    if refund.status != RefundStatus.PENDING or refund.payee_bin is None:
        return None
    bank = bank_for(refund.payee_bin)
    if bank is None:
        return None
    purpose = refund_purpose(db.session.get(Order, refund.order_id))
    payload = vietqr.build_payload(
        bin=bank.bin, account=refund.payee_account, amount_vnd=refund.amount_vnd, purpose=purpose
    )
    return RefundTransfer(
        bank=bank,
        account=refund.payee_account,
        holder=refund.payee_holder,
        amount_vnd=refund.amount_vnd,
        purpose=purpose,
        payload=payload,
        svg=vietqr.svg(payload, title=purpose),
    )


def mark_refund_transferred(refund: Refund, *, bank_reference: str, actor: str) -> bool:
    """The office paid a refund by transfer: record the bank's reference and let the order
    move on (``complete_refund``). False if it was recorded already. Flushes."""
    _check_by_transfer(refund.payment)
    lock_order(refund.order_id)
    db.session.refresh(refund)
    if refund.status != RefundStatus.PENDING:
        return False
    if refund.payee_bin is None:
        raise RefundNotAllowed("the customer's account is not known yet", reason="no_payee")
    used = db.session.scalar(
        select(Refund.id).where(Refund.provider_reference == bank_reference, Refund.id != refund.id)
    )
    if used is not None:
        raise RefundNotAllowed("that bank reference is recorded already", reason="reference_used")
    complete_refund(refund, provider_reference=bank_reference, actor=actor)
    return True


def complete_refund(refund: Refund, *, provider_reference: str, actor: str) -> None:
    """The provider accepted the refund: record it and let the order move on."""
    result = db.session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.PENDING)
        .values(status=RefundStatus.SUCCEEDED, provider_reference=provider_reference)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return
    db.session.refresh(refund)
    if refund.kind == RefundKind.UNAPPLIED:
        from shop.payments.unapplied import unapplied_refund_completed

        unapplied_refund_completed(refund, actor=actor)
        return
    order = db.session.get(Order, refund.order_id)
    refund_completed(order, amount_vnd=refund.amount_vnd, actor=actor, reason=refund.reason)


def send_refund(refund: Refund, *, actor: str) -> None:
    """Send a recorded refund through its payment's provider, with an idempotency key of its
    own (``refund-<id>``), and record the answer. A refund of a bank transfer is not sent: it
    waits, flagged for the office, until the office pays it from its banking app."""
    payment = db.session.get(Payment, refund.payment_id)
    if get_provider(payment.provider).by_bank_transfer:
        flag_for_review(
            lock_order(refund.order_id),
            f"refund of {refund.amount_vnd} VND to pay back by bank transfer",
        )
        return
    reference = get_provider(payment.provider).refund(
        RefundRequest(
            refund_id=refund.id,
            order_id=refund.order_id,
            amount_vnd=refund.amount_vnd,
            provider_payment_id=payment.provider_payment_id,
        )
    )
    complete_refund(refund, provider_reference=reference, actor=actor)


def record_external_refund(
    *, payment_intent: str, amount_refunded_vnd: int, actor: str, provider: str = "stripe"
) -> None:
    """A provider's total refunded for a payment (Stripe ``charge.refunded``). Refunds we sent
    are already recorded; any amount beyond them (refunded from the provider's dashboard) is
    recorded here, or flagged for review when it is more than the order has left.

    A payment shared by several orders (a gift batch paid by card: one PaymentIntent, a payment
    per order) counts the refunds of all of them; money refunded beyond them cannot be put on
    one order by the shop, so the first order is flagged for a person to record it."""
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.provider == provider, Payment.provider_payment_id == payment_intent)
        .order_by(Payment.order_id, Payment.id)
    ).all()
    if not payments:
        return
    known = db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_vnd), 0)).where(
            Refund.payment_id.in_([p.id for p in payments]),
            Refund.status != RefundStatus.FAILED,
        )
    )
    extra = amount_refunded_vnd - known
    if extra <= 0:
        return
    payment = payments[0]
    order = lock_order(payment.order_id)
    if len(payments) > 1:
        flag_for_review(
            order,
            f"the provider refunded {extra} VND outside the shop from a card payment of "
            f"{len(payments)} orders: record it on the order it was for",
        )
        return
    try:
        apply_refund(order, amount_vnd=extra, lines={})
    except RefundNotAllowed as error:
        flag_for_review(
            order, f"the provider refunded {extra} VND outside the shop: {error.details}"
        )
        return
    refund = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount_vnd=extra,
        reason="refunded outside the shop (provider dashboard)",
        status=RefundStatus.PENDING,
    )
    db.session.add(refund)
    db.session.flush()
    complete_refund(
        refund, provider_reference=f"external-{payment_intent}-{amount_refunded_vnd}", actor=actor
    )
