"""``Idempotency-Key`` on the partners' POSTs: the same key and body get the same answer.

The record is inserted first, in a transaction of its own, under UNIQUE(api_key_id, key): of
two requests with one key, the second finds the first's row — a different body is refused
(``idempotency_key_reused``), a finished one replayed, one still running refused with
``idempotency_key_in_flight``. The answer is stored in the work's own transaction, so a hold
and the answer describing it commit together or not at all. A request that failed with a server
error leaves no record (the partner may try again); a record left unfinished by a process that
died is taken over after ``ABANDONED_AFTER``. Records are deleted after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shop.extensions import db
from shop.partners.models import IDEMPOTENCY_KEY_MAX, IdempotencyRecord

log = logging.getLogger(__name__)

KEEP_RECORDS = timedelta(hours=24)
# A record still unfinished this long after it was written belongs to a request that died (a
# request is cut off by the statement timeout well before): the next one takes it over.
ABANDONED_AFTER = timedelta(minutes=2)


def valid_key(key: str | None) -> bool:
    """1–255 visible ASCII characters (a UUID, a ULID, the partner's own scheme)."""
    return (
        bool(key)
        and len(key) <= IDEMPOTENCY_KEY_MAX
        and key.isascii()
        and key.isprintable()
        and key.strip() == key
    )


def canonical_body(body: bytes) -> bytes:
    """JSON with sorted keys and no spaces, so a body sent again with its keys in another
    order or other spacing is the same body; anything that is not JSON is taken as sent."""
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\n")
    digest.update(path.encode("utf-8", "surrogateescape"))
    digest.update(b"\n")
    digest.update(canonical_body(body))
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key: ``record_id`` to finish (this request does the work),
    or ``replay`` (the stored answer), or ``conflict`` (``reused`` / ``in_flight``)."""

    record_id: int | None = None
    replay: StoredResponse | None = None
    conflict: str | None = None


def _insert(api_key_id: int, key: str, print_: str, now: datetime) -> int | None:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return db.session.execute(
        dialect.insert(IdempotencyRecord.__table__)
        .values(
            api_key_id=api_key_id,
            key=key,
            fingerprint=print_,
            completed=False,
            response_headers={},
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["api_key_id", "key"])
        .returning(IdempotencyRecord.__table__.c.id)
    ).scalar()


def claim(api_key_id: int, key: str, print_: str, *, now: datetime) -> Claim:
    """Insert the key's record, or say what the one already there means. Runs in the caller's
    write transaction, which must commit at once (before the work) when ``record_id`` is set:
    that commit is what makes a concurrent request with the key see this one."""
    record_id = _insert(api_key_id, key, print_, now)
    if record_id is not None:
        return Claim(record_id=record_id)
    record = db.session.scalars(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if record is None:  # purged in between: try once more
        record_id = _insert(api_key_id, key, print_, now)
        return Claim(record_id=record_id) if record_id is not None else Claim(conflict="in_flight")
    if record.fingerprint != print_:
        return Claim(conflict="reused")
    if record.completed:
        return Claim(
            replay=StoredResponse(
                record.response_status, record.response_body, dict(record.response_headers or {})
            )
        )
    created = (
        record.created_at
        if record.created_at.tzinfo
        else record.created_at.replace(tzinfo=now.tzinfo)
    )
    if created < now - ABANDONED_AFTER:
        taken = db.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record.id,
                IdempotencyRecord.completed.is_(False),
                IdempotencyRecord.created_at == record.created_at,
            )
            .values(created_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            log.warning("idempotency key of API key %s taken over after a lost request", api_key_id)
            return Claim(record_id=record.id)
    return Claim(conflict="in_flight")


def complete(record_id: int, response: StoredResponse) -> bool:
    """Store the answer on the record (in the transaction that did the work, or, for a refusal,
    in one of its own); False if it was finished already."""
    result = db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.completed.is_(False))
        .values(
            completed=True,
            response_status=response.status,
            response_body=response.body,
            response_headers=dict(response.headers),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def forget(record_id: int) -> None:
    """The request failed with a server error: drop its unfinished record, so the partner can
    send the key again."""
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.completed.is_(False)
        )
    )


def purge_idempotency_records(now: datetime) -> int:
    """Delete the records older than 24 hours; returns how many."""
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP_RECORDS)
    )
    return result.rowcount or 0
