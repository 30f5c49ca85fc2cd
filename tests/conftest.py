"""Fixtures: every test runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.

PostgreSQL runs get a database of their own, created for this test session and dropped after it.
With REQUIRE_POSTGRES=1 a missing TEST_DATABASE_URL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from config import TestConfig
from shop import create_app
from shop.extensions import db

# The demo calendar the page tests are written against (late November: rice in season,
# star apples next month, lychee on pre-order).
DEMO_TODAY = date(2026, 11, 28)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped afterwards)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    server = make_url(base)
    name = f"ocop_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request) -> str:
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return "sqlite://"


def make_config(database_url: str, **overrides) -> type[TestConfig]:
    attrs = {"SQLALCHEMY_DATABASE_URI": database_url, "FIXED_TODAY": DEMO_TODAY, **overrides}
    return type("PerTestConfig", (TestConfig,), attrs)


@pytest.fixture
def app(database_url):
    app = create_app(make_config(database_url))
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            else:
                db.drop_all()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo catalogue, seeded on the demo calendar."""
    from shop.catalog.demo import seed_demo

    seed_demo(DEMO_TODAY)
    db.session.commit()
    return app


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def _record(_conn, _cursor, statement, *_args):
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)
