"""The catalogue cache: rendered listing and home-page bodies and the product page below its
buy box, in Flask-Caching.

Per process (``SimpleCache``) by default; in Redis when ``CACHE_REDIS_URL`` (or ``REDIS_URL``)
is set, shared by every app server. Entries live ``CATALOGUE_CACHE_SECONDS`` (0 turns the cache
off). Every key carries the catalogue version, and any commit that touched products, their
images, certificates, producers or categories — through the unit of work or an ``UPDATE``
statement (stock) — replaces the version, so the next request renders afresh and a new price
or stock figure shows at once. The version lives in Redis when the cache does; without Redis it
is a file (``CATALOGUE_VERSION_FILE``) that every process on the machine reads with one ``stat``
per request, so the per-process caches of several workers follow a change made through any of
them. Several machines need Redis. The product page's buy box (price, stock, the form), carts
and checkout never read from it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Hashable
from itertools import chain
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.extensions import cache

T = TypeVar("T")
log = logging.getLogger(__name__)

# Experiences and their sessions too: the home page, search results and product pages show
# experiences with their next open dates; and gift sets (the home page's gift section and the
# gift sets listed above searches for gifts).
CATALOGUE_TABLES = frozenset(
    {
        "product",
        "product_image",
        "ocop_certificate",
        "producer",
        "category",
        "experience",
        "unit_type",
        "unit_price_tier",
        "experience_session",
        "bundle",
        "bundle_component",
        "gift_set_tier",
    }
)
VERSION_KEY = "catalogue-version"
# Unpickled values of this process (see CatalogueCache): key → (monotonic expiry, value).
IN_PROCESS_ENTRIES = 512
_IN_PROCESS: dict[str, tuple[float, object]] = {}
_CHANGED = "catalogue_changed"


def init_cache(app: Flask) -> None:
    seconds = app.config["CATALOGUE_CACHE_SECONDS"]
    redis_url = app.config.get("CACHE_REDIS_URL")
    if seconds <= 0:
        settings: dict = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    elif redis_url:
        settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    else:
        settings = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    settings.update(
        CACHE_DEFAULT_TIMEOUT=max(seconds, 0), CACHE_KEY_PREFIX=app.config["CACHE_KEY_PREFIX"]
    )
    cache.init_app(app, config=settings)


class CatalogueCache:
    """``get_or_set`` under the current catalogue version; a broken cache (Redis down) only
    costs a render, never a failed page.

    Values found are also kept in this process, unpickled, for as long as the cache keeps them
    (a listing reads three: the OCOP groups, its body and the version). The version is always
    read from the cache, so a catalogue change is seen at once; values must not be changed by
    their readers.
    """

    def get_or_set(self, key: Hashable, compute: Callable[[], T]) -> T:
        seconds = current_app.config["CATALOGUE_CACHE_SECONDS"]
        if seconds <= 0:
            return compute()
        try:
            full_key = f"catalogue:{catalogue_version()}:{_digest(key)}"
        except Exception:  # the cache is an optimisation: render without it
            log.warning("catalogue cache unavailable", exc_info=True)
            return compute()
        kept = _IN_PROCESS.get(full_key)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        try:
            value = cache.get(full_key)
        except Exception:
            log.warning("catalogue cache unavailable", exc_info=True)
            return compute()
        if value is None:
            value = compute()
            try:
                cache.set(full_key, value)
            except Exception:
                log.warning("catalogue cache unavailable", exc_info=True)
        if len(_IN_PROCESS) >= IN_PROCESS_ENTRIES:
            _IN_PROCESS.clear()
        _IN_PROCESS[full_key] = (time.monotonic() + seconds, value)
        return value

    def clear(self) -> None:
        bump_catalogue_version()


def catalogue_cache() -> CatalogueCache:
    return CatalogueCache()


def _digest(key: Hashable) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:40]


def _version_file() -> str | None:
    """Where processes without Redis share the version: a file each bump replaces."""
    if current_app.config.get("CACHE_REDIS_URL"):
        return None
    return current_app.config.get("CATALOGUE_VERSION_FILE") or None


def catalogue_version() -> str:
    path = _version_file()
    if path is not None:
        return _file_version(path)
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=0)
        version = cache.get(VERSION_KEY) or "0"
    return version


def bump_catalogue_version() -> None:
    """A new version: every body cached so far is no longer looked up (and expires)."""
    path = _version_file()
    if path is not None:
        _replace_version_file(path)
    else:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def _file_version(path: str) -> str:
    """The version file's identity (inode, modification time): one ``stat`` per request, seen
    by every process on the machine as soon as another replaces the file."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        _replace_version_file(path)
        found = os.stat(path)
    return f"f{found.st_ino}-{found.st_mtime_ns}"


def _replace_version_file(path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".catalogue-version-")
    with os.fdopen(fd, "w") as file:
        file.write(uuid.uuid4().hex)
    os.replace(temporary, target)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) in CATALOGUE_TABLES:
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement_changes(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CATALOGUE_TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        if current_app.config["CATALOGUE_CACHE_SECONDS"] <= 0:
            return
        try:
            bump_catalogue_version()
        except Exception:  # a committed change must not fail on the cache
            log.exception("could not invalidate the catalogue cache")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_CHANGED, None)
