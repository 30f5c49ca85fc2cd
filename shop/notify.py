"""Side effects that must wait for the database commit (e-mails, for now).

A service queues a callback with ``after_commit``; it runs only once the session's transaction
has committed, and is dropped if the transaction rolls back — so nobody is told about an order
that was never saved. Callbacks get no database access: prepare everything before queueing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "after_commit_callbacks"


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed e-mail must not undo or hide a committed order
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_KEY, None)
