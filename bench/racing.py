"""What the contention benchmarks share: a throw-away PostgreSQL database with the demo seeded,
the shop under gunicorn, and N shoppers who each prepare on their own, then all post the
checkout form at the same instant."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHECKOUT_TOKEN = re.compile(r'name="checkout_token"[^>]*value="([^"]+)"')


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block (transaction control left out)."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def csrf(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


@contextmanager
def temporary_database(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on ``server_url``'s server, dropped afterwards."""
    server = make_url(server_url)
    name = f"ocop_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def seeded_app(url: str):
    """The shop's app on ``url``, migrated and seeded with the demo, inside its app context;
    the connections are closed on the way out."""
    from flask_migrate import upgrade

    from config import Config
    from shop import create_app
    from shop.demo.seed import seed_demo
    from shop.extensions import db
    from shop.templating import local_today

    app = create_app(type("RaceConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
        seed_demo(local_today())
        try:
            yield app
        finally:
            db.engine.dispose()


@contextmanager
def serving(url: str, workers: int, port: int) -> Iterator[str]:
    """The shop on ``url`` under gunicorn (``workers`` × 4 threads); yields its base URL."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
        "MAIL_OUTBOX_DIR": str(Path(tempfile.gettempdir()) / f"ocop-bench-{port}-outbox"),
        "RATELIMIT_ENABLED": "false",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def checkout_form(http: requests.Session, base: str) -> dict[str, str]:
    """The tokens of ``base``'s checkout form for the cart in ``http``'s cookies."""
    form = http.get(f"{base}/checkout", timeout=30)
    submission = CHECKOUT_TOKEN.search(form.text)
    return {
        "csrf_token": csrf(form.text),
        "checkout_token": submission.group(1) if submission else "",
    }


# A racer's preparation: given its index, fill a cart and return the checkout post to fire.
Prepare = Callable[[int], Callable[[], requests.Response]]


def at_once(count: int, prepare: Prepare, outcome: Callable[[requests.Response], str]) -> dict:
    """Prepare ``count`` racers one thread each, fire their posts at one barrier, and tally the
    outcomes (``outcome`` names each response; a failed preparation counts as an error)."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def racer(i: int) -> None:
        try:
            post = prepare(i)
        except (requests.RequestException, RuntimeError) as exc:
            barrier.abort()
            results[i] = f"setup error: {exc}"
            return
        barrier.wait()
        started = time.perf_counter()
        response = post()
        results[i] = (outcome(response), time.perf_counter() - started)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    wall = time.perf_counter() - started
    outcomes = [r[0] if isinstance(r, tuple) else str(r) for r in results]
    times = [r[1] for r in results if isinstance(r, tuple)]
    return {
        "outcomes": outcomes,
        "slowest_checkout_s": max(times) if times else None,
        "wall_s": wall,
    }
