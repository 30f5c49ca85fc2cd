"""Callbacks that must wait for the database commit.

Side effects themselves (e-mails) are rows in the outbox, written in the transaction
(``shop/outbox/``); what waits for the commit is only the nudge to the job worker to deliver
them. A callback queued with ``after_commit`` runs once the session's transaction has
committed, and is dropped if it rolls back. Callbacks must not use the committing session: a
job runs in an application context (and a session) of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "after_commit_callbacks"
_READY = "after_commit_ready"  # committed, waiting for the connection to go back


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    session.info.setdefault(_KEY, []).append(callback)


def after_commit_once(session: Session, callback: Callable[[], object]) -> None:
    """``after_commit``, unless this very callback is already queued for this transaction."""
    callbacks = session.info.setdefault(_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # SQLAlchemy also sends ``after_commit`` when a SAVEPOINT is released: the callbacks wait
    # for the outermost commit (a job enqueued inside a savepoint would otherwise start before
    # the transaction that wrote its work commits).
    if session.in_nested_transaction():
        return
    session.info.setdefault(_READY, []).extend(session.info.pop(_KEY, []))


@event.listens_for(Session, "after_transaction_end")
def _run(session: Session, transaction) -> None:
    # ``after_commit`` comes while the session still holds its connection; the callbacks wait
    # until the outermost transaction has given it back to the pool. A job run in-process
    # (immediate mode) opens a session of its own: run earlier, every request finishing at once
    # would hold two connections, and a full pool would keep both waiting on each other.
    if transaction.parent is not None:
        return
    for callback in session.info.pop(_READY, []):
        try:
            callback()
        except Exception:  # a failed nudge must not undo or hide a committed order
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_KEY, None)
