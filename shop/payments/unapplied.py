"""Money an order could not take, and paying it back.

An order takes exactly its total (``paid_vnd``). Money beyond it is still a fact, recorded on the
order's payments and flagged for review when it arrives: transfers above the total, a second
card payment of a paid order, money arriving after the order expired, failed or was cancelled.
``unapplied_vnd`` is what the order's succeeded payments captured beyond what it took, less what
was paid back already. The office pays it back with ``record_unapplied_refund``: refunds of kind
``unapplied``, which name no lines and change neither the order's refunded total nor its status,
drawn from the payments in the order they arrived (the shop's refunds of the order itself take
the newest), each no more than its payment has left. A card payment's is sent to its provider
against its PaymentIntent; a transfer's waits for the office to pay it from its banking app to the
customer's account, as any refund by transfer does.
"""

from __future__ import annotations

from sqlalchemy import func, select

from shop.audit.services import record
from shop.errors import RefundNotAllowed
from shop.extensions import db
from shop.orders.emails import queue_order_email
from shop.orders.models import Order, OrderStatus
from shop.orders.services import lock_order
from shop.payments.models import Payment, PaymentStatus, Refund, RefundKind, RefundStatus
from shop.payments.providers import get_provider


def _returned(order_id: int, kind: RefundKind | None = None) -> dict[int, int]:
    """What the refunds not failed take from each payment of the order (of one kind, or all)."""
    query = (
        select(Refund.payment_id, func.sum(Refund.amount_vnd))
        .where(Refund.order_id == order_id, Refund.status != RefundStatus.FAILED)
        .group_by(Refund.payment_id)
    )
    if kind is not None:
        query = query.where(Refund.kind == kind)
    return {payment_id: int(total) for payment_id, total in db.session.execute(query)}


def _succeeded(order_id: int) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment)
            .where(Payment.order_id == order_id, Payment.status == PaymentStatus.SUCCEEDED)
            .order_by(Payment.id)
        )
    )


def unapplied_vnd(order: Order) -> int:
    """Money the order's payments captured beyond what it took, not yet paid back. Nothing while
    it still waits for payment (part transfers wait for the rest)."""
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return 0
    captured = sum(payment.captured_vnd for payment in _succeeded(order.id))
    returned = sum(_returned(order.id, RefundKind.UNAPPLIED).values())
    return max(captured - order.paid_vnd - returned, 0)


def sources(order: Order) -> list[tuple[Payment, int]]:
    """The payments the unapplied money is paid back from, oldest first, each with the amount it
    gives: no more than it has left after every refund taken from it."""
    amount = unapplied_vnd(order)
    taken = _returned(order.id)
    plan: list[tuple[Payment, int]] = []
    for payment in _succeeded(order.id):
        if amount <= 0:
            break
        room = payment.captured_vnd - taken.get(payment.id, 0)
        if room > 0:
            plan.append((payment, min(room, amount)))
            amount -= plan[-1][1]
    return plan


def needs_payee(order: Order) -> bool:
    """Part of the money goes back by a transfer from the office: the customer's account is
    needed."""
    return any(get_provider(payment.provider).by_bank_transfer for payment, _ in sources(order))


def record_unapplied_refund(order_id: int, *, reason: str, admin_id: int | None, payee=None):
    """Record the refunds that pay back all of the order's unapplied money (pending; the caller
    commits, then sends those of card payments). Holds the order's row, so two admins at once
    pay it back once. Raises ``RefundNotAllowed``: ``nothing_unapplied``, or ``no_payee`` when a
    transfer is involved and no account was given. Returns the refunds."""
    from shop.payments.services import set_payee

    order = lock_order(order_id)
    plan = sources(order)
    if not plan:
        raise RefundNotAllowed("no money to pay back", reason="nothing_unapplied")
    refunds = []
    for payment, amount in plan:
        refund = Refund(
            payment_id=payment.id,
            order_id=order.id,
            kind=RefundKind.UNAPPLIED,
            amount_vnd=amount,
            lines_json="{}",
            reason=reason,
            status=RefundStatus.PENDING,
            created_by_id=admin_id,
        )
        if get_provider(payment.provider).by_bank_transfer:
            if payee is None:
                raise RefundNotAllowed("the customer's account is needed", reason="no_payee")
            set_payee(refund, payee)
        db.session.add(refund)
        refunds.append(refund)
    db.session.flush()
    record(admin_id, "refund.unapplied", "order", order.id, {},
           {"amount_vnd": sum(r.amount_vnd for r in refunds),
            "refunds": [r.id for r in refunds]})  # fmt: skip
    return refunds


def unapplied_refund_completed(refund: Refund, *, actor: str) -> None:
    """The provider (or the office's transfer) paid back unapplied money: the order keeps its
    totals and status; the customer is told."""
    order = db.session.get(Order, refund.order_id)
    queue_order_email(order, "refunded", amount_vnd=refund.amount_vnd)
    record(None, "refund.unapplied_paid", "order", order.id, {},
           {"refund_id": refund.id, "amount_vnd": refund.amount_vnd, "actor": actor})  # fmt: skip
