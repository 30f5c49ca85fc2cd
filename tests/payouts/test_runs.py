"""Payout runs: one payout per producer above the minimum, its ledger entry in the same
transaction, never twice — not when run again, not after dying halfway."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.errors import InvalidTransition
from shop.extensions import db
from shop.payouts import services
from shop.payouts.ledger import balance
from shop.payouts.models import EntryKind, Payout, PayoutRun, PayoutStatus
from shop.payouts.services import (
    PayoutNotAllowed,
    approve_payout,
    mark_failed,
    mark_paid,
    mark_reconciled,
    mark_sent,
    run_payouts,
)
from tests.factories import gen_producer, gen_product, gen_user
from tests.payouts.factories import PAID_AT, bank_account, deliver, entries, paid_order

RUN_DAY = date(2026, 12, 14)


def producers_owed(*prices: int):
    """One producer per price, each with a delivered sale of that price (available by
    ``RUN_DAY``) and verified bank details."""
    producers = []
    for price in prices:
        producer = gen_producer()
        bank_account(producer)
        order = paid_order([(gen_product(producer, price_vnd=price), 1)])
        deliver(order, PAID_AT)
        producers.append(producer)
    db.session.commit()
    return producers


def payouts() -> list[Payout]:
    return list(db.session.scalars(select(Payout).order_by(Payout.producer_id)))


def test_a_run_pays_each_producer_above_the_minimum_once(app):
    app.config["PAYOUT_MINIMUM_VND"] = 100_000
    big, small = producers_owed(500_000, 100_000)  # 450 000 and 90 000 available
    report = run_payouts(RUN_DAY)
    assert report.payouts == [(big.id, 450_000)]
    assert [(p.producer_id, p.amount_vnd, p.status) for p in payouts()] == [
        (big.id, 450_000, "draft")
    ]
    assert balance(big.id, RUN_DAY).available_vnd == 0
    assert balance(small.id, RUN_DAY).available_vnd == 90_000
    # Run again the same day, or another day: nobody is paid twice.
    assert run_payouts(RUN_DAY).payouts == []
    assert run_payouts(date(2026, 12, 21)).payouts == []
    assert len(payouts()) == 1
    (entry,) = entries(kind=EntryKind.PAYOUT)
    assert entry.amount_vnd == -450_000
    assert entry.payout_id == payouts()[0].id


def test_a_dry_run_writes_nothing(app):
    (producer,) = producers_owed(500_000)
    report = run_payouts(RUN_DAY, dry_run=True)
    assert report.payouts == [(producer.id, 450_000)]
    assert payouts() == []
    assert entries(kind=EntryKind.PAYOUT) == []


def test_a_run_that_dies_halfway_pays_nobody_twice_when_run_again(app, monkeypatch):
    owed = producers_owed(200_000, 300_000, 400_000, 500_000)
    real = services.pay_producer
    calls = []

    def dying(run, producer_id, today):
        calls.append(producer_id)
        if len(calls) == 3:
            raise RuntimeError("the worker was killed")
        return real(run, producer_id, today)

    with pytest.raises(RuntimeError):
        run_payouts(RUN_DAY, pay=dying)
    db.session.rollback()
    assert [p.producer_id for p in payouts()] == [owed[0].id, owed[1].id]
    report = run_payouts(RUN_DAY)
    assert report.already_paid == [owed[0].id, owed[1].id]
    assert [pid for pid, _ in report.payouts] == [owed[2].id, owed[3].id]
    assert [p.amount_vnd for p in payouts()] == [180_000, 270_000, 360_000, 450_000]
    assert all(balance(p.id, RUN_DAY).available_vnd == 0 for p in owed)
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 4


def test_paying_a_producer_twice_in_one_run_is_refused(app):
    (producer,) = producers_owed(500_000)
    run_payouts(RUN_DAY)
    (payout,) = payouts()
    run = db.session.get(PayoutRun, payout.run_id)
    assert services.pay_producer(run, producer.id, RUN_DAY) is None
    # Past the service's guard, the database's unique (run, producer) still holds.
    db.session.add(Payout(run_id=run.id, producer_id=producer.id, amount_vnd=1))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_a_refund_after_payout_leaves_a_negative_balance_the_next_run_nets(app):
    from shop.orders.services import apply_refund

    producer = gen_producer()
    bank_account(producer)
    order = paid_order([(gen_product(producer, price_vnd=200_000), 2)])
    deliver(order, PAID_AT)
    db.session.commit()
    run_payouts(RUN_DAY)  # 360 000
    line = order.lines[0]
    apply_refund(order, amount_vnd=200_000, lines={line.id: 1})
    db.session.commit()
    assert balance(producer.id, RUN_DAY).available_vnd == -180_000
    assert run_payouts(date(2026, 12, 21)).payouts == []
    second = paid_order([(gen_product(producer, price_vnd=500_000), 1)])
    deliver(second, PAID_AT)
    db.session.commit()
    assert run_payouts(date(2026, 12, 21)).payouts == [(producer.id, 450_000 - 180_000)]


def test_payout_life_needs_a_second_admin_and_a_failed_payout_is_owed_again(app):
    first_admin, second_admin = gen_user("admin"), gen_user("admin")
    (producer,) = producers_owed(500_000)
    run_payouts(RUN_DAY, created_by_id=first_admin.id)
    (payout,) = payouts()
    now = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)
    with pytest.raises(PayoutNotAllowed):
        approve_payout(payout, admin_id=first_admin.id, now=now)
    with pytest.raises(InvalidTransition):
        mark_sent(payout)  # not approved yet
    approve_payout(payout, admin_id=second_admin.id, now=now)
    mark_sent(payout)
    mark_failed(payout, reason="account closed")
    assert payout.status == PayoutStatus.FAILED
    assert balance(producer.id, RUN_DAY).available_vnd == 450_000
    with pytest.raises(InvalidTransition):
        mark_failed(payout, reason="twice")
    assert len(entries(kind=EntryKind.PAYOUT_REVERSAL)) == 1


def test_a_paid_payout_is_reconciled_with_its_bank_reference(app):
    admin, other = gen_user("admin"), gen_user("admin")
    producers_owed(500_000)
    run_payouts(RUN_DAY, created_by_id=admin.id)
    (payout,) = payouts()
    approve_payout(payout, admin_id=other.id, now=datetime(2026, 12, 14, tzinfo=UTC))
    mark_sent(payout)
    mark_paid(payout, provider_reference="FT26348123456")
    mark_reconciled(payout)
    assert payout.status == PayoutStatus.RECONCILED
    assert payout.provider_reference == "FT26348123456"


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("draft", "approved", True),
        ("draft", "sent", False),
        ("draft", "paid", False),
        ("approved", "sent", True),
        ("approved", "paid", False),
        ("sent", "paid", True),
        ("sent", "failed", True),
        ("paid", "reconciled", True),
        ("paid", "failed", False),
        ("failed", "sent", False),
        ("reconciled", "paid", False),
    ],
)
def test_payout_transitions(start, target, allowed):
    assert (target in services.PAYOUT_TRANSITIONS[start]) is allowed


def test_the_command_runs_payouts_and_a_dry_run_only_reports(app, runner):
    (producer,) = producers_owed(500_000)
    app.config["FIXED_TODAY"] = RUN_DAY
    dry = runner.invoke(args=["payouts", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"producer {producer.id}: 450000 VND" in dry.output
    assert "1 payout(s) would be made" in dry.output
    assert payouts() == []
    done = runner.invoke(args=["payouts", "run"])
    assert "1 payout(s) made, 450000 VND in all." in done.output
    again = runner.invoke(args=["payouts", "run"])
    assert "0 payout(s) made" in again.output
    assert len(payouts()) == 1


def test_the_weekly_job_runs_payouts(app):
    from shop.jobs import run_payouts as weekly

    producers_owed(500_000)
    app.config["FIXED_TODAY"] = RUN_DAY
    assert weekly.call_local() == 1
    assert weekly.call_local() == 0


def test_a_producer_on_hold_is_skipped_until_the_hold_is_lifted(app):
    from shop.payouts.services import hold_payouts, release_hold

    admin = gen_user("admin")
    held, free = producers_owed(500_000, 300_000)
    with pytest.raises(PayoutNotAllowed):
        hold_payouts(held.id, reason="  ", admin_id=admin.id)
    hold = hold_payouts(held.id, reason="bank account name does not match", admin_id=admin.id)
    db.session.commit()
    assert run_payouts(RUN_DAY, dry_run=True).payouts == [(free.id, 270_000)]
    assert run_payouts(RUN_DAY).payouts == [(free.id, 270_000)]
    assert balance(held.id, RUN_DAY).available_vnd == 450_000  # still owed, not paid
    assert release_hold(hold, admin_id=admin.id, now=datetime(2026, 12, 15, tzinfo=UTC))
    assert not release_hold(hold, admin_id=admin.id, now=datetime(2026, 12, 15, tzinfo=UTC))
    db.session.commit()
    assert run_payouts(date(2026, 12, 21)).payouts == [(held.id, 450_000)]
