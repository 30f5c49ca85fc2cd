"""The payout run and the ledger's reads at scale: 200 producers, 100,000 ledger entries.

Builds the ledger with bulk inserts on a fresh database (a SQLite file, or a PostgreSQL
database created on the given server and dropped afterwards), then times a full payout run,
a producer's balance and one page of its entries, counting the SQL statements of each: the
balance and the page must be one statement whatever the number of entries.

``python -m bench.payout_run [--database postgresql+psycopg://…]`` runs it alone.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.racing import counting

BATCH = 5000


def build(producers: int, entries: int, today: date) -> list[int]:
    """``producers`` producers and ``entries`` sale and commission entries spread over them,
    all payable ``today`` (bulk inserts). Returns the producer ids."""
    from sqlalchemy import insert, select

    from shop.catalog.models import Producer
    from shop.extensions import db
    from shop.payouts.models import LedgerEntry

    db.session.execute(
        insert(Producer),
        [
            {
                "slug": f"bench-producer-{n}",
                "name": f"HTX Bench {n}",
                "legal_type": "household" if n % 3 == 0 else "cooperative",
                "tax_code": f"31{n:08d}",
                "province": "Bắc Ninh",
                "commune": "Phường Chũ",
                "story_vi": "Câu chuyện.",
            }
            for n in range(producers)
        ],
    )
    ids = list(db.session.scalars(select(Producer.id).order_by(Producer.id)))
    rows = []
    for n in range(entries):
        producer_id = ids[n % len(ids)]
        sale = (n // len(ids)) % 2 == 0  # each producer: sales and their commissions
        amount = 100_000 + (n * 7919) % 400_000
        rows.append(
            {
                "producer_id": producer_id,
                "kind": "sale" if sale else "commission",
                "amount_vnd": amount if sale else -(amount // 10),
                "available_on": today - timedelta(days=1 + n % 30),
                "idempotency_key": f"bench-{n}",
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert(LedgerEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(LedgerEntry), rows)
    db.session.commit()
    return ids


def measure(url: str, producers: int, entries: int, repeats: int = 20) -> dict:
    from flask_migrate import upgrade

    from config import Config
    from shop import create_app
    from shop.extensions import db
    from shop.payouts.ledger import balance
    from shop.payouts.ledger_pages import entries_page
    from shop.payouts.services import run_payouts

    config = type(
        "PayoutBenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": url, "PAYOUT_MINIMUM_VND": 1, "LOG_LEVEL": "WARNING"},
    )
    app = create_app(config)
    today = date(2026, 12, 14)
    figures: dict = {"producers": producers, "entries": entries}
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        ids = build(producers, entries, today)
        figures["build_s"] = time.perf_counter() - started
        target = ids[len(ids) // 2]

        def timed(call) -> tuple[float, int]:
            db.session.rollback()
            with counting(db.engine) as statements:
                start = time.perf_counter()
                call()
                elapsed = time.perf_counter() - start
            return elapsed, len(statements)

        runs = [timed(lambda: balance(target, today)) for _ in range(repeats)]
        figures["balance_ms"] = statistics.median(t for t, _ in runs) * 1000
        figures["balance_sql"] = max(n for _, n in runs)
        pages = [timed(lambda: entries_page(target, page=3, per_page=50)) for _ in range(repeats)]
        figures["page_ms"] = statistics.median(t for t, _ in pages) * 1000
        figures["page_sql"] = max(n for _, n in pages)

        db.session.rollback()
        with counting(db.engine) as statements:
            start = time.perf_counter()
            report = run_payouts(today, key="bench")
            figures["run_s"] = time.perf_counter() - start
        figures["run_sql"] = len(statements)
        figures["payouts"] = len(report.payouts)
        figures["paid_vnd"] = report.total_vnd
        figures["balance_after_vnd"] = balance(target, today).available_vnd
        db.session.remove()
        db.engine.dispose()
    if figures["balance_sql"] != 1 or figures["page_sql"] != 1:
        raise SystemExit(f"payout bench: balance or page took more than one statement: {figures}")
    if figures["payouts"] != producers or figures["balance_after_vnd"] != 0:
        raise SystemExit(f"payout bench: the run did not pay every producer: {figures}")
    return figures


def run(server_url: str | None, producers: int = 200, entries: int = 100_000) -> dict:
    """The figures on SQLite and, with ``server_url``, on a fresh PostgreSQL database."""
    results = {}
    workdir = Path(tempfile.mkdtemp(prefix="ocop-payout-bench-"))
    try:
        results["SQLite"] = measure(f"sqlite:///{workdir / 'payouts.db'}", producers, entries)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if server_url:
        from bench.checkout_race import temporary_database

        with temporary_database(server_url) as url:
            results["PostgreSQL"] = measure(url, producers, entries)
    return results


def print_report(results: dict) -> None:
    first = next(iter(results.values()))
    print(f"\npayout run: {first['producers']} producers, {first['entries']:,} ledger entries")
    print(
        f"{'database':<12}{'build s':>9}{'run s':>8}{'run SQL':>9}{'payouts':>9}"
        f"{'balance ms':>12}{'SQL':>5}{'page ms':>9}{'SQL':>5}"
    )
    for name, f in results.items():
        print(
            f"{name:<12}{f['build_s']:>9.1f}{f['run_s']:>8.2f}{f['run_sql']:>9}{f['payouts']:>9}"
            f"{f['balance_ms']:>12.2f}{f['balance_sql']:>5}{f['page_ms']:>9.2f}{f['page_sql']:>5}"
        )


def main() -> None:
    from bench.racing import DEFAULT_SERVER

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--producers", type=int, default=200)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_SERVER, help="PostgreSQL server")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results = run(None if args.skip_postgres else args.database, args.producers, args.entries)
    print_report(results)


if __name__ == "__main__":
    main()
