"""Ledger invariants over random sequences of paid orders, partial refunds, deliveries and
payout runs (Hypothesis): per producer, the entries sum to what the platform owes it; nothing
is paid twice; refunds never make the platform owe more than it kept."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import ProducerOrderStatus
from shop.orders.services import apply_refund
from shop.payouts.ledger import balance, share
from shop.payouts.models import EntryKind, LedgerEntry, Payout
from shop.payouts.services import run_payouts
from tests.factories import gen_producer, gen_product
from tests.payouts.factories import bank_account, deliver, paid_order

_examples = itertools.count(1)

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("order"),
            st.lists(
                st.tuples(st.integers(0, 3), st.integers(1, 3)),
                min_size=1,
                max_size=3,
                unique_by=lambda item: item[0],
            ),
        ),
        st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 100)),
        st.tuples(st.just("deliver"), st.integers(0, 50), st.integers(0, 3)),
        st.tuples(st.just("run"), st.integers(0, 10)),
    ),
    min_size=1,
    max_size=12,
)


def line_owed(total: int, refunded: int, household: bool) -> int:
    """What a line still earns its producer, computed from the rules, not the ledger."""
    deductions = [share(total, 1000)]
    if household:
        deductions += [share(total, 100), share(total, 50)]
    return (total - refunded) - sum(d - d * refunded // total for d in deductions)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_ledger_invariants_hold_over_random_histories(app, backend):
    app.config.update(COMMISSION_DEFAULT_BP=1000, COMMISSION_MIN_VND=0, PAYOUT_MINIMUM_VND=1)

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps=operations)
    def history(steps):
        example = next(_examples)
        coop, household = gen_producer(), gen_producer(legal_type="household")
        bank_account(coop)
        bank_account(household)
        prices = [99_999, 123_457, 10_001, 250_000]
        products = [
            gen_product(coop if i % 2 == 0 else household, price_vnd=price, stock=1000)
            for i, price in enumerate(prices)
        ]
        producers = {coop.id: False, household.id: True}
        orders = []
        refunded: dict[int, int] = {}  # line id → money refunded to it
        today = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
        db.session.commit()
        for step, operation in enumerate(steps):
            note(f"{step}: {operation}")
            kind = operation[0]
            if kind == "order":
                orders.append(paid_order([(products[i], q) for i, q in operation[1]]))
            elif kind == "refund" and orders:
                order = orders[operation[1] % len(orders)]
                open_lines = [ln for ln in order.lines if ln.refunded_quantity < ln.quantity]
                if open_lines:
                    line = open_lines[operation[2] % len(open_lines)]
                    quantity = 1 + operation[2] % (line.quantity - line.refunded_quantity)
                    worth = line.unit_price_vnd * quantity
                    money = max(1, worth * operation[2] // 100)
                    apply_refund(order, amount_vnd=money, lines={line.id: quantity})
                    refunded[line.id] = refunded.get(line.id, 0) + money
            elif kind == "deliver" and orders:
                today += timedelta(days=operation[2])
                order = orders[operation[1] % len(orders)]
                for part in order.producer_orders:
                    if part.status == ProducerOrderStatus.NEW:
                        deliver(order, today, part)
            elif kind == "run":
                today += timedelta(days=operation[1])
                run_payouts(today.date(), key=f"prop-{example}-{step}")
            db.session.commit()

        lines = [line for order in orders for line in order.lines]
        for producer_id, household_seller in producers.items():
            own = [ln for ln in lines if ln.producer_order.producer_id == producer_id]
            paid_out = db.session.scalar(
                select(func.coalesce(func.sum(Payout.amount_vnd), 0)).where(
                    Payout.producer_id == producer_id
                )
            )
            owed = sum(
                line_owed(ln.line_total_vnd, refunded.get(ln.id, 0), household_seller) for ln in own
            )
            # The entries sum to what the platform owes the producer.
            assert balance(producer_id, date(2030, 1, 1)).total_vnd == owed - paid_out
            # Refunds never make the platform owe more than it kept of the customers' money.
            assert owed <= sum(ln.line_total_vnd - refunded.get(ln.id, 0) for ln in own)
            # Nothing paid twice: each payout has exactly one ledger entry of its amount, and
            # no more was ever paid than the producer earned at its best.
            for payout in db.session.scalars(
                select(Payout).where(Payout.producer_id == producer_id)
            ):
                payout_entries = db.session.scalars(
                    select(LedgerEntry.amount_vnd).where(
                        LedgerEntry.payout_id == payout.id, LedgerEntry.kind == EntryKind.PAYOUT
                    )
                ).all()
                assert payout_entries == [-payout.amount_vnd]
            earned = sum(line_owed(ln.line_total_vnd, 0, household_seller) for ln in own)
            assert paid_out <= earned
            # Reversals never exceed what they reverse.
            for original in db.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.producer_id == producer_id,
                    LedgerEntry.kind.in_(["sale", "commission", "withholding"]),
                )
            ):
                reversed_total = db.session.scalar(
                    select(func.coalesce(func.sum(func.abs(LedgerEntry.amount_vnd)), 0)).where(
                        LedgerEntry.reverses_id == original.id
                    )
                )
                assert reversed_total <= abs(original.amount_vnd)

    history()
