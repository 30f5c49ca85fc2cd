"""Races on PostgreSQL: many buyers for a few units; two expiry jobs at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.db import begin_write_transaction
from shop.errors import OutOfStock
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.services import expire_due_orders
from tests.conftest import run_threads
from tests.factories import gen_order, gen_product

pytestmark = pytest.mark.postgres


def test_twenty_buyers_for_the_last_five_units(pg_app):
    product = gen_product(stock=5)
    db.session.commit()
    product_id = product.id

    def buy(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                gen_order([(db.session.get(Product, product_id), 1)])
                db.session.commit()
                return "ok"
            except OutOfStock:
                db.session.rollback()
                return "out"
            finally:
                db.session.remove()

    results = run_threads(20, buy)
    assert results.count("ok") == 5
    assert results.count("out") == 15
    db.session.expire_all()
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 0
    assert db.session.scalar(select(func.count(Order.id))) == 5


def test_two_expiry_jobs_at_once_release_once(pg_app):
    product = gen_product(stock=10)
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    for _ in range(4):
        gen_order([(product, 2)], now=now)
    db.session.commit()
    product_id = product.id
    later = now + timedelta(hours=1)

    def job(i: int) -> int:
        with pg_app.app_context():
            try:
                expired = expire_due_orders(later)
                db.session.commit()
                return expired
            finally:
                db.session.remove()

    results = run_threads(2, job)
    assert sum(results) == 4
    db.session.expire_all()
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 10
    expired_events = db.session.scalar(
        select(func.count(OrderEvent.id)).where(OrderEvent.to_status == OrderStatus.EXPIRED)
    )
    assert expired_events == 4
