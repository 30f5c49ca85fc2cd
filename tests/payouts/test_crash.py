"""A payout run killed for real (SIGKILL, mid-payment) and run again: every producer is paid
exactly once and the ledger adds up. The run is a separate process on a file SQLite database,
and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from shop import create_app
from shop.extensions import db
from shop.payouts.ledger import balance
from shop.payouts.models import EntryKind, LedgerEntry, Payout, PayoutRun
from tests.conftest import make_config
from tests.payouts.test_runs import RUN_DAY, producers_owed

ROOT = Path(__file__).resolve().parents[2]
PRICES = [100_000 * (i + 2) for i in range(10)]


@pytest.fixture
def crash_app(backend, request, tmp_path):
    if backend == "postgres":
        yield request.getfixturevalue("pg_app")
        return
    app = create_app(make_config(f"sqlite:///{tmp_path / 'crash.db'}"))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def start_run(url: str, pause: float) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script and the test's database URL
        [sys.executable, "-m", "tests.payouts.crash_run", url, RUN_DAY.isoformat(), str(pause)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def committed_payouts(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM payout")).scalar_one()


def test_a_run_killed_after_three_payouts_pays_everyone_once_when_run_again(crash_app):
    url = crash_app.config["SQLALCHEMY_DATABASE_URI"]
    producers = producers_owed(*PRICES)
    owed = {p.id: balance(p.id, RUN_DAY).available_vnd for p in producers}
    db.session.commit()
    watcher = create_engine(url)
    try:
        process = start_run(url, pause=0.5)
        deadline = time.monotonic() + 60
        while committed_payouts(watcher) < 3:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the run never paid three producers"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)  # the fourth payment is under way
        process.communicate(timeout=10)
        assert process.returncode == -signal.SIGKILL
        assert committed_payouts(watcher) == 3
    finally:
        watcher.dispose()

    again = start_run(url, pause=0)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.split() == ["7", "3"]  # seven paid now, three by the killed attempt

    db.session.expire_all()
    paid = dict(
        db.session.execute(
            select(Payout.producer_id, func.count(Payout.id)).group_by(Payout.producer_id)
        ).all()
    )
    assert paid == dict.fromkeys(owed, 1)
    assert db.session.scalar(select(func.count(PayoutRun.id))) == 1
    for producer_id, amount in owed.items():
        payout = db.session.scalars(select(Payout).where(Payout.producer_id == producer_id)).one()
        assert payout.amount_vnd == amount
        payout_entries = db.session.scalars(
            select(LedgerEntry.amount_vnd).where(
                LedgerEntry.producer_id == producer_id, LedgerEntry.kind == EntryKind.PAYOUT
            )
        ).all()
        assert payout_entries == [-amount]
        assert balance(producer_id, RUN_DAY).total_vnd == 0
    assert db.session.scalar(select(func.sum(Payout.amount_vnd))) == sum(owed.values())
