"""Odd input at the edge answers 4xx, never 500: query keys that are url_for's own options,
Unicode digits and huge numbers, NUL and other control characters."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.extensions import db, limiter
from tests.conftest import csrf_token
from tests.routes import build, make_world, rules, sample_values

URL_FOR_KEYWORDS = ["_external", "_scheme", "_anchor", "_method", "slug", "reference", "endpoint"]


def html(response) -> str:
    return response.get_data(as_text=True)


def _visit_every_page(app, client, world, query: str) -> dict[str, int]:
    statuses = {}
    for rule in rules(app, "GET"):
        url = build(app, rule, sample_values(rule, world)) + "?" + query
        statuses[url] = client.get(url).status_code
    return statuses


@pytest.fixture
def world(app):
    return make_world()


@pytest.mark.parametrize("key", URL_FOR_KEYWORDS)
def test_query_keys_that_url_for_reads_leave_every_page_working(app, client, login_as, world, key):
    query = f"{key}=1&{key}=x&q=tr%C3%A0"
    anonymous = _visit_every_page(app, client, world, query)
    login_as("producer_staff", producer_id=world.producer_id)
    staff = _visit_every_page(app, client, world, query)
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})
    limiter.reset()
    login_as("admin")
    admin = _visit_every_page(app, client, world, query)
    for who, statuses in (("anonymous", anonymous), ("staff", staff), ("admin", admin)):
        failed = {url: status for url, status in statuses.items() if status >= 500}
        assert not failed, (who, failed)
    # The pages a visitor sees render in full, with the key kept in the query string.
    for url, status in anonymous.items():
        if url.startswith(("/products", "/producers", "/policies", "/account/login", "/cart")):
            assert status == 200, url


def test_language_links_keep_the_query_string_without_reading_it_as_options(client, world):
    body = html(client.get(f"/products/{world.product_slug}?slug=other&_anchor=x&_external=0"))
    found = re.findall(r'<link rel="alternate" hreflang="(vi|en)" href="([^"]+)"', body)
    links = {lang: unescape(href) for lang, href in found}
    assert links["en"] == (
        f"http://127.0.0.1:5000/products/{world.product_slug}?slug=other&_anchor=x&_external=0&lang=en"
    )
    assert links["vi"].endswith("&lang=vi")


def test_pagination_links_keep_the_filters_and_odd_keys(client, app):
    from tests.factories import gen_product

    for _ in range(3):
        gen_product()
    db.session.commit()
    app.config["PRODUCTS_PER_PAGE"] = 1
    body = html(client.get("/products?_external=1&sort=price_asc&page=2"))
    assert 'href="/products?_external=1&amp;sort=price_asc&amp;page=3"' in body
    assert 'href="/products?_external=1&amp;sort=price_asc&amp;page=1"' in body


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=%C2%B2", "page"),  # ² passes str.isdigit but not int()
        ("page=%D9%A3", "page"),  # Arabic-Indic 3 is a digit to int(), not to a shopper
        ("min_price=%C2%B2", "min_price"),
        ("max_price=99999999999999999999999", "max_price"),
        ("page=" + "9" * 5000, "page"),  # beyond int()'s digit limit
    ],
)
def test_listing_numbers_that_are_not_ascii_whole_numbers_get_a_field_message(client, query, field):
    response = client.get(f"/products?{query}")
    assert response.status_code == 400
    assert f'id="{field}-error"' in html(response)


@pytest.mark.parametrize("page", ["%C2%B2", "99999999999999999999", "-1", "abc"])
def test_back_office_pages_read_a_bad_page_number_as_page_one(client, login_as, page):
    login_as("admin")
    assert client.get(f"/admin/orders?page={page}").status_code == 200


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999", "9" * 5000, "1e3", "-1"])
def test_cart_numbers_are_refused_with_a_message(client, world, value):
    product_page = f"/products/{world.product_slug}"
    token = csrf_token(client, product_page)
    for field in ("quantity", "product_id"):
        data = {"csrf_token": token, "product_id": "1", "quantity": "1", "next": product_page}
        data[field] = value
        response = client.post("/cart/add", data=data)
        assert response.status_code == 302, (field, value)
    client.post(
        "/cart/add",
        data={"csrf_token": token, "product_id": "1", "quantity": "1", "next": product_page},
    )
    line_id = _cart_line_id(client)
    response = client.post(f"/cart/lines/{line_id}", data={"csrf_token": token, "quantity": value})
    assert response.status_code == 400
    assert "Enter a whole number" in html(response) or "Nhập" in html(response)


def _cart_line_id(client) -> int:
    match = re.search(r'action="/cart/lines/(\d+)"', html(client.get("/cart")))
    assert match
    return int(match.group(1))


@pytest.mark.parametrize(
    "path",
    [
        "/producer/orders/99999999999999999999",
        "/producer/orders/2147483648",
        "/producer/orders/%C2%B2",
        "/producer/orders/%D9%A3",
        "/producer/orders/" + "9" * 5000,
    ],
)
def test_ids_beyond_the_database_range_or_in_other_digits_are_not_found(
    client, login_as, world, path
):
    login_as("producer_staff", producer_id=world.producer_id)
    assert client.get(path).status_code == 404
    token = csrf_token(client, "/account")
    assert client.post(path + "/confirm", data={"csrf_token": token}).status_code == 404
    line_path = path.replace("/producer/orders/", "/cart/lines/")
    assert client.post(line_path, data={"csrf_token": token, "quantity": "1"}).status_code == 404


def test_an_id_within_range_still_routes(client, login_as, world):
    login_as("producer_staff", producer_id=world.producer_id)
    assert client.get(f"/producer/orders/{world.parcel_id}").status_code == 200
    assert client.get(f"/producer/orders/0{world.parcel_id}").status_code in (200, 308)


def test_refund_quantities_in_other_digits_get_a_field_message(client, login_as, world):
    login_as("admin")
    path = f"/admin/orders/{world.order.reference}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/refund",
        data={"csrf_token": token, f"line_{world.line_id}": "²", "reason": "damaged"},
    )
    assert response.status_code in (200, 400, 422)
    assert "Enter a whole number from 0 to 1" in html(response) or "0 đến 1" in html(response)


# --- control characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/products?commune=%00",
        "/products?q=tr%00a",
        "/products?%00=1",
        "/products?q=%1B%5B31m",
        "/products?q=a%0Ab",
        "/orders/%00",
        "/orders/OCM%00?token=x",
        "/products/%00",
        "/nowhere%7F",
        "/account/login?next=/%00",
    ],
)
def test_control_characters_in_the_address_are_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "control characters" in html(response) or "ký tự điều khiển" in html(response)


def test_nul_in_sign_in_and_registration_is_refused_without_touching_the_database(client):
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login", data={"csrf_token": token, "email": "a\x00@example.com", "password": "x"}
    )
    assert response.status_code == 400
    token = csrf_token(client, "/account/register")
    response = client.post(
        "/account/register",
        data={
            "csrf_token": token,
            "name": "Nguyễn\x00",
            "email": "new@example.com",
            "password": "long enough password",
            "password_confirm": "long enough password",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_nul_in_an_admin_reason_or_a_form_key_is_refused(client, login_as, world):
    login_as("admin")
    path = f"/admin/orders/{world.order.reference}"
    token = csrf_token(client, path)
    response = client.post(f"{path}/cancel", data={"csrf_token": token, "reason": "a\x00b"})
    assert response.status_code == 400
    response = client.post(f"{path}/cancel", data={"csrf_token": token, "re\x00ason": "ok"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(type(world.order), world.order.id).status == world.order.status


def test_line_breaks_in_a_multi_line_field_pass_the_edge(client, login_as, world):
    login_as("admin")
    path = f"/admin/orders/{world.order.reference}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/review", data={"csrf_token": token, "note": "checked\r\n\tthe bank"}
    )
    assert response.status_code != 400


@pytest.mark.parametrize("next_url", ["/\t/evil.com", "/\n/evil.com", "/\x00"])
def test_a_next_address_with_control_characters_is_refused_not_followed(client, next_url):
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login",
        query_string={"next": next_url},
        data={"csrf_token": token, "email": "buyer@example.com", "password": "whatever"},
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize("value", ["An\x00", "An\x07", "An\x1b[2J"])
def test_control_characters_in_the_ship_form_are_refused_at_the_edge(
    client, login_as, world, value
):
    from shop.orders.models import ProducerOrder

    login_as("producer_staff", producer_id=world.producer_id)
    path = f"/producer/orders/{world.parcel_id}"
    token = csrf_token(client, path)
    before = db.session.get(ProducerOrder, world.parcel_id).status
    response = client.post(
        f"{path}/ship", data={"csrf_token": token, "carrier": "GHN", "tracking_number": value}
    )
    assert response.status_code == 400
    assert "control characters" in html(response) or "ký tự điều khiển" in html(response)
    db.session.expire_all()
    assert db.session.get(ProducerOrder, world.parcel_id).status == before


def test_nul_in_the_checkout_note_is_refused_and_no_order_is_placed(client, demo):
    from tests.checkout.test_checkout import checkout, fill_cart, orders

    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, note="Giao giờ hành chính\x00")
    assert response.status_code == 400
    assert orders() == []
    assert checkout(client, note="Giao giờ hành chính\r\nGọi trước").status_code == 302
