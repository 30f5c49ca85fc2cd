"""The address-codes migration fills the codes of existing orders and producers whose names
are in the 2025 list, and leaves the others null."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from shop import create_app
from shop.extensions import db
from tests.conftest import make_config

REVISION = "0004_addresses"


def _revision_before() -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(REVISION).down_revision


ORDER = (
    "INSERT INTO shop_order (reference, email, phone, locale, recipient_name, province, commune,"
    " street, subtotal_vnd, delivery_vnd, total_vnd, paid_vnd, refunded_vnd, payment_method,"
    " status, access_token, needs_review, created_at, updated_at) VALUES (:ref, 'a@b.vn',"
    " '+84912345678', 'vi', 'An', :province, :commune, '1 Phố', 1000, 0, 1000, 0, 0, 'cod',"
    " 'placed', :ref, false, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00')"
)
PRODUCER = (
    "INSERT INTO producer (slug, name, legal_type, tax_code, province, commune, story_vi,"
    " commission_bp, active, created_at, updated_at) VALUES (:slug, 'HTX', 'cooperative',"
    " '2400000001', :province, :commune, '', 1000, true, '2026-11-01 00:00:00+00',"
    " '2026-11-01 00:00:00+00')"
)


def test_existing_rows_get_the_codes_their_names_match(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'legacy.db'}"))
    with app.app_context():
        upgrade(revision=_revision_before())
        rows = [
            ("OCM-1", "Bắc Ninh", "Phường Chũ"),
            ("OCM-2", "bac ninh", "phuong chu"),
            ("OCM-3", "Hà Nội", "Phường Chũ"),  # of another province: commune unknown
            ("OCM-4", "Bắc Giang", "Xã Tân Yên"),  # a former province
        ]
        with db.engine.begin() as conn:
            for ref, province, commune in rows:
                conn.execute(text(ORDER), {"ref": ref, "province": province, "commune": commune})
            conn.execute(
                text(PRODUCER), {"slug": "htx", "province": "Bắc Ninh", "commune": "Xã Tân Yên"}
            )
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            codes = {
                ref: (p, c)
                for ref, p, c in conn.execute(
                    text("SELECT reference, province_code, commune_code FROM shop_order")
                )
            }
            producer = conn.execute(text("SELECT province_code, commune_code FROM producer")).one()
        assert codes == {
            "OCM-1": (24, 7525),
            "OCM-2": (24, 7525),
            "OCM-3": (1, None),
            "OCM-4": (None, None),
        }
        assert producer[0] == 24
        assert producer[1] is not None
        db.engine.dispose()
