"""Writing side effects to the outbox, and delivering them once.

``enqueue_email`` adds a row in the caller's transaction (flush, no commit), so a message
exists exactly when the change that caused it was committed. After that commit a delivery task
is enqueued (``shop.jobs.deliver_outbox``); a periodic sweep picks up retries and anything a
lost enqueue left behind.

Delivery claims due rows with one conditional update (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), commits the claim, delivers outside any write
transaction, and records each result with a compare-and-set on ``status = 'sending'``. A failed
attempt goes back to ``pending`` with an exponential backoff; after ``OUTBOX_MAX_ATTEMPTS`` it is
``failed``. A worker that dies mid-delivery leaves ``sending`` rows, which the sweep returns to
``pending`` after ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` (the retry carries the same Message-ID).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.db import begin_write_transaction, utcnow
from shop.extensions import db
from shop.notify import after_commit_once
from shop.outbox.models import MESSAGE_TRANSITIONS, MessageKind, MessageStatus, OutboxMessage

log = logging.getLogger(__name__)
S = MessageStatus


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue_email(
    to: str, subject: str, text_body: str, html_body: str | None = None, *, key: str | None = None
) -> OutboxMessage:
    """Write an e-mail to the outbox in the current transaction; delivered after the commit.

    ``key`` makes the call idempotent: a second message with the same key is not added (the
    first is returned). Raises ``ValueError`` for an address or subject with a line break.
    """
    if any(ch in value for value in (to, subject) for ch in "\r\n"):
        raise ValueError("e-mail headers cannot contain line breaks")
    session = db.session()
    if key is not None:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        if existing is not None:
            return existing
    message = OutboxMessage(
        kind=MessageKind.EMAIL,
        idempotency_key=key or f"email-{uuid.uuid4().hex}",
        payload={"to": to, "subject": subject, "text_body": text_body, "html_body": html_body},
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    after_commit_once(session, _enqueue_delivery)
    return message


def _enqueue_delivery() -> None:
    from shop.jobs import deliver_outbox

    deliver_outbox()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … capped at OUTBOX_RETRY_MAX_SECONDS."""
    config = current_app.config
    seconds = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def _set_status(session: Session, message_id: int, current: str, target: str, **values) -> bool:
    """One compare-and-set along the outbox state machine; False if someone moved it first."""
    assert target in MESSAGE_TRANSITIONS[current], (current, target)  # noqa: S101 - programming error
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == current)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_due(now: datetime, limit: int) -> list[int]:
    """Move up to ``limit`` due messages from pending to sending; returns their ids.

    Runs inside the caller's write transaction. On PostgreSQL the rows are picked with
    ``FOR UPDATE SKIP LOCKED``, so two workers take different rows instead of waiting; the
    ``status = 'pending'`` condition makes the claim a compare-and-set everywhere.
    """
    # Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT): PostgreSQL may rescan such a
    # subquery and, seeing its own updates, claim far more than ``limit`` rows.
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == S.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return []
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due), OutboxMessage.status == S.PENDING)
        .values(status=S.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all())


def release_stale_claims(now: datetime) -> int:
    """Messages left in ``sending`` by a worker that stopped: back to pending, retried."""
    timeout = timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == S.SENDING, OutboxMessage.claimed_at < now - timeout)
        .values(
            status=S.PENDING,
            next_attempt_at=now,
            last_error="the worker stopped during delivery",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Claim the due messages, deliver each, record each result. Safe on many workers at once."""
    from shop.mail import deliver_email

    transports = {MessageKind.EMAIL: deliver_email}
    now = now or utcnow()
    limit = limit or current_app.config["OUTBOX_BATCH_SIZE"]
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    session = db.session()

    begin_write_transaction(session)
    release_stale_claims(now)
    ids = claim_due(now, limit)
    session.commit()
    if not ids:
        return DeliveryReport()
    claimed = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.idempotency_key,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        ).where(OutboxMessage.id.in_(ids))
    ).all()
    session.rollback()  # no transaction stays open while talking to the outside world

    report = DeliveryReport()
    for message_id, kind, key, payload, attempts in sorted(claimed):
        try:
            transports[MessageKind(kind)](payload, key)
        except Exception as exc:  # any failure of the transport is retried, then reported
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts >= max_attempts:
                _set_status(session, message_id, S.SENDING, S.FAILED, last_error=error)
                report.failed += 1
                log.error(
                    "outbox message %s failed for good after %s attempts: %s",
                    message_id,
                    attempts,
                    error,
                )
            else:
                next_at = now + retry_delay(attempts)
                _set_status(
                    session,
                    message_id,
                    S.SENDING,
                    S.PENDING,
                    next_attempt_at=next_at,
                    last_error=error,
                )
                report.retrying += 1
                log.warning(
                    "outbox message %s: attempt %s failed (%s); next try at %s",
                    message_id,
                    attempts,
                    error,
                    next_at.isoformat(),
                )
        else:
            _set_status(session, message_id, S.SENDING, S.SENT, sent_at=utcnow(), last_error=None)
            report.sent += 1
        session.commit()
    return report


def retry_failed() -> int:
    """Give every failed message a fresh start (``flask outbox retry``)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == S.FAILED)
        .values(status=S.PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        after_commit_once(db.session(), _enqueue_delivery)
    return result.rowcount or 0


def status_counts() -> dict[str, int]:
    from sqlalchemy import func

    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {str(status): count for status, count in rows}
