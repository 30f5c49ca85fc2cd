"""Sign-in throttling: slow down whoever guesses, never lock the owner out.

Failed sign-ins are counted per (IP address, account) pair in the rate limiter's storage
(memory in development and tests, Redis in production, so every worker sees the same count).
After ``SIGN_IN_FREE_FAILURES`` failures the pair waits 1 minute before its next try, then 2,
4, 8 … minutes after each further failure, up to ``SIGN_IN_MAX_DELAY_SECONDS``. The owner, from
another address, is not slowed down, and a right password after the wait clears the pair.

Failures on an account from all addresses are counted too: when they reach
``SIGN_IN_ALERT_FAILURES`` within a day the owner gets one e-mail.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app

from shop.extensions import limiter

FAILURE_WINDOW_SECONDS = 24 * 3600


def _digest(email: str) -> str:
    # Keys name no e-mail address in Redis, and stay short whatever was typed.
    return hashlib.sha256(email.encode()).hexdigest()[:24]


def _keys(ip: str, email: str) -> tuple[str, str]:
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    pair = f"{prefix}/sign-in/{ip}/{_digest(email)}"
    return f"{pair}/failures", f"{pair}/wait"


def _account_key(email: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/sign-in/account/{_digest(email)}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def seconds_to_wait(ip: str, email: str) -> int:
    """How long this address must wait before trying this account again (0: it may try)."""
    if not _enabled():
        return 0
    _, wait_key = _keys(ip, email)
    storage = limiter.storage
    if not storage.get(wait_key):
        return 0
    return max(1, math.ceil(storage.get_expiry(wait_key) - time.time()))


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` failed tries from one address on one account."""
    free = current_app.config["SIGN_IN_FREE_FAILURES"]
    if failures < free:
        return 0
    return min(60 * 2 ** min(failures - free, 20), current_app.config["SIGN_IN_MAX_DELAY_SECONDS"])


def record_failure(ip: str, email: str) -> int:
    """Count a failed sign-in; returns the account's failures from all addresses today."""
    if not _enabled():
        return 0
    storage = limiter.storage
    failures_key, wait_key = _keys(ip, email)
    failures = storage.incr(failures_key, FAILURE_WINDOW_SECONDS)
    delay = delay_after(failures)
    if delay:
        storage.clear(wait_key)
        storage.incr(wait_key, delay)
    return storage.incr(_account_key(email), FAILURE_WINDOW_SECONDS)


def record_success(ip: str, email: str) -> None:
    """The right password: this address starts again from zero for this account."""
    if not _enabled():
        return
    for key in _keys(ip, email):
        limiter.storage.clear(key)


def should_alert(account_failures: int) -> bool:
    """True exactly once a day: when the account's failures reach the alert threshold."""
    return account_failures == current_app.config["SIGN_IN_ALERT_FAILURES"]
