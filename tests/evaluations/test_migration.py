"""Migration 0036 seeds the authorities, gives every stored certificate its authority row by
the name printed on it (a name not in the seed gets a row of its own), and downgrading turns a
superseded certificate into a revoked one, so it never counts again."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from shop import create_app
from shop.evaluations.authorities import SEED
from shop.extensions import db
from tests.conftest import make_config

BEFORE, REVISION = "0035_moderation", "0036_evaluations"
NOW = "2026-11-01 00:00:00+00"
ROWS = [
    "INSERT INTO producer (id, slug, name, legal_type, tax_code, province, commune, story_vi,"
    " active, status, created_at, updated_at) VALUES (1, 'p', 'HTX', 'cooperative',"
    " '2400000001', 'Bắc Ninh', 'Xã Xuân Lương', '', true, 'approved', :now, :now)",
    "INSERT INTO category (id, slug, name_vi, name_en, position) VALUES (1, 'c', 'C', 'C', 0)",
    "INSERT INTO product (id, producer_id, category_id, slug, name_vi, description_vi, unit_vi,"
    " origin, price_vnd, vat_rate, stock, weight_g, shipping_class, preorder, adult_only, active,"
    " search_name, search_text, created_at, updated_at, lot_required) VALUES (1, 1, 1, 'x', 'X',"
    " '', 'hộp', 'Lục Ngạn', 1000, 8, 1, 100, 'ambient', false, false, true, '', '', :now,"
    " :now, false)",
]
CERTIFICATE = (
    "INSERT INTO ocop_certificate (product_id, certificate_number, decision_number,"
    " decision_date, authority, authority_name, criteria_version, evaluation_round, score, stars,"
    " valid_until, status, created_at, updated_at) VALUES (1, :number, 'QĐ', '2022-03-01',"
    " :authority, :name, '2019', '2022', 75, 4, '2025-03-01', 'active', :now, :now)"
)


def test_certificates_get_their_authority_rows_and_superseded_ones_stay_out(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'legacy.db'}"))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for row in ROWS:
                conn.execute(text(row), {"now": NOW})
            for number, authority, name in (
                ("A-1", "province", "UBND tỉnh Bắc Giang"),
                ("A-2", "district", "UBND huyện Sơn Động"),
            ):
                conn.execute(
                    text(CERTIFICATE),
                    {"number": number, "authority": authority, "name": name, "now": NOW},
                )
        upgrade(revision=REVISION)
        with db.engine.begin() as conn:
            authorities = dict(conn.execute(text("SELECT name_vi, level FROM authority")).all())
            linked = dict(
                conn.execute(
                    text(
                        "SELECT c.certificate_number, a.name_vi FROM ocop_certificate c"
                        " JOIN authority a ON a.id = c.authority_id"
                    )
                ).all()
            )
            conn.execute(text("UPDATE ocop_certificate SET status = 'superseded' WHERE id = 1"))
        assert {name for name, *_ in SEED} <= set(authorities)
        assert authorities["UBND huyện Sơn Động"] == "district"  # printed on a certificate
        assert linked == {"A-1": "UBND tỉnh Bắc Giang", "A-2": "UBND huyện Sơn Động"}

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            statuses = conn.execute(
                text("SELECT status FROM ocop_certificate ORDER BY id")
            ).scalars()
            assert list(statuses) == ["revoked", "active"]
        db.engine.dispose()
