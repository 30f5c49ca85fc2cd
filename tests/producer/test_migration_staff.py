"""The staff migration makes each producer's oldest staff member its admin (unless it has one),
and clears the admin flag of accounts that are not producer staff."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from shop import create_app
from shop.extensions import db
from tests.conftest import make_config
from tests.test_migration_addresses import PRODUCER

USER = (
    "INSERT INTO user_account (email, password_hash, name, locale, role, producer_id, active,"
    " producer_admin, session_generation, created_at, updated_at) VALUES (:email, 'x', 'An',"
    " 'vi', :role, :producer, true, :admin, 0, :at, :at)"
)


def test_each_producer_s_oldest_staff_member_becomes_its_admin(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'legacy.db'}"))
    with app.app_context():
        upgrade(revision="0014_payouts")
        with db.engine.begin() as conn:
            for slug in ("a", "b", "c"):
                conn.execute(text(PRODUCER), {"slug": slug, "province": "", "commune": ""})
            ids = dict(conn.execute(text("SELECT slug, id FROM producer")).all())
            users = [
                ("a-new@x.vn", "producer_staff", ids["a"], False, "2026-11-02 00:00:00+00"),
                ("a-old@x.vn", "producer_staff", ids["a"], False, "2026-10-01 00:00:00+00"),
                ("b-old@x.vn", "producer_staff", ids["b"], False, "2026-10-01 00:00:00+00"),
                ("b-boss@x.vn", "producer_staff", ids["b"], True, "2026-11-05 00:00:00+00"),
                ("customer@x.vn", "customer", None, True, "2026-09-01 00:00:00+00"),
            ]
            for email, role, producer, admin, at in users:
                conn.execute(
                    text(USER),
                    {"email": email, "role": role, "producer": producer, "admin": admin, "at": at},
                )
        upgrade(revision="0019_staff")
        with db.engine.connect() as conn:
            admins = {
                email
                for (email,) in conn.execute(
                    text("SELECT email FROM user_account WHERE producer_admin")
                )
            }
        assert admins == {"a-old@x.vn", "b-boss@x.vn"}  # c has no staff; b kept its admin
        db.engine.dispose()
