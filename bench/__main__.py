"""``make bench``: requests per second for the catalogue against a bare Flask hello-world.

Builds a 2,000-product catalogue in a fresh SQLite file, serves it with gunicorn (2 sync
workers) next to a bare Flask app served the same way (``bench/hello_app.py``), drives both with
wrk when installed (else a Python load generator, and says so), and prints requests/second, the
ratio to the bare app and the SQL queries each page runs. Then the checkout race on PostgreSQL
(``--skip-race``), the payout run over 100,000 ledger entries on SQLite and PostgreSQL
(``--skip-payouts``), a 2,000-recipient gift batch from upload to created orders on SQLite and
PostgreSQL (``--skip-batches``) and the two-server scale-out check (``--skip-scale-out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
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
    from bench.catalogue import build, build_experiences
    from bench.sql_counts import SMALL_CATALOGUE, print_comparison, statement_counts
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
        # The pages that must read as many statements with 20 products as with the full
        # catalogue (bench/sql_counts.py): counted at 20, then again once it is built.
        build(SMALL_CATALOGUE, local_today())
        small = statement_counts(app)
        total = build(products, local_today())
        if not print_comparison(small, statement_counts(app), total):
            raise SystemExit("a page's SQL statement count grows with the catalogue — see above")
        sessions = build_experiences(EXPERIENCES, local_today())
        print(f"catalogue: {total} products, {EXPERIENCES} experiences, {sessions} sessions")
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


EXPERIENCES = 100
PAGES = {
    "hello": "/_bench/hello",
    "listing": "/products",
    "product": "/products/vai-thieu-luc-ngan-hong-xuan",
    "experiences": "/experiences",
    "calendar": "/experiences/ban-ven-cao-lan-eco-village-day",
    "programme": "/ocop",
    "api products": "/api/v1/products",
}
# (label, server, path, page whose SQL is counted): every figure is compared with the bare
# Flask app; "shop hello" is the same one-line route inside the shop, so the gap between the two
# is the shop's per-request set-up (session, sign-in, locale, CSRF, rate limits).
RUNS = [
    ("hello, bare Flask", "bare", "/", None),
    ("shop hello", "shop", PAGES["hello"], "hello"),
    ("listing, cached", "shop", PAGES["listing"], "listing"),
    ("listing, cache miss", "shop, cache off", PAGES["listing"], "listing"),
    ("product page", "shop", PAGES["product"], "product"),
    ("experiences", "shop", PAGES["experiences"], "experiences"),
    ("experience calendar", "shop", PAGES["calendar"], "calendar"),
    ("OCOP programme", "shop", PAGES["programme"], "programme"),
    ("API products", "shop", PAGES["api products"], "api products"),
]
SERVERS = {
    # name: (gunicorn app, rendered-body cache on?, URL that answers once the server is up)
    "bare": ("bench.hello_app:app", True, "/"),
    "shop": ("bench.app:create_bench_app()", True, "/healthz"),
    "shop, cache off": ("bench.app:create_bench_app()", False, "/healthz"),
}


def start_server(
    url: str, port: int, workers: int, cache: bool, app: str = "bench.app:create_bench_app()"
) -> subprocess.Popen:
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
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    return process


def wait_until_up(process: subprocess.Popen, url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start: {url}")


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


def measure(url: str, args, load) -> tuple[dict[str, float], dict[str, float]]:
    """Requests/second of every run, and each one's ratio to the bare app.

    The machine may be busy: every round measures the bare app again next to the pages, each
    ratio is taken within its round, and the median round is reported.
    """
    ports = {name: free_port() for name in SERVERS}
    servers = {
        name: start_server(url, ports[name], args.workers, cache, app)
        for name, (app, cache, _health) in SERVERS.items()
    }
    rounds: list[dict[str, float]] = []
    try:
        for name, (_app, _cache, health) in SERVERS.items():
            wait_until_up(servers[name], f"http://127.0.0.1:{ports[name]}{health}")
        for _label, server, path, _page in RUNS:  # warm-up: imports, caches, connections
            load(f"http://127.0.0.1:{ports[server]}{path}", 1, args.connections)
        for _ in range(args.rounds):
            rounds.append(
                {
                    label: load(
                        f"http://127.0.0.1:{ports[server]}{path}", args.seconds, args.connections
                    )
                    for label, server, path, _page in RUNS
                }
            )
    finally:
        for process in servers.values():
            process.terminate()
        for process in servers.values():
            process.wait(timeout=10)
    bare = RUNS[0][0]
    rates = {label: statistics.median(r[label] for r in rounds) for label, *_ in RUNS}
    ratios = {label: statistics.median(r[label] / r[bare] for r in rounds) for label, *_ in RUNS}
    return rates, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--buyers", type=int, default=50, help="checkout race: buyers")
    parser.add_argument("--units", type=int, default=10, help="checkout race: units in stock")
    parser.add_argument("--tourists", type=int, default=30, help="seat race: tourists")
    parser.add_argument("--seats", type=int, default=8, help="seat race: seats left")
    parser.add_argument(
        "--race-database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server for the checkout race (a database is created and dropped)",
    )
    parser.add_argument("--skip-race", action="store_true", help="no checkout race")
    parser.add_argument(
        "--skip-payouts", action="store_true", help="no payout run bench (SQLite and PostgreSQL)"
    )
    parser.add_argument(
        "--skip-batches", action="store_true", help="no gift batch bench (SQLite and PostgreSQL)"
    )
    parser.add_argument("--batch-recipients", type=int, default=2000, help="gift batch bench")
    parser.add_argument("--payout-producers", type=int, default=200, help="payout bench")
    parser.add_argument("--payout-entries", type=int, default=100_000, help="payout bench")
    parser.add_argument(
        "--skip-scale-out", action="store_true", help="no two-server scale-out check"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="an empty Redis database for the scale-out check (emptied again afterwards)",
    )
    parser.add_argument(
        "--tick-wait",
        type=float,
        default=130,
        help="scale-out: seconds the two job workers run before their periodic ticks are checked",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ocop-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        queries = prepare_database(url, args.products)
        tool = "wrk" if shutil.which("wrk") else "python (urllib threads; install wrk for more)"
        load = run_wrk if shutil.which("wrk") else run_python
        rates, ratios = measure(url, args, load)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nload: {tool}, {args.connections} connections, {args.rounds} rounds of "
        f"{args.seconds}s per URL (median); gunicorn {args.workers} sync workers; SQLite; "
        f"{args.products} products"
    )
    print(f"{'page':<22}{'req/s':>8}{'vs bare hello':>15}{'SQL queries (miss)':>20}")
    for label, _server, _path, page in RUNS:
        sql = "" if page is None else str(queries[page])
        print(f"{label:<22}{rates[label]:>8.0f}{ratios[label]:>15.3f}{sql:>20}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"tool": tool, "rates": rates, "ratios": ratios, "queries": queries, **vars(args)}
    (RESULTS / "catalogue.json").write_text(json.dumps(report, indent=2))
    if not args.skip_race:
        race_report(args)
        seat_race_report(args)
    if not args.skip_payouts:
        payout_report(args)
    if not args.skip_batches:
        batch_report(args)
    if not args.skip_scale_out:
        scale_out_report(args)


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


def seat_race_report(args) -> None:
    from bench.seat_race import run

    race = run(args.tourists, args.seats, args.workers, args.race_database, free_port())
    print(
        f"\nseat race on PostgreSQL: {race['tourists']} tourists for the last {race['seats']} "
        f"seats of one session (gunicorn {args.workers} workers × 4 threads, demo payment)"
    )
    print(
        f"booked {race['booked']}, refused as full {race['full']}, errors {len(race['errors'])}; "
        f"pool {race['seats_taken']}/{race['capacity']}, seats in bookings "
        f"{race['seats_in_bookings']}; slowest checkout {race['slowest_checkout_s']:.2f}s"
    )
    (RESULTS / "seat_race.json").write_text(json.dumps(race, indent=2))
    if (
        race["errors"]
        or race["booked"] != race["seats"]
        or race["seats_taken"] != race["capacity"]
        or race["seats_in_bookings"] != race["seats"]
    ):
        raise SystemExit("seat race: oversold, undersold or errors — see above")


def payout_report(args) -> None:
    from bench.payout_run import print_report, run

    # PostgreSQL too unless the races (which need its server) are skipped.
    server = None if args.skip_race else args.race_database
    results = run(server, args.payout_producers, args.payout_entries)
    print_report(results)
    (RESULTS / "payout_run.json").write_text(json.dumps(results, indent=2))


def batch_report(args) -> None:
    from bench.batch_orders import print_report, run

    # PostgreSQL too unless the races (which need its server) are skipped.
    server = None if args.skip_race else args.race_database
    results = run(server, args.batch_recipients)
    print_report(results)
    (RESULTS / "batch_orders.json").write_text(json.dumps(results, indent=2))


def scale_out_report(args) -> None:
    from bench.scale_out import run

    run(args)


if __name__ == "__main__":
    main()
