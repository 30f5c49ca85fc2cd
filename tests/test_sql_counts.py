"""The pages ``make bench`` checks (``bench.sql_counts.CONSTANT_SQL_URLS``) read as many SQL
statements with 2,000 products as with 20: no query per product, certificate or producer.
Counts only, no timing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Table

from bench.sql_counts import CONSTANT_SQL_URLS, SMALL_CATALOGUE, statement_counts
from shop.extensions import db
from tests.conftest import insert_rows
from tests.factories import gen_certificate, gen_experience, gen_product, gen_session

TODAY = date(2026, 11, 28)
LARGE_CATALOGUE = 2000
PRODUCERS = 40
BASE = 1000  # ids clear of what the factories wrote


def table(name: str) -> Table:
    return db.metadata.tables[name]


def add_products(first: int, last: int) -> None:
    """Products ``first`` to ``last - 1`` of the generated catalogue (bulk inserts), spread over
    the producers, sub-groups and communes, most with a certificate (in force, expiring soon,
    expired or revoked)."""
    products, certificates, images = [], [], []
    for n in range(first, last):
        products.append(
            {"id": BASE + n, "producer_id": BASE + n % PRODUCERS,
             "category_id": BASE + 1 + n % 3, "slug": f"sql-{n}", "name_vi": f"Chè số {n}",
             "unit_vi": "gói", "origin": "Bắc Ninh", "price_vnd": 20_000 + n, "vat_rate": 8,
             "stock": n % 40, "weight_g": 500, "lot_required": False}
        )  # fmt: skip
        images.append(
            {"id": BASE + n, "product_id": BASE + n, "path": "img/placeholder-product.svg",
             "alt_vi": "Ảnh", "position": 0}
        )  # fmt: skip
        if n % 10 == 9:
            continue  # not rated
        decided = TODAY - timedelta(days=(n * 37) % 1400)
        score = 50 + (n * 7) % 50
        certificates.append(
            {"id": BASE + n, "product_id": BASE + n, "certificate_number": f"SQL-{n}",
             "decision_number": f"QĐ-{n}", "decision_date": decided,
             "valid_until": decided + timedelta(days=3 * 365), "authority": "province",
             "authority_name": "UBND tỉnh Bắc Ninh", "criteria_version": "2023",
             "evaluation_round": str(decided.year), "score": score,
             "stars": 5 if score >= 90 else 4 if score >= 70 else 3,
             "status": "revoked" if n % 17 == 0 else "active"}
        )  # fmt: skip
    insert_rows(
        [(table("product"), products), (table("product_image"), images),
         (table("ocop_certificate"), certificates)]
    )  # fmt: skip


def test_the_checked_pages_read_the_same_statements_with_20_and_2000_products(app):
    app.config["FIXED_TODAY"] = TODAY
    insert_rows(
        [
            (table("category"), [
                {"id": BASE, "slug": "sql-food", "name_vi": "Thực phẩm", "name_en": "Food"},
                *({"id": BASE + 1 + k, "slug": f"sql-sub-{k}", "parent_id": BASE,
                   "name_vi": f"Nhóm {k}", "name_en": f"Group {k}"} for k in range(3)),
            ]),
            (table("producer"), [
                {"id": BASE + n, "slug": f"sql-producer-{n}", "name": f"HTX {n}",
                 "legal_type": "cooperative", "tax_code": f"24{n:08d}", "province": "Bắc Ninh",
                 "province_code": 24, "commune": f"Xã {n % 9}", "story_vi": ""}
                for n in range(PRODUCERS)
            ]),
        ]
    )  # fmt: skip
    experience = gen_experience()
    gen_session(experience, starts_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    certificate = gen_certificate(
        gen_product(), score=80, decision_date=TODAY - timedelta(days=100)
    )
    db.session.commit()
    add_products(1, SMALL_CATALOGUE)  # with the factory's product: 20
    assert db.session.query(table("product")).count() == SMALL_CATALOGUE
    small = statement_counts(app)
    add_products(SMALL_CATALOGUE, LARGE_CATALOGUE)
    large = statement_counts(app)
    assert set(small) == set(CONSTANT_SQL_URLS)
    assert "/ocop" in small
    assert small == large, (small, large)
    assert certificate.id  # the page had a factory-made certificate beside the generated ones
