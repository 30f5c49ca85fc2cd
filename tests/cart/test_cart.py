"""The cart through its pages: add, change, remove, notices, and the merge on sign-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.cache import init_cache
from shop.catalog.models import Product
from shop.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_product, gen_user
from tests.pagetext import page_text

HONG_XUAN = "/products/vai-thieu-luc-ngan-hong-xuan"
NOODLES = "/products/my-gao-chu-xuan-truong"


def product(slug: str) -> Product:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def add(client, slug: str, quantity="1", **extra):
    path = f"/products/{slug}"
    token = csrf_token(client, path)
    data = {
        "csrf_token": token,
        "product_id": product(slug).id,
        "quantity": quantity,
        "next": path,
        **extra,
    }
    return client.post("/cart/add", data=data)


def cart_html(client) -> str:
    return client.get("/cart?lang=en").get_data(as_text=True)


def test_add_from_the_product_page_and_see_the_cart_grouped_by_producer(client, demo):
    assert add(client, "vai-thieu-luc-ngan-hong-xuan", "2").status_code == 302
    assert add(client, "my-gao-chu-xuan-truong").status_code == 302
    assert add(client, "my-gao-chu-xuan-truong").status_code == 302  # adds up
    body = cart_html(client)
    assert "HTX Hồng Xuân" in page_text(body)
    assert "HTX Xuân Trường" in page_text(body)
    assert "570.000\u00a0₫" in body  # 2 × 285.000 ₫
    assert "110.000\u00a0₫" in body  # 2 × 55.000 ₫
    assert 'value="2"' in body
    assert "Pre-order parcel: ships from" in body
    assert "mixes products that ship now with pre-orders" in body
    assert '<span class="cart-badge">4' in body


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "Enter a whole number from 1 to 50."),
        ("0", "Enter a whole number from 1 to 50."),
        ("51", "Enter a whole number from 1 to 50."),
        ("201", "Enter a whole number from 1 to 50."),
        ("", "Enter a whole number from 1 to 50."),
    ],
)
def test_bad_quantity_shows_a_message_next_to_the_field_and_keeps_the_input(
    client, demo, quantity, message
):
    response = add(client, "my-gao-chu-xuan-truong", quantity)
    assert response.status_code == 302
    page = client.get(response.headers["Location"].split("#")[0] + "?lang=en")
    body = page.get_data(as_text=True)
    assert f'<p class="field-error" id="buy-qty-error" role="alert">{message}</p>' in body
    assert f'value="{quantity}"' in body
    assert "cart-badge" not in body


def test_more_than_the_stock_is_refused(client, demo):
    honey = product("mat-ong-hoa-vai")
    honey.stock = 3
    db.session.commit()
    add(client, "mat-ong-hoa-vai", "4")
    body = client.get("/products/mat-ong-hoa-vai?lang=en").get_data(as_text=True)
    assert "Only 3 left in stock." in body


def test_out_of_season_and_inactive_products_cannot_be_added(client, demo):
    early = product("vai-som-phuc-hoa")
    early.stock = 10  # even with stock, out of season means not on sale
    db.session.commit()
    response = client.post(
        "/cart/add",
        data={
            "csrf_token": csrf_token(client, NOODLES),
            "product_id": early.id,
            "quantity": "1",
            "next": "/products/vai-som-phuc-hoa",
        },
    )
    assert response.status_code == 302
    assert "cart-badge" not in cart_html(client)
    body = client.get("/products/vai-som-phuc-hoa?lang=en").get_data(as_text=True)
    assert 'id="buy"' not in body  # no add form for an out-of-season product


def test_alcohol_needs_the_age_confirmation(client, demo):
    add(client, "ruou-nep-cai-hoa-vang-lang-van")
    body = client.get("/products/ruou-nep-cai-hoa-vang-lang-van?lang=en").get_data(as_text=True)
    assert "Please confirm that you are 18 or over" in body
    add(client, "ruou-nep-cai-hoa-vang-lang-van", adult_confirmed="1")
    assert "/products/ruou-nep-cai-hoa-vang-lang-van" in cart_html(client)


def test_change_quantity_with_bad_input_keeps_it_next_to_the_line(client, demo):
    add(client, "my-gao-chu-xuan-truong")
    body = cart_html(client)
    line_id = re.search(r'action="/cart/lines/(\d+)"', body).group(1)
    token = csrf_token(client, "/cart")
    bad = client.post(
        f"/cart/lines/{line_id}?lang=en", data={"csrf_token": token, "quantity": "x1"}
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert f'id="qty-{line_id}-error"' in text
    assert 'value="x1"' in text
    ok = client.post(f"/cart/lines/{line_id}", data={"csrf_token": token, "quantity": "3"})
    assert ok.status_code == 302
    assert "165.000\u00a0₫" in cart_html(client)
    client.post(f"/cart/lines/{line_id}/remove", data={"csrf_token": token})
    assert "Your cart is empty." in cart_html(client)


def test_a_price_change_is_announced_before_checkout(client, demo):
    add(client, "my-gao-chu-xuan-truong")
    noodles = product("my-gao-chu-xuan-truong")
    noodles.price_vnd = 59_000
    db.session.commit()
    body = cart_html(client)
    assert "Some prices have changed" in body
    assert "59.000\u00a0₫" in body
    assert "<s>55.000\u00a0₫</s>" in body
    client.post("/cart/prices-seen", data={"csrf_token": csrf_token(client, "/cart")})
    assert "Some prices have changed" not in cart_html(client)


def test_stock_dropping_below_the_cart_blocks_checkout(client, demo):
    add(client, "my-gao-chu-xuan-truong", "5")
    noodles = product("my-gao-chu-xuan-truong")
    noodles.stock = 2
    db.session.commit()
    body = cart_html(client)
    assert "Only 2 left in stock: lower the quantity." in body
    assert "/checkout" not in body.split('class="cart-summary"', 1)[1]
    assert client.get("/checkout").status_code == 302


def test_guest_cart_merges_into_the_account_on_sign_in(client, demo):
    user = gen_user("customer")
    db.session.commit()
    add(client, "my-gao-chu-xuan-truong", "2")
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    assert 'value="2"' in cart_html(client)
    # the account keeps its cart across sessions and adds a new guest cart to it
    other = client.application.test_client()
    add(other, "my-gao-chu-xuan-truong", "1")
    sign_in(other, user.email, DEFAULT_PASSWORD)
    assert 'value="3"' in cart_html(other)


def test_listing_cards_offer_add_to_cart_with_a_personal_csrf_token(client, demo, app):
    app.config["CATALOGUE_CACHE_SECONDS"] = 30
    init_cache(app)
    first = client.get("/products?lang=en").get_data(as_text=True)
    other = app.test_client()
    second = other.get("/products?lang=en").get_data(as_text=True)
    assert "__CSRF_TOKEN__" not in first + second
    token_a = re.search(
        r'class="card-add"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', first
    )
    token_b = re.search(
        r'class="card-add"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', second
    )
    assert token_a
    assert token_b
    assert token_a.group(1) != token_b.group(1)
    noodles = product("my-gao-chu-xuan-truong")
    response = client.post(
        "/cart/add",
        data={"csrf_token": token_a.group(1), "product_id": noodles.id, "next": "/products"},
    )
    assert response.status_code == 302
    assert "Xuân Trường" in cart_html(client)
    wine = product("ruou-nep-cai-hoa-vang-lang-van")
    assert f'name="product_id" value="{wine.id}"' not in first  # alcohol: product page only


def test_cart_pages_need_csrf(client, demo):
    noodles = product("my-gao-chu-xuan-truong")
    response = client.post("/cart/add", data={"product_id": noodles.id, "quantity": "1"})
    assert response.status_code == 400


WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def test_lapsed_holds_count_as_stock_on_read_and_are_released_by_the_checkout(client, demo):
    from datetime import UTC, datetime

    from shop.orders.models import Order, OrderStatus
    from tests.checkout.test_checkout import checkout
    from tests.conftest import count_queries
    from tests.factories import gen_order, order_rules

    honey = product("mat-ong-hoa-vai")
    lapsed = gen_order(
        [(honey, honey.stock)],
        now=datetime(2026, 11, 1, tzinfo=UTC),  # long lapsed
        rules=order_rules(max_line_quantity=100),
    )
    db.session.commit()
    lapsed_id = lapsed.id
    assert product("mat-ong-hoa-vai").stock == 0

    with count_queries(db.engine) as statements:
        body = client.get("/products/mat-ong-hoa-vai?lang=en").get_data(as_text=True)
    assert _writes(statements) == []  # a product page never writes
    assert 'id="buy"' in body
    assert "In stock." in body  # the stock line counts the lapsed hold

    assert add(client, "mat-ong-hoa-vai", "2").status_code == 302
    with count_queries(db.engine) as statements:
        body = cart_html(client)
    assert _writes(statements) == []  # nor does the cart
    assert "left in stock" not in body
    db.session.expire_all()
    assert product("mat-ong-hoa-vai").stock == 0  # the hold is still there, only not counted

    response = checkout(client)
    assert response.status_code == 302
    db.session.expire_all()
    assert product("mat-ong-hoa-vai").stock == 60 - 2  # released once, then 2 reserved
    assert db.session.get(Order, lapsed_id).status == OrderStatus.EXPIRED


def test_a_fresh_product_for_a_new_test(client, app):
    gen_product(slug="plain", stock=1)
    db.session.commit()
    assert client.get("/products/plain").status_code == 200
