"""The outbox: written with the change that causes it, delivered once, retried with backoff."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.db import begin_write_transaction, utcnow
from shop.extensions import db
from shop.mail import send_email
from shop.orders.models import Order
from shop.outbox.models import MessageStatus, OutboxMessage
from shop.outbox.services import claim_due, deliver_due
from tests.conftest import run_threads
from tests.factories import gen_order, gen_product


def aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingSMTP:
    """Stands in for ``smtplib.SMTP`` once the mail server is back."""

    sent: list = []

    def __init__(self, host, port, timeout):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        RecordingSMTP.sent.append((message["To"], message["Subject"], message["Message-ID"]))


@pytest.fixture
def smtp_down(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_USE_TLS=False)
    return app


def test_smtp_down_the_order_commits_and_the_email_arrives_once_when_smtp_is_back(
    smtp_down, monkeypatch
):
    product = gen_product(stock=3)
    db.session.commit()
    before = utcnow()
    order = gen_order([(product, 1)])
    reference = order.reference
    db.session.commit()  # the delivery task runs now (immediate mode) and fails

    db.session.expire_all()
    assert db.session.scalar(select(Order).where(Order.reference == reference)) is not None
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert aware(message.next_attempt_at) > before + timedelta(seconds=29)
    assert "Connection" in message.last_error or "refused" in message.last_error
    assert message.payload["to"] == order.email

    RecordingSMTP.sent = []
    monkeypatch.setattr("shop.mail.smtplib.SMTP", RecordingSMTP)
    assert deliver_due().sent == 0  # not due before its backoff is over
    later = aware(message.next_attempt_at) + timedelta(seconds=1)
    assert deliver_due(later).sent == 1
    assert deliver_due(later + timedelta(hours=1)).sent == 0
    assert len(RecordingSMTP.sent) == 1
    to, subject, message_id = RecordingSMTP.sent[0]
    assert to == order.email
    assert reference in subject
    assert message_id.startswith(f"<order-{reference}-placed@")
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None
    assert message.last_error is None


def test_retries_back_off_exponentially_then_give_up(smtp_down):
    smtp_down.config.update(OUTBOX_MAX_ATTEMPTS=4, OUTBOX_RETRY_BASE_SECONDS=30)
    send_email("anh@example.com", "Xin chào", "Nội dung")
    db.session.commit()  # attempt 1 fails at once
    message = db.session.scalar(select(OutboxMessage))
    delays = []
    for _ in range(3):
        db.session.expire_all()
        due = aware(message.next_attempt_at)
        report = deliver_due(due)
        db.session.expire_all()
        if message.status == MessageStatus.PENDING:
            delays.append((aware(message.next_attempt_at) - due).total_seconds())
    assert delays == [60, 120]  # after attempts 2 and 3 (attempt 1 waited 30 s)
    assert report.failed == 1
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 4
    assert deliver_due(due + timedelta(days=1)).sent == 0  # given up: a person must look


def test_nothing_is_sent_for_a_transaction_that_rolls_back(app, outbox):
    product = gen_product(stock=3)
    db.session.commit()
    gen_order([(product, 1)])
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert outbox() == []


def test_a_savepoint_released_sends_nothing_until_the_outer_commit(app, outbox):
    with db.session.begin_nested():
        send_email("anh@example.com", "Xin chào", "Nội dung")
    assert outbox() == []  # the savepoint is released, the transaction is still open
    db.session.commit()
    assert len(outbox()) == 1


def test_the_delivery_job_runs_after_the_commit_gave_its_connection_back(postgres_url, tmp_path):
    """A pool of one connection: the in-process delivery job after a commit needs it, so it
    must start only once the committing session has returned it (before, every request that
    finished at once held two connections and a full pool left both waiting until timeout)."""
    from shop import create_app
    from tests.conftest import empty_postgres, make_config

    options = {"pool_size": 1, "max_overflow": 0}
    config = make_config(
        postgres_url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        DATABASE_POOL_TIMEOUT=1,
        MAIL_OUTBOX_DIR=str(tmp_path),
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        try:
            send_email("anh@example.com", "Xin chào", "Nội dung", key="one-connection")
            db.session.commit()
            status = db.session.scalar(
                select(OutboxMessage.status).where(
                    OutboxMessage.idempotency_key == "one-connection"
                )
            )
            assert status == MessageStatus.SENT
            assert len(list(tmp_path.glob("*.eml"))) == 1
        finally:
            db.session.remove()
            empty_postgres(db.engine)
            db.engine.dispose()


def test_the_same_idempotency_key_queues_one_message(app, outbox):
    first = send_email("anh@example.com", "Xin chào", "Nội dung", key="welcome-1")
    second = send_email("anh@example.com", "Xin chào", "Nội dung", key="welcome-1")
    assert first is second
    db.session.commit()
    assert len(outbox()) == 1


def test_a_message_left_sending_by_a_stopped_worker_is_delivered_later(app, outbox):
    now = utcnow()
    db.session.add(
        OutboxMessage(
            kind="email",
            idempotency_key="stuck-1",
            payload={"to": "anh@example.com", "subject": "S", "text_body": "B", "html_body": None},
            status=MessageStatus.SENDING,
            attempts=1,
            claimed_at=now - timedelta(hours=1),
            next_attempt_at=now - timedelta(hours=1),
        )
    )
    db.session.commit()
    assert deliver_due(now).sent == 1
    [mail] = outbox()
    assert mail["Message-ID"].startswith("<stuck-1@")


@pytest.mark.postgres
def test_two_workers_at_once_deliver_each_message_once(pg_app, monkeypatch):
    keys = [f"race-{i}" for i in range(30)]
    for key in keys:
        db.session.add(
            OutboxMessage(
                kind="email",
                idempotency_key=key,
                payload={
                    "to": "a@example.com",
                    "subject": key,
                    "text_body": "B",
                    "html_body": None,
                },
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=utcnow() - timedelta(seconds=1),
            )
        )
    db.session.commit()
    delivered: list[str] = []
    lock = threading.Lock()

    def fake_deliver(payload, key):
        time.sleep(0.01)  # widen the window in which a second worker could take it too
        with lock:
            delivered.append(key)

    monkeypatch.setattr("shop.mail.deliver_email", fake_deliver)

    def worker(i: int) -> int:
        sent = 0
        with pg_app.app_context():
            try:
                while (report := deliver_due(limit=4)).sent:
                    sent += report.sent
            finally:
                db.session.remove()
        return sent

    results = run_threads(2, worker)
    assert sum(results) == 30
    assert sorted(delivered) == sorted(keys)  # every message, none twice
    db.session.expire_all()
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {MessageStatus.SENT}


@pytest.mark.postgres
def test_two_workers_claiming_at_once_take_different_messages(pg_app):
    now = utcnow()
    for i in range(20):
        db.session.add(
            OutboxMessage(
                kind="email",
                idempotency_key=f"claim-{i}",
                payload={
                    "to": "a@example.com",
                    "subject": "S",
                    "text_body": "B",
                    "html_body": None,
                },
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=now - timedelta(seconds=1),
            )
        )
    db.session.commit()

    def claim(i: int) -> list[int]:
        with pg_app.app_context():
            try:
                begin_write_transaction(db.session)
                ids = claim_due(now, 10)
                time.sleep(0.3)  # hold the claimed rows while the other worker claims
                db.session.commit()
                return ids
            finally:
                db.session.remove()

    first, second = run_threads(2, claim)
    assert len(first) == len(second) == 10  # each its own batch, within the limit
    assert not set(first) & set(second)


def test_outbox_commands_report_deliver_and_retry(smtp_down, runner, monkeypatch):
    smtp_down.config.update(OUTBOX_MAX_ATTEMPTS=1)
    send_email("anh@example.com", "Xin chào", "Nội dung")
    db.session.commit()  # the only attempt fails: failed for good
    assert "failed: 1" in runner.invoke(args=["outbox", "status"]).output
    RecordingSMTP.sent = []
    monkeypatch.setattr("shop.mail.smtplib.SMTP", RecordingSMTP)
    assert "1 message(s) queued again" in runner.invoke(args=["outbox", "retry"]).output
    assert len(RecordingSMTP.sent) == 1  # the retry is delivered (immediate mode)
    assert "0 sent" in runner.invoke(args=["outbox", "deliver"]).output
    assert "sent: 1" in runner.invoke(args=["outbox", "status"]).output
