"""Ledger invariants over random sequences of orders paid online, cash-on-delivery orders and
their carriers' remittances (some not matching), bundles, partial refunds, deliveries and
payout runs (Hypothesis): per producer, the entries sum to what the platform owes it; nothing
is paid twice; refunds never make the platform owe more than it kept; every đồng of a bundle
bought is credited to exactly one producer."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import ProducerOrderStatus
from shop.orders.services import LineRequest, apply_refund, mark_paid
from shop.payouts.ledger import RemittanceMismatch, balance, record_remittance, share
from shop.payouts.models import EntryKind, LedgerEntry, Payout
from shop.payouts.services import run_payouts
from tests.bundles.factories import buy, gen_bundle
from tests.factories import gen_order, gen_producer, gen_product
from tests.payouts.factories import PAID_AT, bank_account, deliver, paid_order

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
        st.tuples(
            st.just("cod"),
            st.lists(
                st.tuples(st.integers(0, 3), st.integers(1, 3)),
                min_size=1,
                max_size=3,
                unique_by=lambda item: item[0],
            ),
            st.booleans(),  # delivered (the cash collected) at once
        ),
        st.tuples(st.just("bundle"), st.integers(0, 1), st.integers(1, 3)),
        st.tuples(st.just("remit"), st.integers(0, 50), st.booleans()),
        st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 100)),
        st.tuples(st.just("deliver"), st.integers(0, 50), st.integers(0, 3)),
        st.tuples(st.just("run"), st.integers(0, 10)),
    ),
    min_size=1,
    max_size=14,
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
    # Collected, refunded in full, then remitted: the refund had nothing to reverse yet.
    @example(steps=[("cod", [(0, 1)], True), ("refund", 0, 100), ("remit", 0, True)])
    # A bundle refunded in part, a remittance short by a đồng, then the right one.
    @example(
        steps=[("bundle", 0, 2), ("refund", 0, 37), ("cod", [(1, 2), (2, 1)], True),
               ("remit", 1, False), ("remit", 1, True), ("run", 10)]
    )  # fmt: skip
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
        # A gift set of both producers' goods, and one of the cooperative's only; odd prices
        # so the allocation has remainders to place.
        bundles = [
            gen_bundle("gift_set", [(products[0], 1), (products[1], 2)], price_vnd=277_777),
            gen_bundle("gift_set", [(products[2], 3)], price_vnd=29_999),
        ]
        bought: list[tuple[object, int, int]] = []  # (order, bundle index, quantity)
        remitted: set[int] = set()  # cash-on-delivery orders whose remittance was recorded
        orders = []
        refunded: dict[int, int] = {}  # line id → money refunded to it
        today = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
        db.session.commit()
        for step, operation in enumerate(steps):
            note(f"{step}: {operation}")
            kind = operation[0]
            if kind == "order":
                orders.append(paid_order([(products[i], q) for i, q in operation[1]]))
            elif kind == "cod":
                order = gen_order([(products[i], q) for i, q in operation[1]], method="cod")
                if operation[2]:
                    deliver(order, today)
                db.session.refresh(order)
                orders.append(order)
            elif kind == "bundle":
                order = buy([LineRequest.bundle(bundles[operation[1]].id, operation[2])])
                with time_machine.travel(PAID_AT, tick=False):
                    assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="t")
                db.session.refresh(order)
                orders.append(order)
                bought.append((order, operation[1], operation[2]))
            elif kind == "remit" and orders:
                order = orders[operation[1] % len(orders)]
                db.session.refresh(order)
                if order.payment_method == "cod" and order.paid_vnd > 0:
                    # Refunded before any remittance: refused (never credits money refunded).
                    exact = operation[2] and (order.refunded_vnd == 0 or order.id in remitted)
                    amount = order.paid_vnd if operation[2] else order.paid_vnd - 1
                    try:
                        record_remittance(order, amount_vnd=amount, now=today)
                    except RemittanceMismatch:
                        assert not exact
                    else:
                        assert exact
                        remitted.add(order.id)
            elif kind == "refund" and orders:
                order = orders[operation[1] % len(orders)]
                open_lines = [ln for ln in order.lines if ln.refunded_quantity < ln.quantity]
                if open_lines and order.paid_vnd > 0:
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

        # Cash-on-delivery lines earn their producer only once the carrier's cash is recorded.
        lines = [
            line
            for order in orders
            if order.payment_method != "cod" or order.id in remitted
            for line in order.lines
        ]
        for order in orders:
            if order.payment_method == "cod" and order.id not in remitted:
                assert not db.session.scalars(
                    select(LedgerEntry.id).where(
                        LedgerEntry.order_line_id.in_([ln.id for ln in order.lines])
                    )
                ).all()
        # Every đồng of a bundle bought is in exactly one producer's sale entries: one sale
        # entry per part, the part's producer's, and the parts add up to the bundle's price.
        for order, index, quantity in bought:
            parts = [ln for ln in order.lines if ln.bundle_id == bundles[index].id]
            sales = db.session.execute(
                select(
                    LedgerEntry.order_line_id, LedgerEntry.producer_id, LedgerEntry.amount_vnd
                ).where(
                    LedgerEntry.kind == EntryKind.SALE,
                    LedgerEntry.order_line_id.in_([ln.id for ln in parts]),
                )
            ).all()
            assert sorted(line_id for line_id, _p, _a in sales) == sorted(ln.id for ln in parts)
            for line_id, producer_id, amount in sales:
                part = next(ln for ln in parts if ln.id == line_id)
                assert producer_id == part.producer_order.producer_id
                assert amount == part.line_total_vnd
            assert sum(amount for *_ids, amount in sales) == bundles[index].price_vnd * quantity
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
