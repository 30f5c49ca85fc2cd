"""A 2,000-recipient gift batch from upload to created orders.

Migrates a fresh database (a SQLite file, or a PostgreSQL database created on the given server
and dropped afterwards), seeds the demo (its organisation and gift sets, stock raised so every
box can be sent), writes a recipient CSV of ``--recipients`` rows spread over communes of
several provinces, then times each step and counts its SQL statements: reading and checking
the file, saving the draft, the preview (prices, totals, stock check), and the job that
creates one order per recipient. It also reports the longest write transaction the job held:
each order has its own, never one for the whole batch.

``python -m bench.batch_orders [--recipients 2000] [--database postgresql+psycopg://…]``
runs it alone (SQLite only unless ``--database`` is given).
"""

from __future__ import annotations

import argparse
import csv
import io
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.racing import counting

GIFT_SETS = ("tet-kinh-bac-alcohol-free", "my-chu-gift-set")
PROVINCES = ("Bắc Ninh", "Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Hải Phòng")


@contextmanager
def longest_transaction(engine):
    """The longest time between a connection's BEGIN and its COMMIT / ROLLBACK (seconds)."""
    from sqlalchemy import event

    started: dict[int, float] = {}
    longest = [0.0]

    def begin(conn):
        started[id(conn)] = time.perf_counter()

    def end(conn):
        at = started.pop(id(conn), None)
        if at is not None:
            longest[0] = max(longest[0], time.perf_counter() - at)

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    try:
        yield longest
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "commit", end)
        event.remove(engine, "rollback", end)


def recipient_csv(count: int) -> bytes:
    """``count`` recipients in the template's Vietnamese header, over several provinces."""
    from shop.addresses.services import communes, find_province

    places = []
    for name in PROVINCES:
        province = find_province(name)
        if province is not None:
            places += [(province.name, c.name) for c in communes(province.code)[:40]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ tên", "Điện thoại", "E-mail", "Tỉnh/Thành phố", "Xã/Phường",
                     "Địa chỉ", "Bộ quà", "Số lượng", "Lời nhắn"])  # fmt: skip
    for n in range(count):
        province, commune = places[n % len(places)]
        writer.writerow([
            f"Người nhận {n + 1}", f"09{n:08d}", "", province, commune, f"{n + 1} Đường Thử",
            GIFT_SETS[n % len(GIFT_SETS)], str(1 + n % 3), "Chúc mừng năm mới!",
        ])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


def measure(url: str, recipients: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select, update

    from config import Config
    from shop import create_app
    from shop.accounts.models import User
    from shop.agencies import services as agencies
    from shop.agencies.models import MemberRole, OrganisationMember
    from shop.batches import services
    from shop.batches.gift_sets import lookup_gift_set
    from shop.batches.models import BatchStatus
    from shop.batches.recipients import validate_bytes
    from shop.bundles.demo import seed_bundles
    from shop.bundles.models import Bundle
    from shop.catalog.models import Product
    from shop.demo.seed import seed_demo
    from shop.extensions import db
    from shop.templating import local_today

    config = type(
        "BatchBenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING", "JOBS_IMMEDIATE": False},
    )
    app = create_app(config)
    figures: dict = {"recipients": recipients}
    # A request context: the checks' messages are translated (in Vietnamese, the default).
    with app.test_request_context():
        upgrade()
        today = local_today()
        seed_demo(today)
        seed_bundles()
        bundles = db.session.scalars(select(Bundle).where(Bundle.slug.in_(GIFT_SETS))).all()
        product_ids = [c.product_id for b in bundles for c in b.goods]
        db.session.execute(
            update(Product).where(Product.id.in_(product_ids)).values(stock=1_000_000)
        )
        buyer = User(email="bench-buyer@example.com", name="Bench", role="customer")
        approver = User(email="bench-approver@example.com", name="Bench", role="customer")
        for user in (buyer, approver):
            user.set_password(secrets.token_urlsafe(16))
        db.session.add_all([buyer, approver])
        db.session.flush()
        organisation = agencies.register(
            approver.id, legal_name="Công ty Bench", tax_code="0109999999", province_code=24,
            commune_code=9187, street="1 Lý Thái Tổ", invoice_email="bench@example.com",
        )  # fmt: skip
        db.session.add(
            OrganisationMember(
                organisation_id=organisation.id, user_id=buyer.id, role=MemberRole.BUYER
            )
        )
        db.session.commit()
        data = recipient_csv(recipients)
        figures["file_kb"] = round(len(data) / 1024)
        organisation_id, buyer_id = organisation.id, buyer.id

        def step(name, call):
            db.session.rollback()
            with counting(db.engine) as statements:
                start = time.perf_counter()
                result = call()
                figures[f"{name}_s"] = time.perf_counter() - start
            figures[f"{name}_sql"] = len(statements)
            return result

        result = step(
            "validate",
            lambda: validate_bytes(data, "list.csv", today=today, gift_set_lookup=lookup_gift_set),
        )
        if result.errors:
            raise SystemExit(f"batch bench: the generated file has errors: {result.errors[:5]}")

        def save():
            batch = services.save_draft(organisation_id, buyer_id, result.rows)
            db.session.commit()
            return batch.id

        batch_id = step("save", save)
        preview = step(
            "preview",
            lambda: services.preview(db.session.get(services.GiftBatch, batch_id), today=today,
                                     now=services.utcnow()),
        )  # fmt: skip
        figures["total_vnd"] = preview.total_vnd
        figures["shortages"] = len(preview.shortages)

        def start_batch():
            db.session.rollback()
            services.transition(db.session.get(services.GiftBatch, batch_id), BatchStatus.CREATING)
            db.session.commit()

        start_batch()
        with longest_transaction(db.engine) as longest:
            report = step("job", lambda: services.create_orders(batch_id, today=today))
        figures["longest_tx_ms"] = longest[0] * 1000
        figures["created"] = report.created
        figures["failed"] = report.failed
        money = services.batch_money(batch_id)
        figures["orders_total_vnd"] = money.total_vnd
        figures["status"] = db.session.get(services.GiftBatch, batch_id).status
        db.session.remove()
        db.engine.dispose()
    if figures["created"] != recipients or figures["orders_total_vnd"] != figures["total_vnd"]:
        raise SystemExit(f"batch bench: not every recipient got the previewed order: {figures}")
    return figures


def run(server_url: str | None, recipients: int = 2000) -> dict:
    results = {}
    workdir = Path(tempfile.mkdtemp(prefix="ocop-batch-bench-"))
    try:
        results["SQLite"] = measure(f"sqlite:///{workdir / 'batch.db'}", recipients)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if server_url:
        from bench.checkout_race import temporary_database

        with temporary_database(server_url) as url:
            results["PostgreSQL"] = measure(url, recipients)
    return results


def print_report(results: dict) -> None:
    first = next(iter(results.values()))
    print(f"\ngift batch: {first['recipients']} recipients ({first['file_kb']} KB CSV)")
    print(
        f"{'database':<12}{'check s':>8}{'SQL':>6}{'save s':>8}{'SQL':>6}{'preview s':>10}"
        f"{'SQL':>6}{'job s':>8}{'SQL':>8}{'SQL/order':>10}{'longest tx ms':>14}{'orders':>8}"
    )
    for name, f in results.items():
        print(
            f"{name:<12}{f['validate_s']:>8.2f}{f['validate_sql']:>6}{f['save_s']:>8.2f}"
            f"{f['save_sql']:>6}{f['preview_s']:>10.2f}{f['preview_sql']:>6}{f['job_s']:>8.1f}"
            f"{f['job_sql']:>8}{f['job_sql'] / max(f['created'], 1):>10.1f}"
            f"{f['longest_tx_ms']:>14.1f}{f['created']:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--database", default=None, help="PostgreSQL server (optional)")
    args = parser.parse_args()
    print_report(run(args.database, args.recipients))


if __name__ == "__main__":
    main()
