"""Checkout under contention on PostgreSQL: N buyers race for M units through the real pages.

Every buyer fills a cart (product page → add → checkout page), then all post the checkout form
at once (cash on delivery, so no payment step). Exactly M orders must be placed and the stock
must end at zero, never below.
"""

from __future__ import annotations

import requests
from sqlalchemy import create_engine, text

from bench.racing import at_once, checkout_form, csrf, seeded_app, serving, temporary_database

PRODUCT = "my-gao-chu-xuan-truong"


def prepare(url: str, units: int) -> int:
    from shop.catalog.models import Product
    from shop.extensions import db

    with seeded_app(url):
        product = db.session.scalar(db.select(Product).where(Product.slug == PRODUCT))
        product.stock = units
        db.session.commit()
        return product.id


def race(bases: list[str], product_id: int, buyers: int, url: str) -> dict:
    """All buyers post checkout at once through ``bases`` (each fills its cart on one server
    and checks out on the next); what happened, from the database."""

    def prepare_buyer(i: int):
        base = bases[i % len(bases)]
        http = requests.Session()
        page = http.get(f"{base}/products/{PRODUCT}", timeout=30)
        http.post(
            f"{base}/cart/add",
            data={"csrf_token": csrf(page.text), "product_id": product_id, "quantity": "1"},
            allow_redirects=False,
            timeout=30,
        )
        data = {
            **checkout_form(http, base),
            "email": f"buyer{i}@example.vn",
            "phone": "0912345678",
            "recipient_name": f"Người mua {i}",
            "province": "Hà Nội",
            "commune": "Phường Hoàn Kiếm",
            "street": "1 Hàng Bạc",
            "payment_method": "cod",
            "agree": "y",
        }
        checkout = bases[(i + 1) % len(bases)]
        return lambda: http.post(
            f"{checkout}/checkout", data=data, allow_redirects=False, timeout=60
        )

    def outcome(response) -> str:
        if response.status_code == 302 and "/orders/" in response.headers.get("Location", ""):
            return "placed"
        if response.status_code in (302, 409):
            return "sold out"
        return f"HTTP {response.status_code}"

    result = at_once(buyers, prepare_buyer, outcome)
    check = create_engine(url)
    with check.connect() as conn:
        stock = conn.execute(
            text("SELECT stock FROM product WHERE id = :id"), {"id": product_id}
        ).scalar()
        orders = conn.execute(text("SELECT count(*) FROM shop_order")).scalar()
    check.dispose()
    outcomes, slowest = result["outcomes"], result["slowest_checkout_s"]
    return {
        "buyers": buyers,
        "placed": outcomes.count("placed"),
        "sold_out": outcomes.count("sold out"),
        "errors": [o for o in outcomes if o not in ("placed", "sold out")],
        "orders_in_db": orders,
        "stock_left": stock,
        "slowest_checkout_s": slowest,
        "orders_per_second": outcomes.count("placed") / slowest if slowest else 0,
        "wall_s": result["wall_s"],
    }


def run(buyers: int, units: int, workers: int, server_url: str, port: int) -> dict:
    with temporary_database(server_url) as url:
        product_id = prepare(url, units)
        with serving(url, workers, port) as base:
            return {**race([base], product_id, buyers, url), "units": units}
