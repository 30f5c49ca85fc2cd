"""API keys: only the hash is stored, the key is found by it, revoked once; the database's
constraints hold whatever the code does."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.audit.models import AuditLog
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.partners.keys import find_active_key, list_keys, mark_used, revoke_key
from shop.partners.models import ApiKey, IdempotencyRecord
from tests.factories import gen_user
from tests.partners.factories import NOW, gen_api_key


def test_a_key_is_stored_only_as_its_sha256(app):
    admin = gen_user("admin")
    created = gen_api_key(created_by_id=admin.id)
    key = created.api_key
    assert created.secret.startswith(key.prefix + "_")
    assert key.prefix.startswith("ocop_live_")
    assert len(key.prefix) == len("ocop_live_") + 8
    assert key.key_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert len(created.secret) > 50  # prefix + 43 characters of token_urlsafe(32)
    # Nowhere in the row: not in any column.
    row = db.session.execute(select(ApiKey.__table__)).one()
    assert all(created.secret not in str(value) for value in row)
    secret_part = created.secret[len(key.prefix) + 1 :]
    assert all(secret_part not in str(value) for value in row)
    # The audit log records the creation, never the key.
    entry = db.session.scalars(select(AuditLog)).one()
    assert (entry.action, entry.actor_id, entry.target_id) == ("api_key.create", admin.id, key.id)
    assert created.secret not in str(entry.after)
    assert secret_part not in str(entry.after)


def test_two_keys_are_different(app):
    first, second = gen_api_key(), gen_api_key()
    assert first.secret != second.secret
    assert first.api_key.prefix != second.api_key.prefix


def test_the_key_is_found_by_its_hash_and_nothing_else_finds_it(app):
    created = gen_api_key()
    db.session.commit()
    assert find_active_key(created.secret).id == created.api_key.id
    for wrong in (
        None,
        "",
        created.api_key.prefix,  # the public part alone
        created.api_key.key_hash,  # the hash is not the key
        created.secret + "x",
        created.secret[:-1],
        created.secret.upper(),
        " " + created.secret,
        created.secret + "\x00",
        "ocop_live_" + "a" * 500,
        "ocop_live_ab12cd34_é",
    ):
        assert find_active_key(wrong) is None, wrong


def test_a_revoked_key_is_refused_and_revoking_twice_is_refused(app):
    admin = gen_user("admin")
    created = gen_api_key()
    revoke_key(created.api_key, admin_id=admin.id, now=NOW)
    assert created.api_key.revoked_at is not None
    assert created.api_key.revoked_by_id == admin.id
    assert find_active_key(created.secret) is None
    with pytest.raises(InvalidTransition):
        revoke_key(created.api_key, admin_id=admin.id, now=NOW + timedelta(minutes=1))
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["api_key.create", "api_key.revoke"]
    # Listed after the active ones.
    other = gen_api_key()
    assert [k.id for k in list_keys()] == [other.api_key.id, created.api_key.id]


def test_last_used_is_written_at_most_once_a_minute(app):
    key = gen_api_key().api_key
    assert mark_used(key.id, NOW) is True
    assert mark_used(key.id, NOW + timedelta(seconds=30)) is False
    assert mark_used(key.id, NOW + timedelta(seconds=61)) is True
    db.session.refresh(key)
    assert key.last_used_at is not None


@pytest.mark.parametrize("limit", [0, -1, 6001])
def test_the_rate_limit_is_checked_by_the_database(app, limit):
    key = gen_api_key().api_key
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            ApiKey.__table__.update()
            .where(ApiKey.__table__.c.id == key.id)
            .values(rate_limit_per_minute=limit)
        )
    db.session.rollback()


@pytest.mark.parametrize(
    ("column", "value"),
    [("key_hash", "abc"), ("prefix", "live_ab12cd34"), ("revoked_by_id", "user")],
)
def test_key_constraints(app, column, value):
    user = gen_user("admin")
    key = gen_api_key().api_key
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            ApiKey.__table__.update()
            .where(ApiKey.__table__.c.id == key.id)
            .values({column: user.id if value == "user" else value})
        )
    db.session.rollback()


def test_prefix_and_hash_are_unique(app):
    first = gen_api_key().api_key
    db.session.commit()
    for column in ("prefix", "key_hash"):
        duplicate = ApiKey(
            name="copy",
            partner_name="x",
            contact_email="x@example.com",
            prefix=first.prefix if column == "prefix" else "ocop_live_00000000",
            key_hash=first.key_hash if column == "key_hash" else "0" * 64,
            rate_limit_per_minute=10,
        )
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_idempotency_records_are_unique_per_key_and_complete_with_an_answer(app):
    key = gen_api_key().api_key
    db.session.commit()
    db.session.add(IdempotencyRecord(api_key_id=key.id, key="k", fingerprint="a" * 64))
    db.session.commit()
    db.session.add(IdempotencyRecord(api_key_id=key.id, key="k", fingerprint="b" * 64))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        IdempotencyRecord(api_key_id=key.id, key="k2", fingerprint="a" * 64, completed=True)
    )
    with pytest.raises(IntegrityError):  # completed without its answer
        db.session.flush()
    db.session.rollback()
    db.session.add(IdempotencyRecord(api_key_id=key.id, key="k3", fingerprint="short"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
