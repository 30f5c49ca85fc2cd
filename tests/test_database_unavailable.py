"""The database down (a closed port), frozen (a server that accepts and never answers) or
locked: every page answers a 503 "back in a moment" page quickly — for signed-in visitors too —
``/healthz`` answers 503 within a second, and static files never wait for the database."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from shop import create_app
from tests.conftest import empty_postgres, make_config

CONNECT_TIMEOUT = 2  # psycopg's smallest
PAGE_BUDGET = CONNECT_TIMEOUT + 1.5  # one connection attempt per request, plus rendering
HEALTHZ_BUDGET = 1.0


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def frozen_port() -> Iterator[int]:
    """A TCP port whose connections are accepted (by the kernel's backlog) and never answered."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def app_on(port: int, **overrides):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/ocop"
    # Errors reach the error handlers as in production, instead of the test client.
    settings = {"DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT, "PROPAGATE_EXCEPTIONS": False}
    return create_app(make_config(url, **settings, **overrides))


def timed_get(client, path: str, **kwargs):
    start = time.monotonic()
    response = client.get(path, **kwargs)
    return response, time.monotonic() - start


def signed_in(client) -> None:
    """A session cookie as a signed-in customer's browser holds it (no database needed)."""
    with client.session_transaction() as session:
        session["_user_id"] = "1:fingerprint"
        session["_fresh"] = True


def assert_unavailable_page(response, elapsed: float, lang: str = "vi") -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert elapsed < PAGE_BUDGET, elapsed
    assert response.headers["Retry-After"]
    assert f'<html lang="{lang}">' in body
    heading = "Back in a moment" if lang == "en" else "Chúng tôi sẽ trở lại ngay"
    assert heading in body


@pytest.mark.parametrize("kind", ["down", "frozen"])
def test_pages_answer_503_fast_for_visitors_and_signed_in_users(
    request, kind, closed_port, frozen_port
):
    app = app_on(closed_port if kind == "down" else frozen_port)
    client = app.test_client()
    for path in ("/", "/products", "/producers", "/products/tra-xanh"):
        assert_unavailable_page(*timed_get(client, path))
    assert_unavailable_page(*timed_get(client, "/products?lang=en"), lang="en")

    signed_in(client)
    for path in ("/products", "/account", "/account/login", "/cart", "/no-such-page"):
        assert_unavailable_page(*timed_get(client, path), lang="en")
    response, elapsed = timed_get(client, "/products", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize("kind", ["down", "frozen"])
def test_healthz_answers_503_within_a_second(kind, closed_port, frozen_port):
    client = app_on(closed_port if kind == "down" else frozen_port).test_client()
    for _ in range(3):
        response, elapsed = timed_get(client, "/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"] == "unreachable"
        assert elapsed < HEALTHZ_BUDGET, elapsed


def test_static_files_never_touch_the_database(frozen_port):
    client = app_on(frozen_port).test_client()
    response, elapsed = timed_get(client, "/static/css/shop.css")
    assert response.status_code == 200
    assert elapsed < 0.5
    response.close()


def test_posts_answer_503_too(closed_port):
    app = app_on(closed_port, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post("/account/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 503


@pytest.mark.postgres
def test_a_locked_table_answers_503_after_the_statement_timeout(postgres_url):
    """PostgreSQL up but the catalogue locked (a long migration, a stuck transaction)."""
    from shop.extensions import db

    app = create_app(make_config(postgres_url, DATABASE_STATEMENT_TIMEOUT_MS=500))
    # Schema work and clean-up on a connection of their own, free of the 500 ms timeout (on a
    # busy machine creating or truncating every table can take longer).
    locker = create_engine(postgres_url)
    db.metadata.create_all(locker)
    try:
        with locker.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE product IN ACCESS EXCLUSIVE MODE")
            response, elapsed = timed_get(app.test_client(), "/products")
            assert response.status_code == 503
            assert elapsed < 2.0, elapsed
            conn.rollback()
        response = app.test_client().get("/products")
        assert response.status_code == 200
    finally:
        with app.app_context():  # closed whatever happened: no connection left to the GC
            db.engine.dispose()
        empty_postgres(locker)
        locker.dispose()
