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
from tests.conftest import csrf_token, run_threads
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


def test_buyers_of_two_products_in_opposite_orders_neither_deadlock_nor_oversell(pg_app):
    tea, honey = gen_product(stock=12), gen_product(stock=12)
    db.session.commit()
    ids = (tea.id, honey.id)

    def buy(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                first, second = (db.session.get(Product, pid) for pid in ids)
                items = [(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)]
                gen_order(items)
                db.session.commit()
                return "ok"
            except OutOfStock:
                db.session.rollback()
                return "out"
            finally:
                db.session.remove()

    results = run_threads(16, buy)
    assert results.count("ok") == 12, results  # no deadlock error, no thread lost
    assert results.count("out") == 4
    db.session.expire_all()
    assert db.session.scalars(select(Product.stock).where(Product.id.in_(ids))).all() == [0, 0]


def test_an_expiry_job_racing_purchases_releases_a_lapsed_hold_exactly_once(pg_app):
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    later = now + timedelta(hours=1)
    for _round in range(3):
        product = gen_product(stock=5)
        other = gen_product(stock=5)
        lapsed = gen_order([(product, 4), (other, 2)], now=now)  # lapses at 03:30
        db.session.commit()
        product_id, other_id, lapsed_id = product.id, other.id, lapsed.id

        def act(i: int, product_id=product_id):
            with pg_app.app_context():
                try:
                    if i < 2:
                        expired = expire_due_orders(later)
                        db.session.commit()
                        return ("job", expired)
                    begin_write_transaction(db.session)
                    gen_order([(db.session.get(Product, product_id), 1)], now=later)
                    db.session.commit()
                    return ("buy", "ok")
                except OutOfStock:
                    db.session.rollback()
                    return ("buy", "out")
                finally:
                    db.session.remove()

        results = run_threads(6, lambda i, act=act: act(i))
        assert results.count(("buy", "ok")) == 4, results  # 1 on the shelf + 4 released
        db.session.expire_all()
        stock = dict(
            db.session.execute(
                select(Product.id, Product.stock).where(Product.id.in_([product_id, other_id]))
            ).all()
        )
        assert stock == {product_id: 5 - 4, other_id: 5}
        assert db.session.get(Order, lapsed_id).status == OrderStatus.EXPIRED
        expired_events = db.session.scalar(
            select(func.count(OrderEvent.id)).where(
                OrderEvent.order_id == lapsed_id,
                OrderEvent.to_status == OrderStatus.EXPIRED,
                OrderEvent.producer_order_id.is_(None),
            )
        )
        assert expired_events == 1


def product(slug: str) -> Product:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def test_six_simultaneous_adds_of_a_new_product_add_up(pg_app):
    from shop.cart.models import CartLine

    gen_product(slug="popular", stock=100)
    db.session.commit()
    first = pg_app.test_client()
    first.get("/products/popular")
    token = csrf_token(first, "/products/popular")
    popular_id = product("popular").id
    # A cart exists (the shopper added something else before); the new product is not in it.
    other = gen_product(stock=5)
    db.session.commit()
    assert (
        first.post(
            "/cart/add", data={"csrf_token": token, "product_id": other.id, "quantity": "1"}
        ).status_code
        == 302
    )
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(6):
        client = pg_app.test_client()
        client.set_cookie("session", cookie)
        clients.append(client)

    def add_one(i: int) -> int:
        data = {"csrf_token": token, "product_id": popular_id, "quantity": "2"}
        return clients[i].post("/cart/add", data=data).status_code

    assert run_threads(6, add_one) == [302] * 6
    db.session.expire_all()
    assert (
        db.session.scalar(select(CartLine.quantity).where(CartLine.product_id == popular_id)) == 12
    )


def test_simultaneous_adds_stop_at_the_line_limit(pg_app):
    from shop.cart.models import CartLine

    gen_product(slug="capped", stock=100)
    db.session.commit()
    first = pg_app.test_client()
    token = csrf_token(first, "/products/capped")
    capped_id = product("capped").id
    assert (
        first.post(
            "/cart/add", data={"csrf_token": token, "product_id": capped_id, "quantity": "20"}
        ).status_code
        == 302
    )
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(4):
        client = pg_app.test_client()
        client.set_cookie("session", cookie)
        clients.append(client)

    def add_some(i: int) -> int:
        data = {"csrf_token": token, "product_id": capped_id, "quantity": "10"}
        return clients[i].post("/cart/add", data=data).status_code

    run_threads(4, add_some)
    db.session.expire_all()
    # 20 + 3 × 10 = 50 is the most one line may hold; the fourth add is refused.
    assert (
        db.session.scalar(select(CartLine.quantity).where(CartLine.product_id == capped_id)) == 50
    )
