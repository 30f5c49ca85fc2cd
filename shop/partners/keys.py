"""Creating, finding and revoking partners' API keys.

A key reads ``ocop_live_ab12cd34_<43 characters>``: the public prefix (what lists and logs
show), then ``secrets.token_urlsafe(32)``. Only the SHA-256 of the whole key is stored (see
``shop.partners.models``), so the key exists once: on the page that created it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from shop.audit.services import record
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.partners.models import PREFIX_START, RATE_LIMIT_MAX, RATE_LIMIT_MIN, ApiKey

log = logging.getLogger(__name__)

# The longest key accepted from a request: a longer one is not ours (and is not hashed).
KEY_MAX_LENGTH = 120
# ``last_used_at`` is written at most this often per key (not one write per request).
LAST_USED_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewKey:
    """A key just created: the row, and the key itself, which nothing keeps."""

    api_key: ApiKey
    secret: str


def create_key(
    *,
    name: str,
    partner_name: str,
    contact_email: str,
    rate_limit_per_minute: int,
    created_by_id: int | None,
    now: datetime,
) -> NewKey:
    """A new key, audit-logged. The secret is returned once and never stored. Flushes."""
    if not RATE_LIMIT_MIN <= rate_limit_per_minute <= RATE_LIMIT_MAX:
        raise ValueError(f"rate limit must be {RATE_LIMIT_MIN}–{RATE_LIMIT_MAX} a minute")
    for _attempt in range(5):
        prefix = f"{PREFIX_START}{secrets.token_hex(4)}"
        if db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        name=name,
        partner_name=partner_name,
        contact_email=contact_email,
        prefix=prefix,
        key_hash=hash_key(secret),
        rate_limit_per_minute=rate_limit_per_minute,
        created_by_id=created_by_id,
        created_at=now,
    )
    db.session.add(api_key)
    # Two keys drawing the same prefix in the same instant (one chance in four billion): the
    # UNIQUE constraint refuses the second, and the office creates it again.
    db.session.flush()
    record(
        created_by_id,
        "api_key.create",
        "api_key",
        api_key.id,
        after={
            "name": name,
            "partner_name": partner_name,
            "contact_email": contact_email,
            "prefix": prefix,
            "rate_limit_per_minute": rate_limit_per_minute,
        },
    )
    log.info("API key %s created for %s", prefix, partner_name)
    return NewKey(api_key, secret)


def find_active_key(presented: str | None) -> ApiKey | None:
    """The active key ``presented`` is, or None (unknown, revoked or not a key's shape). One
    lookup by the hash's unique index; the hash, not the key, is compared."""
    if not presented or len(presented) > KEY_MAX_LENGTH or not presented.startswith(PREFIX_START):
        return None
    if not presented.isascii() or not presented.isprintable():
        return None
    return db.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(presented), ApiKey.revoked_at.is_(None))
    )


def mark_used(api_key_id: int, now: datetime) -> bool:
    """Record that the key was used now, unless it was within the last minute (a conditional
    update: no row locked for a request that needs none)."""
    result = db.session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == api_key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def revoke_key(api_key: ApiKey, *, admin_id: int | None, now: datetime) -> None:
    """Revoke a key (a compare-and-set: revoked once, audit-logged once); it answers 401 from
    the next request on. ``InvalidTransition`` if it was revoked already. Flushes."""
    result = db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == api_key.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=admin_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(f"API key {api_key.prefix} is revoked already", current="revoked")
    db.session.refresh(api_key)
    record(
        admin_id,
        "api_key.revoke",
        "api_key",
        api_key.id,
        before={"revoked_at": None},
        after={"revoked_at": now, "prefix": api_key.prefix},
    )
    log.info("API key %s revoked", api_key.prefix)


def list_keys() -> list[ApiKey]:
    """Every key, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
        ).all()
    )
