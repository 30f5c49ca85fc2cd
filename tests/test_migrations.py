"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.extensions import db
from tests.conftest import make_config


def _check(url: str) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"product", "producer", "ocop_certificate", "category", "user_account"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'migrated.db'}")


def test_migrations_match_models_on_postgres(postgres_url):
    server = make_url(postgres_url)
    name = f"ocop_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _check(server.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_order_events_are_given_a_kind_and_visibility_from_what_they_were(tmp_path):
    from flask_migrate import upgrade as upgrade_to

    app = create_app(make_config(f"sqlite:///{tmp_path / 'events.db'}"))
    with app.app_context():
        upgrade_to(revision="0003")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO shop_order (id, reference, email, phone, locale, recipient_name,"
                    " province, commune, street, subtotal_vnd, delivery_vnd, total_vnd, paid_vnd,"
                    " refunded_vnd, payment_method, status, access_token, needs_review,"
                    " created_at, updated_at) VALUES (1, 'OCM-2026-000001', 'a@b.vn', '+84912',"
                    " 'vi', 'An', 'Hà Nội', 'Hoàn Kiếm', '1 Hàng Bạc', 100, 30, 130, 0, 0,"
                    " 'demo', 'expired', 'tok', 0, '2026-11-28', '2026-11-28')"
                )
            )
            for reason, from_status in (
                (None, None),
                ("flagged for review: payment received while the order was expired", "expired"),
                ("reviewed: refunded by hand", "expired"),
                ("payment window closed", "awaiting_payment"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO order_event (order_id, actor, from_status, to_status, reason,"
                        " created_at) VALUES (1, 'system', :f, 'expired', :r, '2026-11-28')"
                    ),
                    {"f": from_status, "r": reason},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, visibility FROM order_event ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [
            ("status_changed", "customer"),
            ("flagged", "staff"),
            ("reviewed", "staff"),
            ("status_changed", "customer"),
        ]
        db.engine.dispose()
