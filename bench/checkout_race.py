"""Checkout under contention on PostgreSQL: N buyers race for M units through the real pages.

Every buyer fills a cart (product page → add → checkout page), then all post the checkout form
at once (cash on delivery, so no payment step). Exactly M orders must be placed and the stock
must end at zero, never below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = "my-gao-chu-xuan-truong"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def prepare(url: str, units: int) -> int:
    from flask_migrate import upgrade

    from config import Config
    from shop import create_app
    from shop.catalog.models import Product
    from shop.demo.seed import seed_demo
    from shop.extensions import db
    from shop.templating import local_today

    app = create_app(type("RaceConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
        seed_demo(local_today())
        product = db.session.scalar(db.select(Product).where(Product.slug == PRODUCT))
        product.stock = units
        db.session.commit()
        product_id = product.id
        db.engine.dispose()
    return product_id


def buyer(bases: list[str], product_id: int, barrier: threading.Barrier, results: list, i: int):
    """Fill a cart on one server and post checkout to the next (the same one when only one)."""
    base = bases[i % len(bases)]
    session = requests.Session()
    try:
        page = session.get(f"{base}/products/{PRODUCT}", timeout=30)
        session.post(
            f"{base}/cart/add",
            data={"csrf_token": _csrf(page.text), "product_id": product_id, "quantity": "1"},
            allow_redirects=False,
            timeout=30,
        )
        form = session.get(f"{base}/checkout", timeout=30)
        token = _csrf(form.text)
        submission = re.search(r'name="checkout_token"[^>]*value="([^"]+)"', form.text)
    except (requests.RequestException, RuntimeError) as exc:
        barrier.abort()
        results[i] = f"setup error: {exc}"
        return
    data = {
        "csrf_token": token,
        "checkout_token": submission.group(1) if submission else "",
        "email": f"buyer{i}@example.vn",
        "phone": "0912345678",
        "recipient_name": f"Người mua {i}",
        "province": "Hà Nội",
        "commune": "Phường Hoàn Kiếm",
        "street": "1 Hàng Bạc",
        "payment_method": "cod",
        "agree": "y",
    }
    barrier.wait()
    started = time.perf_counter()
    checkout = bases[(i + 1) % len(bases)]
    response = session.post(f"{checkout}/checkout", data=data, allow_redirects=False, timeout=60)
    elapsed = time.perf_counter() - started
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/orders/" in location:
        results[i] = ("placed", elapsed)
    elif response.status_code in (302, 409):
        results[i] = ("sold out", elapsed)
    else:
        results[i] = (f"HTTP {response.status_code}", elapsed)


def race(bases: list[str], product_id: int, buyers: int, url: str) -> dict:
    """All buyers post checkout at once through ``bases``; what happened, from the database."""
    results: list = [None] * buyers
    barrier = threading.Barrier(buyers)
    threads = [
        threading.Thread(target=buyer, args=(bases, product_id, barrier, results, i))
        for i in range(buyers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    wall = time.perf_counter() - started
    check = create_engine(url)
    with check.connect() as conn:
        stock = conn.execute(
            text("SELECT stock FROM product WHERE id = :id"), {"id": product_id}
        ).scalar()
        orders = conn.execute(text("SELECT count(*) FROM shop_order")).scalar()
    check.dispose()
    outcomes = [r[0] if isinstance(r, tuple) else str(r) for r in results]
    race_times = [r[1] for r in results if isinstance(r, tuple)]
    return {
        "buyers": buyers,
        "placed": outcomes.count("placed"),
        "sold_out": outcomes.count("sold out"),
        "errors": [o for o in outcomes if o not in ("placed", "sold out")],
        "orders_in_db": orders,
        "stock_left": stock,
        "slowest_checkout_s": max(race_times) if race_times else None,
        "orders_per_second": outcomes.count("placed") / max(race_times) if race_times else 0,
        "wall_s": wall,
    }


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


def run(buyers: int, units: int, workers: int, server_url: str, port: int) -> dict:
    with temporary_database(server_url) as url:
        product_id = prepare(url, units)
        with serving(url, workers, port) as base:
            return {**race([base], product_id, buyers, url), "units": units}
