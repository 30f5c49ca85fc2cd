"""Fixtures: every test runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.

PostgreSQL runs get a database of their own, created for this test session and dropped after it.
With REQUIRE_POSTGRES=1 a missing TEST_DATABASE_URL fails the run instead of skipping.

The suite runs in parallel (``pytest -n 2``, pytest-xdist): each worker is its own process with
its own PostgreSQL database (``ocop_test_<worker>_<random>``), its own temporary directories and
its own servers on ports the system picks.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import Table, create_engine, event, exists, literal, select, text, union_all
from sqlalchemy.engine import make_url

from config import TestConfig
from shop import create_app
from shop.extensions import db

# "gw0", "gw1"… under pytest-xdist; "main" when the suite runs in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# This worker's own directory for e-mails nobody reads (set by the _worker_temp fixture).
_OUTBOX: list[str] = []

# The demo calendar the page tests are written against (late November: rice in season,
# star apples next month, lychee on pre-order).
DEMO_TODAY = date(2026, 11, 28)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def skip_without_redis(reason: str) -> None:
    """Skip a test that needs Redis, or fail it when REQUIRE_REDIS is set (CI)."""
    if _flag("REQUIRE_REDIS"):
        pytest.fail(f"REQUIRE_REDIS is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped afterwards)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    server = make_url(base)
    name = f"ocop_test_{WORKER}_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture(scope="session", autouse=True)
def _worker_temp(tmp_path_factory) -> None:
    """Stray e-mails go to this worker's temporary directory, not a directory shared by all."""
    _OUTBOX[:] = [str(tmp_path_factory.mktemp("outbox"))]


def make_config(database_url: str, **overrides) -> type[TestConfig]:
    attrs = {"SQLALCHEMY_DATABASE_URI": database_url, "FIXED_TODAY": DEMO_TODAY}
    if _OUTBOX:
        attrs["MAIL_OUTBOX_DIR"] = _OUTBOX[0]
    attrs.update(overrides)
    return type("PerTestConfig", (TestConfig,), attrs)


_SQLITE_SCHEMA: list = []


def _create_schema() -> None:
    """The schema for this test's database.

    An in-memory SQLite database dies with its engine, so each test needs the schema again:
    it is built once per worker and copied with SQLite's backup API (a few milliseconds instead
    of ``create_all``'s hundred). PostgreSQL keeps its tables between tests (truncated after
    each), so ``create_all`` there only checks they exist.
    """
    import sqlite3

    engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database not in (None, "", ":memory:"):
        db.create_all()
        return
    if not _SQLITE_SCHEMA:
        template = sqlite3.connect(":memory:", check_same_thread=False)
        db.metadata.create_all(create_engine("sqlite://", creator=lambda: template))
        _SQLITE_SCHEMA.append(template)
    with engine.connect() as conn:
        _SQLITE_SCHEMA[0].backup(conn.connection.driver_connection)


def empty_postgres(engine) -> None:
    """Empty every table of a PostgreSQL test database and start its sequences again at 1.

    ``TRUNCATE`` costs about ten milliseconds a table, empty or not (it gives each table new
    files): half a second a test. One query finds the tables that hold rows and the sequences
    that were used; those tables are emptied with ``DELETE`` with the foreign-key and
    append-only triggers off for the transaction (``session_replication_role = replica``, which
    the test server's superuser may set), and those sequences are reset.
    """
    with engine.begin() as conn:
        tables = db.metadata.sorted_tables
        names = set(conn.scalars(union_all(*(_holds_rows(table) for table in tables))))
        full = [table for table in tables if table.name in names]
        used = conn.scalars(
            text(
                "SELECT schemaname || '.' || sequencename FROM pg_sequences"
                " WHERE last_value IS NOT NULL AND schemaname = current_schema()"
            )
        ).all()
        if full:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in full:
            conn.execute(table.delete())
        for sequence in used:
            conn.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})


def _holds_rows(table):
    return select(literal(table.name)).where(exists().select_from(table))


@pytest.fixture
def app(database_url):
    app = create_app(make_config(database_url))
    with app.app_context():
        _create_schema()
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                empty_postgres(db.engine)
            # In memory, SQLite's database goes with its only connection.
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The demo catalogue's rows per backend, read back after the first seeding in this worker.
_DEMO_ROWS: dict[str, list] = {}


@pytest.fixture
def demo(app):
    """The demo catalogue, seeded on the demo calendar.

    The first test of a worker runs ``seed_demo``, the others insert the rows it wrote (a tenth
    of the time: no ORM, no password hashing), when the database is still empty; a test that
    wrote rows before asking for the demo gets ``seed_demo`` itself.
    """
    from shop.catalog.demo import seed_demo

    backend = db.engine.dialect.name
    snapshot = _DEMO_ROWS.get(backend)
    empty = database_is_empty()
    if snapshot is not None and empty:
        insert_rows(snapshot)
        return app
    seed_demo(DEMO_TODAY)
    db.session.commit()
    if empty:
        _DEMO_ROWS[backend] = table_rows()
    return app


RowSnapshot = list[tuple[Table, list[dict]]]


def table_rows() -> RowSnapshot:
    """Every row of every table: parents first, each table in primary-key order (a parent
    category before its children)."""
    db.session.expire_all()
    return [
        (
            table,
            [
                row._asdict()
                for row in db.session.execute(select(table).order_by(*table.primary_key))
            ],
        )
        for table in db.metadata.sorted_tables
    ]


def insert_rows(snapshot: RowSnapshot) -> None:
    """Write what ``table_rows`` read into an empty database, sequences moved past the ids."""
    for table, rows in snapshot:
        if rows:
            db.session.execute(table.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        for table, rows in snapshot:
            ids = [row["id"] for row in rows if isinstance(row.get("id"), int)]
            if ids:
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                    {"table": f'"{table.name}"', "last": max(ids)},
                )
    db.session.commit()
    db.session.expire_all()


def database_is_empty() -> bool:
    probe = union_all(*(_holds_rows(table) for table in db.metadata.sorted_tables))
    return db.session.execute(probe).first() is None


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


@pytest.fixture
def pg_app(postgres_url):
    """An app on the session's PostgreSQL database, for tests that race real connections.

    Its pool holds a connection for each of the up to 30 threads a race test starts at once:
    the races are about rows and locks, and a thread queueing for a connection (3 s at most)
    on a busy machine would fail for a reason the test does not look at."""
    options = {"pool_pre_ping": True, "pool_size": 32, "max_overflow": 8}
    app = create_app(make_config(postgres_url, SQLALCHEMY_ENGINE_OPTIONS=options))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        empty_postgres(db.engine)
        db.engine.dispose()


def run_threads(count: int, target) -> list:
    """Start ``count`` threads together (a barrier) and return each one's result."""
    import threading

    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = target(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- accounts ---------------------------------------------------------------------------------

_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on ``path`` (CSRF stays on in the tests, so it is tested too)."""
    body = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _CSRF_INPUT.search(body)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str, password: str, **fields):
    """POST the sign-in form like a browser; returns the response."""
    token = csrf_token(client, "/account/login")
    data = {"csrf_token": token, "email": email, "password": password, **fields}
    return client.post("/account/login", data=data)


@pytest.fixture
def login_as(app, client):
    """``login_as("admin")`` creates a user of that role and signs ``client`` in through the
    sign-in form; producer staff are bound to a new producer. Returns the user.

    Sign-in is rate-limited (10 a minute per address): a test signing in more often calls
    ``shop.extensions.limiter.reset()`` in between."""
    from tests.factories import DEFAULT_PASSWORD, gen_user

    def _login_as(role: str = "customer", **fields):
        user = gen_user(role, **fields)
        db.session.commit()
        response = sign_in(client, user.email, DEFAULT_PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login_as


@pytest.fixture
def outbox(app, tmp_path):
    """E-mails go to a fresh directory; returns a function listing the parsed messages."""
    from email import policy
    from email.parser import BytesParser

    directory = tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"] = str(directory)

    def messages():
        parser = BytesParser(policy=policy.default)
        paths = sorted(directory.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
        return [parser.parsebytes(path.read_bytes()) for path in paths]

    return messages
