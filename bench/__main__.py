"""``make bench``: requests per second for the catalogue against a bare hello-world route.

Builds a 2,000-product catalogue in a fresh SQLite file, serves it with gunicorn (2 sync
workers), drives it with wrk when installed (else a Python load generator, and says so), and
prints requests/second, the ratio to hello-world and the SQL queries each page runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, products: int) -> dict[str, int]:
    """Migrate a fresh database, fill it, and count each page's SQL queries."""
    from flask_migrate import upgrade
    from sqlalchemy import event

    from bench.app import create_bench_app
    from bench.catalogue import build
    from config import Config
    from shop.extensions import db
    from shop.templating import local_today

    # Count the queries of a cache miss: the work a page really does.
    config = type(
        "BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "CATALOGUE_CACHE_SECONDS": 0}
    )
    app = create_bench_app(config)
    counts: dict[str, int] = {}
    with app.app_context():
        upgrade()
        total = build(products, local_today())
        print(f"catalogue: {total} products")
        client = app.test_client()
        for name, path in PAGES.items():
            statements: list[str] = []

            def record(*args, _statements=statements):
                _statements.append(args[2])

            client.get(path)
            event.listen(db.engine, "before_cursor_execute", record)
            response = client.get(path)
            event.remove(db.engine, "before_cursor_execute", record)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            counts[name] = len(statements)
        db.engine.dispose()
    return counts


PAGES = {
    "hello": "/_bench/hello",
    "listing": "/products",
    "product": "/products/vai-thieu-luc-ngan-hong-xuan",
}
# (label, page, rendered-body cache on?)
RUNS = [
    ("hello", "hello", True),
    ("listing", "listing", True),
    ("listing, cache off", "listing", False),
    ("product", "product", True),
]


def start_server(url: str, port: int, workers: int, cache: bool) -> subprocess.Popen:
    env = {
        **os.environ,
        "CATALOGUE_CACHE_SECONDS": "30" if cache else "0",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
        "SHOP_ENV": "development",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.app:create_bench_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def run_wrk(url: str, seconds: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run_python(url: str, seconds: int, connections: int) -> float:
    done = 0
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal done, errors
        while time.monotonic() < stop:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                done += ok
                errors += not ok

    start = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        for _ in range(connections):
            pool.submit(worker)
    if errors:
        raise RuntimeError(f"{url}: {errors} failed requests")
    return done / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--buyers", type=int, default=50, help="checkout race: buyers")
    parser.add_argument("--units", type=int, default=10, help="checkout race: units in stock")
    parser.add_argument(
        "--race-database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server for the checkout race (a database is created and dropped)",
    )
    parser.add_argument("--skip-race", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ocop-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        queries = prepare_database(url, args.products)
        tool = "wrk" if shutil.which("wrk") else "python (urllib threads; install wrk for more)"
        load = run_wrk if shutil.which("wrk") else run_python
        rates: dict[str, float] = {}
        for cache in (True, False):
            port = free_port()
            server = start_server(url, port, args.workers, cache)
            try:
                for label, page, cached in RUNS:
                    if cached is not cache:
                        continue
                    target = f"http://127.0.0.1:{port}{PAGES[page]}"
                    load(target, 2, args.connections)  # warm-up
                    rates[label] = load(target, args.seconds, args.connections)
            finally:
                server.terminate()
                server.wait(timeout=10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    hello = rates["hello"]
    print(
        f"\nload: {tool}, {args.connections} connections, {args.seconds}s per URL; "
        f"gunicorn {args.workers} sync workers; SQLite; {args.products} products"
    )
    print(f"{'page':<20}{'req/s':>8}{'vs hello':>10}{'SQL queries (miss)':>20}")
    for label, page, _cached in RUNS:
        ratio = rates[label] / hello
        print(f"{label:<20}{rates[label]:>8.0f}{ratio:>10.2f}{queries[page]:>20}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"tool": tool, "rates": rates, "queries": queries, **vars(args)}
    (RESULTS / "catalogue.json").write_text(json.dumps(report, indent=2))
    if not args.skip_race:
        race_report(args)


def race_report(args) -> None:
    from bench.checkout_race import run

    race = run(args.buyers, args.units, args.workers, args.race_database, free_port())
    print(
        f"\ncheckout race on PostgreSQL: {race['buyers']} buyers for {race['units']} units "
        f"(gunicorn {args.workers} workers × 4 threads, cash on delivery)"
    )
    print(
        f"orders placed {race['placed']} (in the database: {race['orders_in_db']}), "
        f"sold out {race['sold_out']}, errors {len(race['errors'])}, "
        f"stock left {race['stock_left']}"
    )
    print(
        f"slowest checkout {race['slowest_checkout_s']:.2f}s, "
        f"{race['orders_per_second']:.1f} orders placed per second during the race"
    )
    (RESULTS / "checkout_race.json").write_text(json.dumps(race, indent=2))
    if race["errors"] or race["placed"] != race["units"] or race["stock_left"] != 0:
        raise SystemExit("checkout race: oversold, undersold or errors — see above")


if __name__ == "__main__":
    main()
