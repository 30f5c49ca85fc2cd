"""The job worker: Huey storage, periodic jobs once per tick, safe on two workers at once."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import redis
from huey import RedisHuey, SqliteHuey
from sqlalchemy import func, select

from shop.catalog.models import CertificateStatus, OcopCertificate
from shop.catalog.services import expire_certificates
from shop.extensions import db
from shop.jobs import expire_orders, make_huey
from shop.jobs.models import JobRun
from shop.jobs.runs import run_once_per_tick
from shop.orders.models import Order, OrderStatus
from tests.conftest import run_threads, skip_without_redis
from tests.factories import gen_certificate, gen_order, gen_product

PLACED = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def test_the_queue_is_a_sqlite_file_without_redis(tmp_path):
    queue = make_huey("", str(tmp_path / "jobs" / "queue.db"), name="test")
    assert isinstance(queue, SqliteHuey)

    @queue.task()
    def noop() -> None:
        return None

    noop()
    assert queue.pending_count() == 1
    assert (tmp_path / "jobs" / "queue.db").exists()


def test_the_queue_is_in_redis_when_redis_url_is_set():
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        skip_without_redis("no Redis on 127.0.0.1:6379")
    queue = make_huey(url, "unused.db", name=f"ocop-test-{uuid.uuid4().hex[:8]}")
    assert isinstance(queue, RedisHuey)

    @queue.task()
    def noop() -> None:
        return None

    try:
        noop()
        noop()
        assert queue.pending_count() == 2
    finally:
        queue.flush()


def test_the_expiry_job_expires_lapsed_orders_once_per_minute(app, monkeypatch):
    product = gen_product(stock=5)
    order = gen_order([(product, 2)], now=PLACED)
    db.session.commit()
    tick = PLACED + timedelta(hours=1, seconds=20)
    monkeypatch.setattr("shop.db.utcnow", lambda: tick)

    # The job runs in a session of its own; on in-memory SQLite both share one connection, so
    # the test's session ends its transaction before each run (commit), as another process would.
    assert expire_orders.call_local() == 1
    assert db.session.get(Order, order.id).status == OrderStatus.EXPIRED
    assert product.stock == 5
    db.session.commit()
    assert expire_orders.call_local() is None  # the same minute: another run already had it
    monkeypatch.setattr("shop.db.utcnow", lambda: tick + timedelta(minutes=1))
    assert expire_orders.call_local() == 0
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 2


def test_a_failed_run_leaves_its_tick_for_the_next_try(app):
    tick = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

    def broken() -> int:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        run_once_per_tick("demo-job", tick, broken)
    assert run_once_per_tick("demo-job", tick, lambda: 7) == 7


@pytest.mark.postgres
def test_two_workers_run_a_periodic_tick_once(pg_app):
    tick = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    ran: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        time.sleep(0.3)  # the other worker arrives while this one holds the tick
        with lock:
            ran.append(i)
        return 1

    def worker(i: int) -> int | None:
        with pg_app.app_context():
            try:
                return run_once_per_tick("demo-job", tick, lambda: work(i))
            finally:
                db.session.remove()

    results = run_threads(2, worker)
    assert sorted(results, key=lambda r: r is None) == [1, None]
    assert len(ran) == 1
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


@pytest.mark.postgres
def test_two_certificate_expiry_runs_at_once_mark_each_certificate_once(pg_app):
    for _ in range(4):
        gen_certificate(gen_product(), decision_date=date(2023, 1, 1))  # valid until 2026-01-01
    current = gen_certificate(gen_product(), decision_date=date(2025, 1, 1))
    db.session.commit()
    current_id = current.id

    def worker(i: int) -> int:
        with pg_app.app_context():
            try:
                changed = expire_certificates(date(2026, 11, 28))
                db.session.commit()
                return changed
            finally:
                db.session.remove()

    results = run_threads(2, worker)
    assert sum(results) == 4
    db.session.expire_all()
    statuses = db.session.scalars(select(OcopCertificate.status).order_by(OcopCertificate.id))
    assert list(statuses) == [CertificateStatus.EXPIRED] * 4 + [CertificateStatus.ACTIVE]
    assert db.session.get(OcopCertificate, current_id).status == CertificateStatus.ACTIVE
