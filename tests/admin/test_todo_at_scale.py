"""The office home's to-do numbers on a generated province of 2,000 products: each equals an
independent raw SQL count (written here, not todo.py's queries) and the count the generator
kept, for an admin, for an office account of that province and for one of the other province.

The rows are written with bulk inserts (``insert_rows``): about two seconds on either database.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import Table, text

from shop.extensions import db
from tests.agencies.factories import gen_organisation
from tests.conftest import insert_rows
from tests.factories import gen_user

TODAY = date(2026, 11, 28)
PROVINCE, ELSEWHERE = 24, 1  # Bắc Ninh, Hà Nội
PRODUCTS = 2000
# Days from today to a certificate's last valid day: expired, today, inside each window and
# just past it.
OFFSETS = (-30, -1, 0, 1, 15, 29, 30, 31, 45, 59, 60, 61, 75, 89, 90, 91, 200, 700)
WINDOWS = (30, 60, 90)
LABELS = {
    "within 30": "Certificates expiring within 30 days",
    "within 60": "Certificates expiring within 60 days",
    "within 90": "Certificates expiring within 90 days",
    "pending": "Producers waiting for approval",
    "payouts": "Payouts to approve",
    "flagged": "Orders flagged for review",
    "listings": "Listings to review",
    "quotes": "Quotes to price",
}


def table(name: str) -> Table:
    return db.metadata.tables[name]


def generate(products: int) -> dict[str, dict[str, int]]:
    """Two provinces (``PROVINCE`` with ``products`` products, ``ELSEWHERE`` with a tenth of
    that) and everything the to-do list counts; returns the counts the generator expects, for
    everyone and for ``PROVINCE``."""
    approver = gen_user("admin")
    customer = gen_user("customer")
    organisation = gen_organisation(customer)
    db.session.commit()
    expected = {"all": dict.fromkeys(LABELS, 0), "province": dict.fromkeys(LABELS, 0)}

    def count(key: str, in_province: bool, n: int = 1) -> None:
        expected["all"][key] += n
        if in_province:
            expected["province"][key] += n

    rows: dict[str, list[dict]] = {name: [] for name in (
        "category", "producer", "product", "ocop_certificate", "payout_run", "payout",
        "shop_order", "producer_order", "gift_batch", "quote", "listing_revision",
    )}  # fmt: skip
    base = 1000  # ids clear of the rows the factories wrote
    rows["category"] = [
        {"id": base, "slug": "scale-food", "name_vi": "Thực phẩm", "name_en": "Food"},
        {"id": base + 1, "slug": "scale-tea", "parent_id": base, "name_vi": "Chè",
         "name_en": "Tea"},
    ]  # fmt: skip
    statuses = ("approved", "approved", "pending", "suspended")
    producers: list[tuple[int, bool]] = []
    for n in range(80):
        in_province = n < 60
        status = statuses[n % len(statuses)]
        pid = base + n
        producers.append((pid, in_province))
        rows["producer"].append(
            {"id": pid, "slug": f"scale-producer-{n}", "name": f"HTX Quy mô {n}",
             "legal_type": "cooperative", "tax_code": f"24{n:08d}",
             "province": "Bắc Ninh" if in_province else "Hà Nội",
             "province_code": PROVINCE if in_province else ELSEWHERE,
             "commune": f"Xã {n % 12}", "status": status, "active": status == "approved",
             "story_vi": ""}
        )  # fmt: skip
        if status == "pending":
            count("pending", in_province)
    in_province_producers = [p for p in producers if p[1]]
    elsewhere_producers = [p for p in producers if not p[1]]
    certificate = 0
    for n in range(products + products // 10):
        in_province = n < products
        pool = in_province_producers if in_province else elsewhere_producers
        product_id = base + n
        rows["product"].append(
            {"id": product_id, "producer_id": pool[n % len(pool)][0],
             "category_id": base + 1, "slug": f"scale-{n}", "name_vi": f"Chè số {n}",
             "unit_vi": "gói", "origin": "Bắc Ninh", "price_vnd": 50_000 + n, "vat_rate": 8,
             "stock": n % 30, "weight_g": 500, "lot_required": False}
        )  # fmt: skip
        # Most products have one certificate, some two (the counts are of certificates).
        for k in range(1 + (n % 7 == 0) - (n % 11 == 10)):
            offset = OFFSETS[(n + 5 * k) % len(OFFSETS)]
            revoked = (n + k) % 13 == 0
            valid_until = TODAY + timedelta(days=offset)
            rows["ocop_certificate"].append(
                {"id": base + certificate, "product_id": product_id,
                 "certificate_number": f"SCALE-{certificate}", "decision_number": f"QĐ-{n}",
                 "decision_date": valid_until - timedelta(days=3 * 365), "authority": "province",
                 "authority_name": "UBND tỉnh Bắc Ninh", "criteria_version": "2023",
                 "evaluation_round": "2023", "score": 80, "stars": 4,
                 "valid_until": valid_until, "status": "revoked" if revoked else "active"}
            )  # fmt: skip
            certificate += 1
            if not revoked and offset >= 0:
                for days in WINDOWS:
                    if offset <= days:
                        count(f"within {days}", in_province)
    # A revision of every 17th product: waiting, approved, rejected or replaced.
    for n in range(0, products + products // 10, 17):
        in_province = n < products
        pool = in_province_producers if in_province else elsewhere_producers
        status = ("pending", "approved", "rejected", "superseded")[(n // 17) % 4]
        decided = status in ("approved", "rejected")
        rows["listing_revision"].append(
            {"id": base + n, "producer_id": pool[n % len(pool)][0], "product_id": base + n,
             "kind": "change", "proposed": {"price_vnd": 40_000}, "status": status,
             "submitted_at": TODAY, "reviewed_at": TODAY if decided else None,
             "reason": "ảnh mờ" if status == "rejected" else None}
        )  # fmt: skip
        if status == "pending":
            count("listings", in_province)
    rows["payout_run"] = [{"id": base, "key": "scale", "run_on": TODAY}]
    for n, (pid, in_province) in enumerate(producers):
        if n % 3 == 2:
            continue  # no payout this run
        draft = n % 3 == 0
        rows["payout"].append(
            {"id": base + n, "run_id": base, "producer_id": pid, "amount_vnd": 10_000 + n,
             "status": "draft" if draft else "approved",
             "approved_by_id": None if draft else approver.id}
        )  # fmt: skip
        if draft:
            count("payouts", in_province)
    for n in range(400):
        flagged = n % 4 == 0
        rows["shop_order"].append(
            {"id": base + n, "reference": f"OCM-SCALE-{n:05d}", "email": "a@example.vn",
             "phone": "+84912345678", "recipient_name": "An", "province": "Hà Nội",
             "commune": "Phường Hoàn Kiếm", "street": "1 Hàng Bạc", "subtotal_vnd": 100_000,
             "delivery_vnd": 30_000, "total_vnd": 130_000, "paid_vnd": 130_000,
             "payment_method": "demo", "status": "paid", "access_token": f"scale-token-{n}",
             "needs_review": flagged, "review_reason": "amount to check" if flagged else None}
        )  # fmt: skip
        # Every third order is of a producer elsewhere; every fifth of one here and one there.
        parts = [producers[n % 60]] if n % 3 else [producers[60 + n % 20]]
        if n % 5 == 0:
            parts = [producers[n % 60], producers[60 + n % 20]]
        for k, (pid, _here) in enumerate(parts):
            rows["producer_order"].append(
                {"id": base + 2 * n + k, "order_id": base + n, "producer_id": pid,
                 "status": "new", "delivery_method": "standard", "subtotal_vnd": 100_000,
                 "delivery_vnd": 30_000}
            )  # fmt: skip
        if flagged:
            count("flagged", any(here for _pid, here in parts))
    for n in range(30):
        requested = n % 3 != 1
        rows["gift_batch"].append(
            {"id": base + n, "reference": f"GB-SCALE-{n}", "organisation_id": organisation.id,
             "created_by_id": customer.id, "size": 10}
        )  # fmt: skip
        rows["quote"].append(
            {"id": base + n, "reference": f"Q-SCALE-{n}", "batch_id": base + n,
             "organisation_id": organisation.id, "status": "requested" if requested
             else "withdrawn", "recipients": 10, "boxes": 10, "goods_vnd": 1_000_000,
             "delivery_vnd": 0, "total_vnd": 1_000_000, "requested_by_id": customer.id}
        )  # fmt: skip
        if requested:
            count("quotes", True)
    insert_rows([(table(name), batch) for name, batch in rows.items()])
    return expected


def sql_counts(province: int | None) -> dict[str, int]:
    """The same numbers in plain SQL, written apart from todo.py; ``province`` limits them to
    what belongs to that province's producers."""
    params: dict = {"today": TODAY, "province": province}
    counts = {}
    for days in WINDOWS:
        counts[f"within {days}"] = db.session.scalar(
            text(
                "SELECT count(*) FROM ocop_certificate c"
                " JOIN product pr ON pr.id = c.product_id JOIN producer p ON p.id = pr.producer_id"
                " WHERE c.status <> 'revoked' AND c.valid_until >= :today"
                " AND c.valid_until <= :last"
                " AND COALESCE(:province, p.province_code) = p.province_code"
            ),
            {**params, "last": TODAY + timedelta(days=days)},
        )
    counts["pending"] = db.session.scalar(
        text(
            "SELECT count(*) FROM producer p WHERE p.status = 'pending'"
            " AND COALESCE(:province, p.province_code) = p.province_code"
        ),
        params,
    )
    counts["payouts"] = db.session.scalar(
        text(
            "SELECT count(*) FROM payout JOIN producer p ON p.id = payout.producer_id"
            " WHERE payout.status = 'draft'"
            " AND COALESCE(:province, p.province_code) = p.province_code"
        ),
        params,
    )
    counts["flagged"] = db.session.scalar(
        text(
            "SELECT count(*) FROM shop_order o WHERE o.needs_review AND EXISTS ("
            " SELECT 1 FROM producer_order po JOIN producer p ON p.id = po.producer_id"
            " WHERE po.order_id = o.id AND COALESCE(:province, p.province_code) = p.province_code)"
        ),
        params,
    )
    counts["listings"] = db.session.scalar(
        text(
            "SELECT count(*) FROM listing_revision r JOIN producer p ON p.id = r.producer_id"
            " WHERE r.status = 'pending'"
            " AND COALESCE(:province, p.province_code) = p.province_code"
        ),
        params,
    )
    counts["quotes"] = db.session.scalar(
        text("SELECT count(*) FROM quote WHERE status = 'requested'")
    )
    return {key: int(value) for key, value in counts.items()}


def shown(client) -> dict[str, int]:
    """{key: number} of the to-do items the signed-in user's home shows."""
    response = client.get("/admin/?lang=en")
    assert response.status_code == 200
    by_label = {
        label: int(number)
        for number, label in re.findall(
            r'<span class="todo-count">(\d+)</span> <span class="todo-label">([^<]+)',
            response.get_data(as_text=True),
        )
    }
    keys = {label: key for key, label in LABELS.items()}
    return {keys[label]: number for label, number in by_label.items()}


@pytest.fixture
def province(app):
    app.config["FIXED_TODAY"] = TODAY
    return generate(PRODUCTS)


def test_every_number_equals_an_independent_count_for_an_admin(client, login_as, province):
    assert db.session.scalar(text("SELECT count(*) FROM product")) == PRODUCTS + PRODUCTS // 10
    login_as("admin")
    numbers = shown(client)
    assert numbers == sql_counts(None)
    assert numbers == province["all"]
    # Every window and kind holds something: the test would see a wrong condition.
    assert all(numbers.values())
    assert numbers["within 30"] < numbers["within 60"] < numbers["within 90"]


def test_every_number_equals_an_independent_count_for_the_province_office(
    client, login_as, province
):
    expected = sql_counts(PROVINCE)
    assert expected == {**province["province"], "quotes": expected["quotes"]}
    everyone = sql_counts(None)
    assert all(expected[key] < everyone[key] for key in LABELS if key != "quotes")
    login_as("ocop_office", province_code=PROVINCE)
    numbers = shown(client)
    # The office's list: its province's certificates, producers and listings; payouts, orders
    # and quotes stay with the admins.
    assert set(numbers) == {"within 30", "within 60", "within 90", "pending", "listings"}
    assert numbers == {key: expected[key] for key in numbers}
    client.get("/account/logout")
    login_as("ocop_office", province_code=ELSEWHERE)
    elsewhere = shown(client)
    assert elsewhere == {key: everyone[key] - expected[key] for key in numbers}
