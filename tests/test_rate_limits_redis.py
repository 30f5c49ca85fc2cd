"""Rate limits on the real Redis at 127.0.0.1:6379: two app instances (two workers or two
servers) count against the same limits. Each run uses a key prefix of its own and deletes it."""

from __future__ import annotations

import os
import uuid

import pytest

from shop import create_app
from shop.extensions import db
from tests.conftest import make_config, sign_in, skip_without_redis

REDIS_URI = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
GUESS = "guess guess guess"


@pytest.fixture
def redis_prefix():
    import redis

    client = redis.Redis.from_url(REDIS_URI)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_without_redis(f"Redis not reachable at {REDIS_URI}: {exc}")
    prefix = f"ocop-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{prefix}*"))
    client.close()


def worker(storage_uri: str, prefix: str):
    """One app instance, as a gunicorn worker would create it."""
    # The storage's own key prefix: Flask-Limiter keeps the first app's RATELIMIT_KEY_PREFIX for
    # the life of the process, the storage options are read again by each app.
    app = create_app(
        make_config(
            "sqlite://",
            RATELIMIT_STORAGE_URI=storage_uri,
            RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix},
            RATELIMIT_KEY_PREFIX=prefix,
        )
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    return app, client


def post_sign_in(app, client, email: str) -> int:
    with app.app_context():
        return sign_in(client, email, GUESS).status_code


def test_two_app_instances_share_the_limits_in_redis(redis_prefix):
    first_app, first = worker(REDIS_URI, redis_prefix)
    for n in range(6):
        assert post_sign_in(first_app, first, f"nobody{n}@example.com") == 400
    second_app, second = worker(REDIS_URI, redis_prefix)
    for n in range(6, 10):
        assert post_sign_in(second_app, second, f"nobody{n}@example.com") == 400
    # The 11th try in the minute from this address is refused, whichever worker answers.
    assert post_sign_in(second_app, second, "nobody10@example.com") == 429
    assert post_sign_in(first_app, first, "nobody11@example.com") == 429


def test_the_wait_for_one_account_is_shared_too(redis_prefix):
    first_app, first = worker(REDIS_URI, redis_prefix)
    for _ in range(3):
        assert post_sign_in(first_app, first, "owner@example.com") == 400
    second_app, second = worker(REDIS_URI, redis_prefix)
    for _ in range(2):
        assert post_sign_in(second_app, second, "owner@example.com") == 400
    assert post_sign_in(first_app, first, "owner@example.com") == 429


def test_memory_storage_counts_per_worker(redis_prefix):
    # What production did before: each worker kept its own count, and limits were multiplied.
    first_app, first = worker("memory://", redis_prefix)
    for n in range(6):
        assert post_sign_in(first_app, first, f"nobody{n}@example.com") == 400
    second_app, second = worker("memory://", redis_prefix)
    for n in range(6, 11):
        assert post_sign_in(second_app, second, f"nobody{n}@example.com") == 400
