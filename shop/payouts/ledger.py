"""Writing the ledger and reading balances.

Every writer goes through ``append``: an INSERT … ON CONFLICT (idempotency_key) DO NOTHING, so
an event delivered twice (a replayed webhook, a job run again) writes nothing the second time.
Nothing here commits: the caller's transaction (a webhook, a route, a job) does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.catalog.models import Category, LegalType, Producer, Product
from shop.errors import ShopError
from shop.extensions import db
from shop.lines import LineKind
from shop.money import allocate
from shop.orders.models import Order, OrderLine, PaymentMethod
from shop.payouts.models import (
    REVERSAL_OF,
    CommissionRule,
    CommissionScope,
    EntryKind,
    LedgerEntry,
    LedgerRelease,
    WithheldTax,
)
from shop.templating import LOCAL_TZ

log = logging.getLogger(__name__)

WITHHELD_LEGAL_TYPES = frozenset({LegalType.HOUSEHOLD, LegalType.INDIVIDUAL})


def share(amount_vnd: int, basis_points: int) -> int:
    """``amount × bp / 10 000`` rounded half up to the đồng (integers only)."""
    return (amount_vnd * basis_points + 5000) // 10_000


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


# --- appending -------------------------------------------------------------------------------


def append(rows: list[dict]) -> int:
    """Insert ledger entries, skipping any whose idempotency key is already written. Entries
    of zero đồng are not written. Returns how many were written."""
    rows = [row for row in rows if row["amount_vnd"] != 0]
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    written = 0
    for row in rows:  # one statement per entry: what it returns tells whether it was new
        statement = (
            insert(LedgerEntry)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(LedgerEntry.id)
        )
        written += len(db.session.execute(statement).all())
    return written


# --- commission and withholding -----------------------------------------------------------------


@dataclass(frozen=True)
class Commission:
    basis_points: int
    minimum_vnd: int

    def of(self, amount_vnd: int) -> int:
        """The commission on ``amount_vnd``: its share, at least the minimum, at most the
        amount itself."""
        return min(amount_vnd, max(share(amount_vnd, self.basis_points), self.minimum_vnd))


def commission_for(*, producer_id: int, product_id: int | None) -> Commission:
    """The most specific rule: the product's, its sub-group's, its group's, the producer's,
    the platform's default rule, then the configured default."""
    category_ids: list[int] = []
    if product_id is not None:
        category_id = db.session.scalar(select(Product.category_id).where(Product.id == product_id))
        while category_id is not None and category_id not in category_ids:
            category_ids.append(category_id)
            category_id = db.session.scalar(
                select(Category.parent_id).where(Category.id == category_id)
            )
    applies = [
        CommissionRule.scope == CommissionScope.DEFAULT,
        CommissionRule.producer_id == producer_id,
    ]
    if product_id is not None:
        applies.append(CommissionRule.product_id == product_id)
    if category_ids:
        applies.append(CommissionRule.category_id.in_(category_ids))
    rules = db.session.scalars(select(CommissionRule).where(or_(*applies))).all()

    def rank(rule: CommissionRule) -> int:
        if rule.scope == CommissionScope.PRODUCT:
            return 0
        if rule.scope == CommissionScope.CATEGORY:
            return 1 + category_ids.index(rule.category_id)  # the sub-group before its group
        if rule.scope == CommissionScope.PRODUCER:
            return 100
        return 101

    if rules:
        best = min(rules, key=rank)
        return Commission(best.basis_points, best.minimum_vnd)
    config = current_app.config
    return Commission(config["COMMISSION_DEFAULT_BP"], config["COMMISSION_MIN_VND"])


def withholding_rates(kind: str | None, on: date) -> dict[WithheldTax, int]:
    """Basis points of VAT and PIT withheld on a line of ``kind`` paid ``on``: goods (product
    lines) or services (experience seats); the higher of the two when the kind is unknown."""
    table = sorted(current_app.config["WITHHOLDING_RATES"])
    in_force = [row for row in table if row[0] <= on]
    if not in_force:
        return {}
    _from, goods_vat, goods_pit, services_vat, services_pit = in_force[-1]
    if kind == LineKind.PRODUCT:
        return {WithheldTax.VAT: goods_vat, WithheldTax.PIT: goods_pit}
    if kind == LineKind.SEATS:
        return {WithheldTax.VAT: services_vat, WithheldTax.PIT: services_pit}
    if goods_vat + goods_pit >= services_vat + services_pit:
        return {WithheldTax.VAT: goods_vat, WithheldTax.PIT: goods_pit}
    return {WithheldTax.VAT: services_vat, WithheldTax.PIT: services_pit}


def withheld(legal_type: str, kind: str | None, amount_vnd: int, on: date) -> dict[str, int]:
    """Đồng withheld per tax; nothing for cooperatives, groups and enterprises."""
    if legal_type not in WITHHELD_LEGAL_TYPES:
        return {}
    return {tax: share(amount_vnd, bp) for tax, bp in withholding_rates(kind, on).items()}


# --- sales ---------------------------------------------------------------------------------------


def _session_end(line: OrderLine) -> datetime | None:
    from shop.tourism.models import ExperienceSession

    return db.session.scalar(
        select(ExperienceSession.ends_at).where(ExperienceSession.id == line.session_id)
    )


def line_available_on(line: OrderLine) -> date | None:
    """Experience seats: the day after the session ends. Goods: none yet (the producer
    order's release, written at delivery, gives the date)."""
    if line.kind == LineKind.SEATS:
        ends_at = _session_end(line)
        if ends_at is not None:
            return local_date(ends_at) + timedelta(days=1)
    return None


def sale_entries(line: OrderLine, producer: Producer, paid_on: date) -> list[dict]:
    """The sale, commission and withholding entries of one paid line."""
    gross = line.line_total_vnd
    common = {
        "producer_id": producer.id,
        "order_line_id": line.id,
        "producer_order_id": line.producer_order_id,
        "booking_id": line.booking_id,
        "available_on": line_available_on(line),
    }
    commission = commission_for(producer_id=producer.id, product_id=line.product_id).of(gross)
    rows = [
        {**common, "kind": EntryKind.SALE, "amount_vnd": gross,
         "idempotency_key": f"sale-{line.id}"},
        {**common, "kind": EntryKind.COMMISSION, "amount_vnd": -commission,
         "idempotency_key": f"commission-{line.id}"},
    ]  # fmt: skip
    for tax, amount in withheld(producer.legal_type, line.kind, gross, paid_on).items():
        rows.append(
            {**common, "kind": EntryKind.WITHHOLDING, "tax": str(tax), "amount_vnd": -amount,
             "idempotency_key": f"withholding-{tax}-{line.id}"}
        )  # fmt: skip
    return rows


def record_line_sales(order: Order, now: datetime) -> int:
    """Credit each line's producer for an order paid online. Idempotent: a second call writes
    nothing. Cash-on-delivery orders wait for the carrier's remittance (``record_remittance``)."""
    if order.payment_method == PaymentMethod.COD:
        return 0
    return _record_sales(order, local_date(now))


def _record_sales(order: Order, paid_on: date) -> int:
    producers = {
        p.id: p
        for p in db.session.scalars(
            select(Producer).where(
                Producer.id.in_({part.producer_id for part in order.producer_orders})
            )
        )
    }
    parts = {part.id: part.producer_id for part in order.producer_orders}
    rows: list[dict] = []
    for line in order.lines:
        rows += sale_entries(line, producers[parts[line.producer_order_id]], paid_on)
    return append(rows)


class RemittanceMismatch(ShopError):
    code = "remittance_mismatch"
    status = 409


def record_remittance(order: Order, *, amount_vnd: int, now: datetime) -> int:
    """The carrier handed over the cash it collected for a cash-on-delivery order: its lines
    now credit their producers (payable after the hold from delivery). The amount must be
    what the order collected; anything else is refused and the order flagged for review.
    Idempotent: recording the same remittance again writes nothing."""
    from shop.orders.services import flag_for_review

    if order.payment_method != PaymentMethod.COD:
        raise RemittanceMismatch("only cash-on-delivery orders are remitted", reason="not_cod")
    if order.paid_vnd == 0:
        raise RemittanceMismatch("the order has not been collected yet", reason="not_collected")
    if amount_vnd != order.paid_vnd:
        flag_for_review(
            order, f"carrier remitted {amount_vnd} VND for {order.paid_vnd} VND collected"
        )
        raise RemittanceMismatch(
            "the remitted amount differs from what was collected", reason="amount"
        )
    if order.refunded_vnd > 0 and not _credited(order):
        # Refunded before its cash was remitted: the refund reversed nothing (nothing was
        # credited yet), so crediting the full sale now would pay the producer money the
        # customer got back. The office adjusts the producers' ledgers by hand.
        flag_for_review(
            order,
            f"remittance of {amount_vnd} VND for an order refunded {order.refunded_vnd} VND "
            "before it: producers' ledgers not credited",
        )
        raise RemittanceMismatch("the order was refunded before its remittance", reason="refunded")
    return _record_sales(order, local_date(now))


def _credited(order: Order) -> bool:
    """Whether any line of ``order`` already credits its producer."""
    return (
        db.session.scalar(
            select(LedgerEntry.id)
            .where(
                LedgerEntry.order_line_id.in_([line.id for line in order.lines]),
                LedgerEntry.kind == EntryKind.SALE,
            )
            .limit(1)
        )
        is not None
    )


def release_producer_order(producer_order_id: int, delivered_at: datetime) -> bool:
    """Start the hold of a delivered producer order's goods: payable ``PAYOUT_HOLD_DAYS``
    after the delivery day. Written once; a second delivery signal changes nothing."""
    available_on = local_date(delivered_at) + timedelta(days=current_app.config["PAYOUT_HOLD_DAYS"])
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(LedgerRelease)
        .values(producer_order_id=producer_order_id, available_on=available_on)
        .on_conflict_do_nothing(index_elements=["producer_order_id"])
        .returning(LedgerRelease.producer_order_id)
    )
    return len(result.all()) == 1


# --- refunds -------------------------------------------------------------------------------------


def refund_shares(lines: list[OrderLine], quantities: dict[int, int], amount_vnd: int) -> dict:
    """The money of a refund that goes to each line: each line its worth when the refund
    covers them all (the rest is delivery), else the amount split in proportion to worth."""
    worth = {line.id: line.unit_price_vnd * quantities[line.id] for line in lines}
    if not worth:
        return {}
    if amount_vnd >= sum(worth.values()):
        return worth
    ids = sorted(worth)
    return dict(zip(ids, allocate(amount_vnd, [worth[i] for i in ids]), strict=True))


def reversal_entries(line_id: int, refunded_vnd: int) -> list[dict]:
    """Entries reversing ``refunded_vnd`` more of a line's sale, and the same proportion of
    its commission and withholding.

    Proportions are cumulative: after refunds totalling R of a sale S, each original entry of
    magnitude m has been reversed by exactly ⌊m × R / S⌋ in total, so reversals never exceed
    what they reverse, and a line refunded in full is reversed to the đồng."""
    originals = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.order_line_id == line_id, LedgerEntry.kind.in_(list(REVERSAL_OF)))
        .order_by(LedgerEntry.id)
    ).all()
    sale = next((e for e in originals if e.kind == EntryKind.SALE), None)
    if sale is None:
        return []  # never credited (cash on delivery not remitted): nothing to reverse
    reversed_by_entry = dict(
        db.session.execute(
            select(LedgerEntry.reverses_id, func.sum(func.abs(LedgerEntry.amount_vnd)))
            .where(LedgerEntry.reverses_id.in_([e.id for e in originals]))
            .group_by(LedgerEntry.reverses_id)
        ).all()
    )

    def reversed_so_far(original: LedgerEntry) -> int:
        return int(reversed_by_entry.get(original.id, 0))

    before = reversed_so_far(sale)
    after = min(sale.amount_vnd, before + refunded_vnd)
    rows = []
    for original in originals:
        magnitude = abs(original.amount_vnd)
        delta = magnitude * after // sale.amount_vnd - reversed_so_far(original)
        if delta <= 0:
            continue
        sign = -1 if original.amount_vnd > 0 else 1
        rows.append(
            {
                "producer_id": original.producer_id,
                "kind": REVERSAL_OF[EntryKind(original.kind)],
                "tax": original.tax,
                "amount_vnd": sign * delta,
                "order_line_id": original.order_line_id,
                "producer_order_id": original.producer_order_id,
                "booking_id": original.booking_id,
                "reverses_id": original.id,
                "available_on": original.available_on,
                "idempotency_key": f"refund-{original.idempotency_key}-{after}",
            }
        )
    return rows


def record_refund_reversals(order: Order, amount_vnd: int, quantities: dict[int, int]) -> int:
    """Reverse the refunded part of each line. A refund naming no lines (money refunded from
    the provider's dashboard) cannot be attributed to a producer: the order is flagged so the
    office decides whose ledger to adjust — never silently."""
    from shop.orders.services import flag_for_review

    lines = [line for line in order.lines if line.id in quantities]
    if not lines:
        flag_for_review(
            order,
            f"refund of {amount_vnd} VND names no lines: producers' ledgers not reversed",
        )
        return 0
    rows: list[dict] = []
    for line_id, money in sorted(refund_shares(lines, quantities, amount_vnd).items()):
        rows += reversal_entries(line_id, money)
    return append(rows)


# --- balances ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    available_vnd: int
    pending_vnd: int

    @property
    def total_vnd(self) -> int:
        return self.available_vnd + self.pending_vnd


def _effective_date():
    return func.coalesce(LedgerEntry.available_on, LedgerRelease.available_on)


def _balance_columns(today: date):
    payable = _effective_date() <= today
    return (
        func.coalesce(func.sum(case((payable, LedgerEntry.amount_vnd), else_=0)), 0),
        func.coalesce(func.sum(case((payable, 0), else_=LedgerEntry.amount_vnd)), 0),
    )


def _entries_with_release(*columns):
    return (
        select(*columns)
        .select_from(LedgerEntry)
        .outerjoin(LedgerRelease, LedgerRelease.producer_order_id == LedgerEntry.producer_order_id)
    )


def balance(producer_id: int, today: date) -> Balance:
    """What the platform owes a producer: available (payable on ``today``) and pending (in
    a hold, or goods not yet delivered). One SQL statement, whatever the number of entries."""
    available, pending = db.session.execute(
        _entries_with_release(*_balance_columns(today)).where(
            LedgerEntry.producer_id == producer_id
        )
    ).one()
    return Balance(int(available), int(pending))


def available_balances(today: date, minimum_vnd: int) -> dict[int, int]:
    """{producer id: available balance} for every producer whose available balance reaches
    ``minimum_vnd`` (one statement)."""
    available, _pending = _balance_columns(today)
    rows = db.session.execute(
        _entries_with_release(LedgerEntry.producer_id, available)
        .group_by(LedgerEntry.producer_id)
        .having(available >= literal(max(minimum_vnd, 1)))
        .order_by(LedgerEntry.producer_id)
    ).all()
    return {producer_id: int(amount) for producer_id, amount in rows}
