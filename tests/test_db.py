from __future__ import annotations

import threading

from sqlalchemy import event, select, text

from shop import create_app
from shop.catalog.models import Product
from shop.db import begin_write_transaction
from shop.extensions import db
from tests.conftest import make_config
from tests.factories import gen_product


def test_write_transactions_begin_immediately_on_sqlite(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'shop.db'}"))
    with app.app_context():
        db.create_all()
        seen: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        db.session.execute(select(1))
        db.session.rollback()
        assert "BEGIN" in seen
        assert "BEGIN IMMEDIATE" not in seen
        begin_write_transaction(db.session)
        assert seen[-1] == "BEGIN IMMEDIATE"
        db.session.rollback()
        journal = db.session.execute(text("PRAGMA journal_mode")).scalar()
        keys = db.session.execute(text("PRAGMA foreign_keys")).scalar()
        assert (journal, keys) == ("wal", 1)
        db.engine.dispose()


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'shop.db'}"))
    with app.app_context():
        db.create_all()
        product_id = gen_product(stock=40).id
        db.session.commit()
    errors: list[Exception] = []

    def buy() -> None:
        with app.app_context():
            try:
                for _ in range(5):
                    begin_write_transaction(db.session)
                    product = db.session.get(Product, product_id)
                    product.stock -= 1
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        assert errors == []
        assert db.session.get(Product, product_id).stock == 0
        db.engine.dispose()
