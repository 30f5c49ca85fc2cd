"""The producer-commission migration turns a producer's own rate, when it differs from the old
default, into a producer commission rule, and drops the column; downgrading puts it back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from shop import create_app
from shop.extensions import db
from tests.conftest import make_config

REVISION = "0015_producer_commission"
PRODUCER = (
    "INSERT INTO producer (slug, name, legal_type, tax_code, province, commune, story_vi,"
    " commission_bp, active, created_at, updated_at) VALUES (:slug, 'HTX', 'cooperative',"
    " '2400000001', 'Bắc Ninh', 'Xã Xuân Lương', '', :bp, true, '2026-11-01 00:00:00+00',"
    " '2026-11-01 00:00:00+00')"
)


def test_a_producers_own_rate_becomes_a_producer_rule(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'legacy.db'}"))
    with app.app_context():
        upgrade(revision="0014_payouts")
        with db.engine.begin() as conn:
            for slug, bp in (("usual", 1000), ("lower", 800), ("free", 0)):
                conn.execute(text(PRODUCER), {"slug": slug, "bp": bp})
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            rules = dict(
                conn.execute(
                    text(
                        "SELECT p.slug, r.basis_points FROM commission_rule r"
                        " JOIN producer p ON p.id = r.producer_id WHERE r.scope = 'producer'"
                    )
                ).all()
            )
        assert rules == {"lower": 800, "free": 0}
        assert "commission_bp" not in {
            c["name"] for c in inspect(db.engine).get_columns("producer")
        }

        downgrade(revision="0014_payouts")
        with db.engine.connect() as conn:
            rates = dict(conn.execute(text("SELECT slug, commission_bp FROM producer")).all())
        assert rates == {"usual": 1000, "lower": 800, "free": 0}
        db.engine.dispose()
