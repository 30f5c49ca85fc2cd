"""Two payout runs at once on PostgreSQL (two workers, or the job beside a manual run): each
producer's money is paid once, whichever run takes its row lock first."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.payouts.ledger import balance
from shop.payouts.models import Payout
from shop.payouts.services import run_payouts
from tests.conftest import run_threads
from tests.payouts.test_runs import RUN_DAY, producers_owed

pytestmark = pytest.mark.postgres


def test_two_runs_at_once_pay_each_producer_once(pg_app):
    owed = producers_owed(200_000, 300_000, 400_000, 500_000, 600_000)

    def run(i: int) -> int:
        with pg_app.app_context():
            try:
                return len(run_payouts(RUN_DAY, key=f"worker-{i}").payouts)
            finally:
                db.session.remove()

    results = run_threads(4, run)
    assert sum(results) == len(owed)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payout.id))) == len(owed)
    assert (
        db.session.scalar(select(func.sum(Payout.amount_vnd))) == 90 * (2 + 3 + 4 + 5 + 6) * 10**3
    )
    assert all(balance(p.id, RUN_DAY).available_vnd == 0 for p in owed)


def test_the_same_run_twice_at_once_pays_each_producer_once(pg_app):
    owed = producers_owed(200_000, 300_000, 400_000)

    def run(_i: int) -> int:
        with pg_app.app_context():
            try:
                return len(run_payouts(RUN_DAY).payouts)
            finally:
                db.session.remove()

    results = run_threads(3, run)
    assert sum(results) == len(owed)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payout.id))) == len(owed)
