"""Per-request set-up is lazy: a page pays for the session, the user, the cart, the CSRF token
and the locale only when it uses them (``make bench`` measures what that saves)."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from shop.extensions import db
from tests.conftest import count_queries


@pytest.fixture
def hello(app):
    """A route that uses nothing of the shop, like the benchmark's ``shop hello``."""
    app.add_url_rule("/_test/hello", "test_hello", lambda: "Hello, world!")
    return "/_test/hello"


def test_a_page_that_uses_nothing_costs_no_query_and_no_cookie(client, hello):
    with count_queries(db.engine) as statements:
        response = client.get(hello)
    assert response.status_code == 200
    assert statements == []
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_shopper_with_a_cart_is_not_loaded_for_such_a_page(
    demo, client, login_as, hello
):
    from shop.catalog.models import Product
    from tests.conftest import csrf_token

    login_as("customer")
    product = db.session.scalar(db.select(Product).where(Product.slug == "my-gao-chu-xuan-truong"))
    token = csrf_token(client, f"/products/{product.slug}")
    added = client.post("/cart/add", data={"csrf_token": token, "product_id": product.id})
    assert added.status_code == 302
    with count_queries(db.engine) as statements:
        response = client.get(hello)
    assert response.status_code == 200
    assert statements == []  # no user, no cart
    assert "Set-Cookie" not in response.headers


def test_the_language_asked_for_is_remembered_even_on_such_a_page(client, hello):
    response = client.get(f"{hello}?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Cookie" in response.headers["Vary"]


def test_a_page_in_the_remembered_language_varies_on_the_cookie(client):
    client.set_cookie("lang", "en")
    response = client.get("/")
    assert "Cookie" in response.headers["Vary"]
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # already remembered


def test_each_request_starts_from_its_own_language(client):
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    client.delete_cookie("lang")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_a_form_post_without_its_csrf_token_is_still_refused(demo, client):
    response = client.post("/cart/add", data={"product_id": "1"})
    assert response.status_code == 400


def test_only_the_test_suite_uses_a_cheap_password_hash():
    from config import Config
    from shop import create_app
    from shop.accounts.models import hash_password

    assert hash_password("correct horse").startswith("scrypt:")  # outside any app
    outside_tests = type("NotTests", (Config,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with create_app(outside_tests).app_context():
        hashed = hash_password("correct horse")
    assert hashed.startswith("scrypt:")
    assert check_password_hash(hashed, "correct horse")


def test_template_text_follows_a_locale_forced_mid_request(app):
    """A page's catalogue is looked up once per request, yet an e-mail rendered in the
    customer's language inside the request gets that language, and the page gets its own back."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Cart') }}"
    with app.test_request_context("/?lang=vi"):
        assert render_template_string(template) == "Giỏ hàng"
        with force_locale("en"):
            assert render_template_string(template) == "Cart"
        assert render_template_string(template) == "Giỏ hàng"
