"""Writing the audit log (flushed with the change it records, never committed here)."""

from __future__ import annotations

from datetime import date, datetime

from shop.audit.models import AuditLog
from shop.extensions import db


def _plain(value: object) -> object:
    """A JSON-safe copy of a recorded value (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def changed_values(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, from both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    *,
    producer_id: int | None = None,
) -> AuditLog:
    entry = AuditLog(
        actor_id=actor_id,
        producer_id=producer_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=_plain(before or {}),
        after=_plain(after or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry
