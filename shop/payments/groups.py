"""One payment page for several orders: a gift batch paid by card.

The group is what its owner says it is (a gift batch's child orders awaiting payment); this
module only sees order ids and the group's reference (``GIFT-2026-000042``). Each order of the
group gets a payment of its own (its total, ``provider_reference`` = ``<session id> / <order
reference>`` as for a bank transfer's share, ``group_reference`` = the session id), so each
order is paid, refunded and credited to its producers through its own state machine, exactly
as a single order is.

Starting is the checkout's three steps: ``open_group_attempt`` records a pending payment per
order (their orders locked in id order) and the caller commits; the provider is called with
plain data; ``group_attempt_started`` / ``group_attempt_not_started`` record its answer in a
new transaction.

Outcomes (``group_succeeded`` / ``group_failed`` / ``group_expired``) come from the Stripe
webhook and the demo page; each one applies the single-order outcome to every payment of the
group in order-id order. A session paid for another amount than its orders' sum pays none of
them: the money is recorded, shared over the payments, and every order is flagged for review.
An order paid meanwhile another way (the bank statement) gets the late-money treatment of
``mark_paid``: the money is recorded and the order flagged, never paid twice.
Nothing here commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import exists, func, literal, select, update

from shop.bundles.models import Bundle
from shop.catalog.models import Product
from shop.errors import PaymentMismatch, PaymentNotAllowed
from shop.extensions import db
from shop.lines import LineKind
from shop.money import allocate
from shop.orders.models import Order, OrderLine
from shop.orders.services import flag_for_review, lock_order
from shop.payments.models import Payment, PaymentStatus
from shop.payments.providers import StartedPayment, StartRequest, Subject, get_provider
from shop.payments.services import (
    _aware,
    _refuse_a_second_open_attempt,
    _set_payment_status,
    payment_expired,
    payment_failed,
    payment_succeeded,
    reservation_holds,
)
from shop.payments.stripe_gateway import CheckoutLine
from shop.tourism.models import ExperienceSession

log = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open from 30 minutes to 24 hours; a minute spare for the
# request's way there.
SESSION_MIN = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=24)
SESSION_SPARE = timedelta(minutes=1)
# Stripe takes at most 100 line items per session.
MAX_LINES = 100
IDEMPOTENCY_KEY_MAX = 80  # payment.idempotency_key


def _attempt_prefix(group_reference: str) -> str:
    return f"group-{group_reference}-attempt-"


def _next_attempt(group_reference: str) -> int:
    """The group's attempt number: one more than its latest (attempts are opened one at a
    time, under their orders' locks, so the latest payment carries the highest number)."""
    prefix = _attempt_prefix(group_reference)
    latest = db.session.scalar(
        select(Payment.idempotency_key)
        .where(Payment.idempotency_key.startswith(prefix, autoescape=True))
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if latest is None:
        return 1
    return int(latest[len(prefix) :].split("-", 1)[0]) + 1


def _group_subject(orders: list[Order], total_vnd: int, due_at: datetime) -> Subject:
    """What the provider's ``is_allowed`` looks at, for the orders of a group together."""
    ids = [order.id for order in orders]
    has_preorder = db.session.scalar(
        select(
            exists().where(
                OrderLine.order_id.in_(ids),
                OrderLine.product_id == Product.id,
                Product.preorder.is_(True),
            )
        )
    )
    first_session_at = db.session.scalar(
        select(func.min(ExperienceSession.starts_at)).where(
            OrderLine.order_id.in_(ids),
            OrderLine.kind == LineKind.SEATS,
            ExperienceSession.id == OrderLine.session_id,
        )
    )
    return Subject(
        total_vnd=total_vnd,
        has_preorder=bool(has_preorder),
        has_bookings=first_session_at is not None,
        first_session_at=first_session_at,
        due_at=due_at,
    )


def group_lines(orders: list[Order], *, locale: str) -> tuple[CheckoutLine, ...]:
    """The payment page's lines: each bundle (gift set) summed across the orders — its name,
    its price a box, the boxes — other lines by name and unit price, and one delivery line.
    They add up to the orders' sum; when they cannot (a quote's price that does not divide
    into boxes, more lines than the provider takes) the goods become one line."""
    english = locale == "en"
    ids = [order.id for order in orders]
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.id)
    ).all()
    bundle_ids = {line.bundle_id for line in lines if line.bundle_id is not None}
    bundles = (
        {b.id: b for b in db.session.scalars(select(Bundle).where(Bundle.id.in_(bundle_ids)))}
        if bundle_ids
        else {}
    )
    parts: dict[tuple[int, int], list[OrderLine]] = defaultdict(list)
    summed: dict[tuple[str, int], int] = {}  # (name, unit price) → quantity, in first-seen order
    for line in lines:
        if line.bundle_id is not None:
            parts[(line.order_id, line.bundle_group)].append(line)
        else:
            key = (line.name, line.unit_price_vnd)
            summed[key] = summed.get(key, 0) + line.quantity
    for (_order_id, _group), bundle_lines in sorted(parts.items()):
        bundle = bundles[bundle_lines[0].bundle_id]
        name = (bundle.name_en or bundle.name_vi) if english else bundle.name_vi
        total = sum(line.line_total_vnd for line in bundle_lines)
        per_box = sum(c.quantity for c in bundle.components)
        items = sum(line.quantity for line in bundle_lines)
        boxes = items // per_box if per_box and items % per_box == 0 else 0
        if boxes and total % boxes == 0:
            key, quantity = (name, total // boxes), boxes
        else:
            key, quantity = (name, total), 1
        summed[key] = summed.get(key, 0) + quantity
    goods_vnd = sum(order.subtotal_vnd for order in orders)
    result = [
        CheckoutLine(name=name, unit_amount_vnd=unit, quantity=quantity)
        for (name, unit), quantity in summed.items()
    ]
    if (
        len(result) >= MAX_LINES
        or sum(line.unit_amount_vnd * line.quantity for line in result) != goods_vnd
    ):
        label = f"Goods of {len(orders)} orders" if english else f"Hàng của {len(orders)} đơn"
        result = [CheckoutLine(name=label, unit_amount_vnd=goods_vnd, quantity=1)]
    delivery_vnd = sum(order.delivery_vnd for order in orders)
    if delivery_vnd:
        label = "Delivery" if english else "Phí giao hàng"
        result.append(CheckoutLine(name=label, unit_amount_vnd=delivery_vnd, quantity=1))
    return tuple(result)


# --- starting ----------------------------------------------------------------------------------


def open_group_attempt(
    order_ids: list[int],
    *,
    group_reference: str,
    provider_id: str,
    now: datetime,
    success_url: str,
    cancel_url: str,
    locale: str | None = None,
) -> StartRequest:
    """Record one pending payment per order of the group still waiting for payment (its
    reservation holding), and return what the provider needs to open one page for their sum.

    Refuses (``PaymentNotAllowed``) with ``reason="closed"`` when no order waits, the
    provider's own refusal of the sum (Stripe: above 99.999.999 ₫), ``reason="attempt_open"``
    (and the open page) when any order has an attempt open already, ``reason="too_late"``
    when the orders' deadline is too close for a payment page. Flushes; the caller commits."""
    provider = get_provider(provider_id)
    if not provider.pays_groups:
        raise PaymentNotAllowed("this provider pays one order at a time", reason="no_groups")
    orders = [lock_order(order_id) for order_id in sorted(set(order_ids))]
    waiting = [order for order in orders if reservation_holds(order, now)]
    if not waiting:
        raise PaymentNotAllowed("no order of the group is waiting for payment", reason="closed")
    total_vnd = sum(order.total_vnd for order in waiting)
    due_at = min(_aware(order.expires_at) for order in waiting)
    provider.check_allowed(_group_subject(waiting, total_vnd, due_at))
    for order in waiting:
        _refuse_a_second_open_attempt(order, now)
    expires_at = min(due_at, now + SESSION_MAX)
    if expires_at - now < SESSION_MIN + SESSION_SPARE:
        raise PaymentNotAllowed(
            "the orders' payment deadline is too close for a payment page",
            reason="too_late",
            due_at=due_at.isoformat(),
        )
    key = f"{_attempt_prefix(group_reference)}{_next_attempt(group_reference)}"
    payments = [
        Payment(
            order_id=order.id,
            provider=provider.id,
            idempotency_key=f"{key}-{order.reference}",
            amount_vnd=order.total_vnd,
            currency="vnd",
            status=PaymentStatus.PENDING,
        )
        for order in waiting
    ]
    if any(len(p.idempotency_key) > IDEMPOTENCY_KEY_MAX for p in payments):
        raise ValueError(f"group reference too long for an idempotency key: {group_reference}")
    db.session.add_all(payments)
    db.session.flush()
    first = waiting[0]
    locale = locale if locale in ("vi", "en") else first.locale
    return StartRequest(
        provider=provider.id,
        payment_id=payments[0].id,
        idempotency_key=key,
        order_reference=group_reference,
        access_token=first.access_token,
        email=first.email,
        locale=locale,
        amount_vnd=total_vnd,
        expires_at=expires_at,
        lines=group_lines(waiting, locale=locale),
        success_url=success_url,
        cancel_url=cancel_url,
        group=True,
        payment_ids=tuple(p.id for p in payments),
    )


def group_attempt_started(payment_ids: tuple[int, ...], started: StartedPayment) -> bool:
    """Record the provider's session on every payment of the group (one statement); True when
    all of them are still pending, so the payer may be sent to the page. A payment closed
    meanwhile (its order expired) keeps the session too: money taken on it later is found,
    recorded and flagged."""
    reference = started.provider_reference
    order_reference = select(Order.reference).where(Order.id == Payment.order_id).scalar_subquery()
    db.session.execute(
        update(Payment)
        .where(Payment.id.in_(payment_ids), Payment.provider_reference.is_(None))
        .values(
            group_reference=reference,
            provider_reference=literal(f"{reference} / ") + order_reference,
            redirect_url=started.redirect_url,
        )
        .execution_options(synchronize_session=False)
    )
    pending = db.session.scalar(
        select(func.count(Payment.id)).where(
            Payment.id.in_(payment_ids),
            Payment.group_reference == reference,
            Payment.status == PaymentStatus.PENDING,
        )
    )
    return pending == len(payment_ids)


def group_attempt_not_started(payment_ids: tuple[int, ...]) -> None:
    """The provider failed before taking any money: close every payment of the attempt (the
    orders keep waiting, payable again or by transfer)."""
    for payment in _members_by_id(payment_ids):
        lock_order(payment.order_id)
        _set_payment_status(payment, PaymentStatus.FAILED)


def _members_by_id(payment_ids: tuple[int, ...]) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment).where(Payment.id.in_(payment_ids)).order_by(Payment.order_id)
        )
    )


def group_payments(provider: str, group_reference: str) -> list[Payment]:
    """The payments of one session paying several orders, in order-id order (the order their
    orders are locked in)."""
    if not group_reference:
        return []
    return list(
        db.session.scalars(
            select(Payment)
            .where(Payment.provider == provider, Payment.group_reference == group_reference)
            .order_by(Payment.order_id, Payment.id)
        )
    )


def latest_group(order_ids: list[int]) -> list[Payment]:
    """The payments of the latest group attempt that covered any of these orders (the batch
    page says how its card payment went), or []."""
    if not order_ids:
        return []
    latest = db.session.execute(
        select(Payment.provider, Payment.group_reference)
        .where(Payment.order_id.in_(order_ids), Payment.group_reference.is_not(None))
        .order_by(Payment.id.desc())
        .limit(1)
    ).first()
    return group_payments(latest.provider, latest.group_reference) if latest else []


# --- outcomes ----------------------------------------------------------------------------------


def group_succeeded(
    members: list[Payment],
    *,
    amount_vnd: int,
    currency: str,
    actor: str,
    provider_payment_id: str | None = None,
) -> int:
    """The provider took ``amount_vnd`` for the group. The orders' sum: each payment succeeds
    through ``payment_succeeded`` (order-id order), which pays its order — its payment method
    becomes the provider's — or, for an order paid meanwhile or no longer waiting, records the
    money and flags it. Any other amount: recorded over the payments and every order flagged
    (``PaymentMismatch`` is raised once all are recorded). Returns how many orders were paid
    now."""
    expected = sum(member.amount_vnd for member in members)
    if currency.lower() != "vnd" or amount_vnd != expected:
        _record_mismatch(members, amount_vnd, currency, provider_payment_id, expected)
        raise PaymentMismatch("paid amount does not match the group", amount=amount_vnd)
    paid = 0
    for member in members:
        if payment_succeeded(
            member,
            amount_vnd=member.amount_vnd,
            currency=currency,
            actor=actor,
            provider_payment_id=provider_payment_id,
            switch_method=True,
        ):
            paid += 1
    log.info("group %s paid %d of %d orders", members[0].group_reference, paid, len(members))
    return paid


def _record_mismatch(
    members: list[Payment],
    amount_vnd: int,
    currency: str,
    provider_payment_id: str | None,
    expected: int,
) -> None:
    """Keep the money on record (each payment its share of it, adding up to it exactly) and
    flag every order: a person decides."""
    shares = allocate(amount_vnd, [member.amount_vnd for member in members])
    reason = (
        f"card payment of {amount_vnd} {currency.upper()} for {len(members)} orders "
        f"(session {members[0].group_reference}) does not match their total {expected} VND"
    )
    for member, share in zip(members, shares, strict=True):
        order = lock_order(member.order_id)
        if _set_payment_status(
            member,
            PaymentStatus.SUCCEEDED,
            captured_vnd=share,
            provider_payment_id=provider_payment_id or member.provider_payment_id,
        ):
            flag_for_review(order, reason)


def group_failed(members: list[Payment], *, actor: str, reason: str | None = None) -> int:
    """The session was declined or its delayed payment failed: every order keeps waiting
    (payable again, or by transfer). Returns how many payments changed."""
    return sum(payment_failed(member, actor=actor, reason=reason) for member in members)


def group_expired(members: list[Payment], *, actor: str, now: datetime | None = None) -> int:
    """The provider closed the session unpaid: each payment expires; an order expires only if
    its own reservation lapsed too (a batch's orders keep their transfer deadline)."""
    return sum(payment_expired(member, actor=actor, now=now) for member in members)


def _open_demo_group(members: list[Payment], now: datetime) -> None:
    """The demo page moves no money: a group whose payments are not all pending, or one of
    whose orders no longer waits, is refused rather than recorded."""
    for member in members:
        order = lock_order(member.order_id)
        db.session.refresh(member)
        if member.status != PaymentStatus.PENDING or not reservation_holds(order, now):
            raise PaymentNotAllowed("this payment is closed", reason="closed")


def demo_pay_group(members: list[Payment], *, now: datetime) -> int:
    _open_demo_group(members, now)
    return group_succeeded(
        members,
        amount_vnd=sum(member.amount_vnd for member in members),
        currency="vnd",
        actor="demo-provider",
    )


def demo_decline_group(members: list[Payment], *, now: datetime) -> int:
    _open_demo_group(members, now)
    return group_failed(members, actor="demo-provider", reason="declined on the demo page")
