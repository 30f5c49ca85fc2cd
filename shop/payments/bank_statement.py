"""Matching a bank statement's credits to orders paid by bank transfer, and recording them.

A credit whose note carries an order's reference (``OCOP OCM-2026-000123``, however the bank
or the payer mangled it) is money for that order. Every such credit is recorded as a
``Payment`` of its own (provider ``bank_transfer``, the bank's reference as its provider
reference, the statement's date) and the order's transfers are summed: when the sum reaches the
order's total the order is paid, once, through the order state machine (and its producers
credited); a sum above the total pays it and flags the surplus for review; a sum below leaves
it waiting for the rest. Money for an order that can no longer take it (expired, cancelled,
paid already) is kept on record and flags the order for review. Credits naming no order are
listed and change nothing.

A credit whose note names a group of orders instead (a gift batch: ``OCOP GIFT-2026-000042``,
registered with ``register_order_group`` by the part that owns the group) pays every order of the
group still awaiting payment when its amount is their sum: one ``Payment`` per order, each with
the bank's reference and the order's. Any other amount is recorded on the group's first order
and flagged for review, as for a single order.

A debit whose note carries an order's reference (the office's refund transfer, ``HOAN
OCM-2026-000123``) pays that order's pending refund by transfer of the same amount, once the
customer's account is on it: the refund is completed with the bank's reference, as if the
office had typed it. A debit naming an order but no such refund is listed for review; debits
naming no order are the payouts' side and are not listed here.

The bank's reference is unique per provider: the same statement imported twice records each
transfer once. Recording holds the order's row (``lock_order``), so two imports racing for one
order sum each other's transfers and only one of them pays it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from shop.audit.services import record
from shop.banking.statement import CREDIT, StatementRow, bank_reference, find_dated_references
from shop.errors import RefundNotAllowed
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentMethod
from shop.orders.services import flag_for_review, lock_order, mark_paid
from shop.orders.signals import order_released
from shop.payments.bank_transfer import ORDER_REFERENCE_PREFIX
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shop.payments.services import mark_refund_transferred, refunds_by_transfer

PROVIDER = PaymentMethod.BANK_TRANSFER.value
RECORDED_FROM_STATEMENT = "payment.bank_transfer_recorded"

# What a credit does to its order.
PAY = "pay"  # the order's transfers reach its total exactly: paid
SHORT = "partial"  # recorded; the order still waits for the rest
DONE = "done"  # this transfer is already recorded (an earlier import)
# Recorded, the order flagged for review.
OVER = "overpaid"  # the transfers pass the total: paid, the surplus flagged
LATE = "late"  # the order no longer waits for payment (expired, cancelled, paid already)
TWICE = "order_twice"  # a second transfer for an order this statement pays already
# Listed only: nothing is recorded.
UNKNOWN = "unknown_reference"
NO_REFERENCE = "no_reference"
MANY = "several_references"
OTHER_METHOD = "other_method"
# Debits (the office's refund transfers).
REFUND_PAID = "refund_paid"  # pays the order's pending refund of this amount
NO_REFUND = "no_refund"  # names an order with no pending refund by transfer of this amount

RECORDS = frozenset({PAY, SHORT, OVER, LATE, TWICE, REFUND_PAID})


@dataclass(frozen=True)
class Match:
    row: StatementRow
    action: str
    order_id: int | None = None
    reference: str | None = None  # the order's reference (or the one the note names)
    status: str | None = None  # the order's status when matched
    total_vnd: int | None = None  # the order's total
    # A group's transfer (a gift batch): its reference, and the orders it pays (one payment
    # each); ``reference`` is then the group's first order's.
    group_reference: str | None = None
    order_ids: tuple[int, ...] = ()
    # The order's transfers with this one (recorded before, and earlier in this statement).
    received_vnd: int | None = None
    refund_id: int | None = None  # the refund a debit pays

    @property
    def records(self) -> bool:
        """Confirming writes a payment for this credit."""
        return self.action in RECORDS

    @property
    def review(self) -> bool:
        """A person must look at it (it does not simply pay an order or add to its total; a
        group's transfer is all or nothing)."""
        if self.group_reference is not None and self.action == SHORT:
            return True
        return self.action not in (PAY, SHORT, DONE, REFUND_PAID)

    @property
    def due_vnd(self) -> int | None:
        """What the order still waits for after this credit."""
        if self.total_vnd is None or self.received_vnd is None:
            return None
        return max(self.total_vnd - self.received_vnd, 0)


def order_references(note: str) -> list[str]:
    """The order references named in a transfer note, in the orders' own spelling."""
    return [
        f"{ORDER_REFERENCE_PREFIX}-{year}-{number:06d}"
        for year, number in find_dated_references(note, ORDER_REFERENCE_PREFIX)
    ]


# Groups of orders paid by one transfer: (prefix, finder); the finder gets the references found
# (``PREFIX-2026-000042``) and returns each one's orders.
GroupFinder = Callable[[list[str]], dict[str, list[Order]]]
_GROUPS: list[tuple[str, GroupFinder]] = []


def register_order_group(prefix: str, finder: GroupFinder) -> None:
    if all(known != prefix for known, _finder in _GROUPS):
        _GROUPS.append((prefix, finder))


def group_references(note: str) -> list[tuple[str, str]]:
    """The (prefix, reference) of each group named in ``note``."""
    return [
        (prefix, f"{prefix}-{year}-{number:06d}")
        for prefix, _finder in _GROUPS
        for year, number in find_dated_references(note, prefix)
    ]


def group_payment_reference(transfer: str, order: Order) -> str:
    """The provider reference of one order's share of a group's transfer."""
    return f"{transfer} / {order.reference}"


def recorded_references(references: set[str]) -> set[str]:
    """Which of these bank references are already recorded as bank-transfer payments."""
    if not references:
        return set()
    return set(
        db.session.scalars(
            select(Payment.provider_reference).where(
                Payment.provider == PROVIDER, Payment.provider_reference.in_(references)
            )
        )
    )


def received_by_order(order_ids: set[int]) -> dict[int, int]:
    """The sum of the bank transfers recorded for each of these orders."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(Payment.order_id, func.sum(Payment.captured_vnd))
        .where(
            Payment.order_id.in_(order_ids),
            Payment.provider == PROVIDER,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
        .group_by(Payment.order_id)
    )
    return {order_id: int(total or 0) for order_id, total in rows}


def received_transfers(order_id: int) -> list[Payment]:
    """The bank transfers recorded for an order, in the order they arrived."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.provider == PROVIDER,
                Payment.status == PaymentStatus.SUCCEEDED,
            )
            .order_by(Payment.received_on, Payment.id)
        )
    )


def match_statement(rows: list[StatementRow]) -> list[Match]:
    """What each credit of the statement would do, and each debit naming an order (the
    office's refund transfers; other debits are the payouts' side), in the statement's order."""
    matches = _match_credits(rows) + _match_refunds(rows)
    return sorted(matches, key=lambda match: match.row.row)


def _named_orders(rows: list[StatementRow]):
    """Each row with the order references its note names, and those orders by reference."""
    named = [(row, order_references(row.note)) for row in rows]
    wanted = {ref for _row, refs in named for ref in refs}
    orders = {
        o.reference: o for o in db.session.scalars(select(Order).where(Order.reference.in_(wanted)))
    } if wanted else {}  # fmt: skip
    return named, orders


def _the_order(row: StatementRow, refs: list[str], orders: dict[str, Order]) -> Order | Match:
    """The one order a row names, or the match that says why there is none."""
    if len(refs) > 1:
        return Match(row, MANY)
    order = orders.get(refs[0])
    return order if order is not None else Match(row, UNKNOWN, reference=refs[0])


def _match_refunds(rows: list[StatementRow]) -> list[Match]:
    named, orders = _named_orders([row for row in rows if row.side != CREDIT])
    named = [(row, refs) for row, refs in named if refs]
    if not named:
        return []
    pending: dict[int, list[Refund]] = {}
    if orders:
        for refund in db.session.scalars(
            select(Refund)
            .where(
                Refund.order_id.in_([o.id for o in orders.values()]),
                Refund.status == RefundStatus.PENDING,
                Refund.payee_bin.is_not(None),
            )
            .order_by(Refund.id)
        ):
            pending.setdefault(refund.order_id, []).append(refund)
    transfers = {bank_reference(row) for row, _refs in named}
    done = set(
        db.session.scalars(select(Refund.provider_reference).where(
            Refund.provider_reference.in_(transfers)))
    )  # fmt: skip
    matches: list[Match] = []
    claimed: set[int] = set()
    for row, refs in named:
        order = _the_order(row, refs, orders)
        if isinstance(order, Match):
            matches.append(order)
            continue
        facts = {"order_id": order.id, "reference": order.reference, "status": order.status}
        transfer = bank_reference(row)
        refund = next(
            (r for r in pending.get(order.id, []) if r.amount_vnd == row.amount_vnd
             and r.id not in claimed and refunds_by_transfer(r)),
            None,
        )  # fmt: skip
        if transfer in done:
            matches.append(Match(row, DONE, **facts))
        elif refund is None:
            matches.append(Match(row, NO_REFUND, **facts))
        else:
            claimed.add(refund.id)
            done.add(transfer)
            matches.append(Match(row, REFUND_PAID, refund_id=refund.id, **facts))
    return matches


def _match_credits(rows: list[StatementRow]) -> list[Match]:
    credits = [row for row in rows if row.side == CREDIT]
    named, orders = _named_orders(credits)
    done = recorded_references({bank_reference(row) for row in credits})
    received = received_by_order({order.id for order in orders.values()})
    matches: list[Match] = []
    seen_transfers: set[str] = set()
    paying: set[int] = set()
    for row, refs in named:
        transfer = bank_reference(row)
        if not refs:
            matches.append(_match_group(row, transfer, done, seen_transfers))
            continue
        order = _the_order(row, refs, orders)
        if isinstance(order, Match):
            matches.append(order)
            continue
        facts = {
            "order_id": order.id,
            "reference": order.reference,
            "status": order.status,
            "total_vnd": order.total_vnd,
        }
        if transfer in done or transfer in seen_transfers:
            action = DONE
        elif order.payment_method != PaymentMethod.BANK_TRANSFER:
            action = OTHER_METHOD
        elif order.id in paying:
            action = TWICE
        elif order.status != OrderStatus.AWAITING_PAYMENT:
            action = LATE
        else:
            received[order.id] = received.get(order.id, 0) + row.amount_vnd
            facts["received_vnd"] = received[order.id]
            if received[order.id] < order.total_vnd:
                action = SHORT
            else:
                action = PAY if received[order.id] == order.total_vnd else OVER
                paying.add(order.id)
        seen_transfers.add(transfer)
        matches.append(Match(row, action, **facts))
    return matches


def _match_group(row: StatementRow, transfer: str, done: set[str], seen: set[str]) -> Match:
    """A credit naming no order: a group's transfer, or nothing known."""
    named = group_references(row.note)
    if not named:
        return Match(row, NO_REFERENCE)
    if len(named) > 1:
        return Match(row, MANY)
    prefix, reference = named[0]
    finder = next(f for p, f in _GROUPS if p == prefix)
    orders = finder([reference]).get(reference) or []
    if not orders:
        return Match(row, UNKNOWN, reference=reference)
    shares = {group_payment_reference(transfer, o) for o in orders}
    unpaid = [
        o for o in orders
        if o.status == OrderStatus.AWAITING_PAYMENT
        and o.payment_method == PaymentMethod.BANK_TRANSFER
    ]  # fmt: skip
    total = sum(o.total_vnd for o in unpaid)
    first = (unpaid or orders)[0]
    facts = {"order_id": first.id, "reference": first.reference, "status": first.status,
             "total_vnd": total, "group_reference": reference}  # fmt: skip
    if transfer in done or transfer in seen or shares & recorded_references(shares):
        action = DONE
    elif not unpaid:
        action = LATE
    elif row.amount_vnd < total:
        action = SHORT
    elif row.amount_vnd > total:
        action = OVER
    else:
        seen.add(transfer)
        return Match(row, PAY, order_ids=tuple(o.id for o in unpaid), **facts)
    seen.add(transfer)
    return Match(row, action, **facts)


def _idempotency_key(transfer: str) -> str:
    return "bank-transfer-" + hashlib.sha256(transfer.encode()).hexdigest()[:40]


def record_transfer(
    order_id: int,
    row: StatementRow,
    *,
    admin_id: int | None,
    share: bool = False,
    group: str | None = None,
) -> bool | None:
    """Record one credit for an order, under the order's lock: a succeeded ``Payment`` of the
    bank's reference, then ``settle_transfers``. Returns whether the order was paid now; None if
    this transfer was recorded already (nothing written). Flushes; the caller commits.

    ``share``: the order's part of a group's transfer (its total, under the bank's reference
    and the order's). ``group``: a group's transfer that is not what the group owes, kept on
    the group's first order, which is flagged for review (never summed into paying it).
    """
    order = lock_order(order_id)
    transfer = bank_reference(row)
    amount_vnd = row.amount_vnd
    if share:
        transfer, amount_vnd = group_payment_reference(transfer, order), order.total_vnd
    if recorded_references({transfer}):
        return None
    before = {"status": order.status}
    db.session.add(
        Payment(
            order_id=order.id,
            provider=PROVIDER,
            provider_reference=transfer,
            idempotency_key=_idempotency_key(transfer),
            amount_vnd=amount_vnd,
            captured_vnd=amount_vnd,
            currency="vnd",
            status=PaymentStatus.SUCCEEDED,
            received_on=row.date,
        )
    )
    db.session.flush()
    if group is not None:
        flag_for_review(
            order,
            f"bank transfer of {amount_vnd} VND for {group} is not what its orders owe",
        )
        paid = False
    else:
        paid = settle_transfers(order, amount_vnd=amount_vnd, actor="bank-statement")
    record(admin_id, RECORDED_FROM_STATEMENT, "order", order.id, before,
           {"status": order.status, "bank_reference": transfer, "amount_vnd": amount_vnd,
            "row": row.row, "paid": paid})  # fmt: skip
    return paid


def settle_transfers(order: Order, *, amount_vnd: int, actor: str) -> bool:
    """After a transfer of ``amount_vnd`` was recorded for ``order`` (held with ``lock_order``):
    pay the order when its transfers reach the total, flag a surplus or money it can no longer
    take. Returns whether the order was paid now."""
    received = received_by_order({order.id}).get(order.id, 0)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        flag_for_review(order, f"bank transfer of {amount_vnd} VND for an order paid otherwise")
        return False
    if order.status != OrderStatus.AWAITING_PAYMENT:
        flag_for_review(
            order, f"bank transfer of {amount_vnd} VND received while the order was {order.status}"
        )
        return False
    if received < order.total_vnd:
        return False
    paid = mark_paid(
        order,
        amount_vnd=order.total_vnd,
        currency="vnd",
        actor=actor,
        reason=f"bank transfers total {received} VND",
    )
    if received > order.total_vnd:
        flag_for_review(
            order,
            f"over-paid by {received - order.total_vnd} VND: bank transfers total {received} VND "
            f"for an order of {order.total_vnd} VND",
        )
    return paid


@dataclass(frozen=True)
class Applied:
    match: Match
    paid: bool

    @property
    def refund(self) -> bool:
        """This debit paid a refund by transfer."""
        return self.match.action == REFUND_PAID

    @property
    def orders_paid(self) -> int:
        """How many orders this credit paid: all of a group's (a gift batch's) at once."""
        if not self.paid:
            return 0
        return len(self.match.order_ids) or 1


def apply_statement(rows: list[StatementRow], *, admin_id: int | None) -> list[Applied]:
    """Record the credits of ``rows`` that name an order, matched again against the database
    now (nothing posted is trusted but the rows, which the preview signed). Returns what was
    recorded. Flushes; the caller commits."""
    applied: list[Applied] = []
    for match in match_statement(rows):
        if not match.records:
            continue
        if match.action == REFUND_PAID:
            try:
                paid_back = mark_refund_transferred(
                    db.session.get(Refund, match.refund_id),
                    bank_reference=bank_reference(match.row),
                    actor="bank-statement",
                )
            except RefundNotAllowed:
                continue  # paid or changed meanwhile: the next import shows where it is
            if paid_back:
                applied.append(Applied(match, False))
            continue
        if match.order_ids:  # a group's transfer: every order its share
            results = [
                record_transfer(order_id, match.row, admin_id=admin_id, share=True)
                for order_id in match.order_ids
            ]
            if all(result is None for result in results):
                continue
            applied.append(Applied(match, all(results)))
            continue
        paid = record_transfer(
            match.order_id, match.row, admin_id=admin_id, group=match.group_reference
        )
        if paid is None:
            continue
        applied.append(Applied(match, paid))
    return applied


@order_released.connect
def _flag_transfers_kept(_sender, order_id: int, **_extra) -> None:
    """An order that lapsed (or failed) after part of its total arrived by transfer: the money
    must go back; a person decides."""
    received = received_by_order({order_id}).get(order_id, 0)
    if received:
        flag_for_review(
            db.session.get(Order, order_id),
            f"released with {received} VND received by bank transfer: pay it back",
        )
