"""Checkout through its page: validation, placing the order, payment hand-over, order pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.models import Payment
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user
from tests.payments.stripe_fakes import RecordingHTTPClient

GOOD = {
    "email": "An@Example.vn",
    "phone": "0912 345 678",
    "recipient_name": "Nguyễn Văn An",
    "province": "Ha Noi",
    "commune": "phuong hoan kiem",
    "street": "12 Hàng Bạc",
    "note": "Gọi trước khi giao",
    "payment_method": "demo",
    "agree": "y",
}


def product(slug: str) -> Product:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def fill_cart(client, *items):
    for slug, quantity in items:
        token = csrf_token(client, f"/products/{slug}")
        client.post(
            "/cart/add",
            data={
                "csrf_token": token,
                "product_id": product(slug).id,
                "quantity": str(quantity),
                "adult_confirmed": "1",
            },
        )


_CHECKOUT_TOKEN = re.compile(
    r'name="checkout_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="checkout_token"'
)


def checkout_form(client) -> dict[str, str]:
    """The hidden fields of the checkout form as a browser receives them (CSRF and the
    submission's idempotency token)."""
    body = client.get("/checkout", follow_redirects=True).get_data(as_text=True)
    match = _CHECKOUT_TOKEN.search(body)
    return {
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1),
        "checkout_token": (match.group(1) or match.group(2)) if match else "",
    }


def checkout(client, form: dict[str, str] | None = None, **overrides):
    data = {**GOOD, **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    data.update(form or checkout_form(client))
    return client.post("/checkout?lang=en", data=data)


def orders() -> list[Order]:
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id)).all()


def test_checkout_redirects_to_the_cart_when_it_is_empty(client, demo):
    assert client.get("/checkout").status_code == 302


def test_checkout_page_shows_parcels_fees_and_vat(client, demo):
    fill_cart(client, ("vai-thieu-luc-ngan-hong-xuan", 1), ("my-gao-chu-xuan-truong", 2))
    body = client.get("/checkout?lang=en").get_data(as_text=True)
    assert "Chilled express parcel: 65.000\u00a0₫" in body
    assert "Standard parcel: 30.000\u00a0₫" in body
    assert "490.000\u00a0₫" in body  # 285.000 + 2 × 55.000 + 65.000 + 30.000 delivery
    assert "incl. VAT 5%" in body
    assert "incl. VAT 8%" in body


def test_a_guest_places_an_order_and_pays_with_the_demo_provider(client, demo, outbox):
    fill_cart(client, ("vai-thieu-luc-ngan-hong-xuan", 1), ("my-gao-chu-xuan-truong", 2))
    response = checkout(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/pay/demo/")
    [order] = orders()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.email == "an@example.vn"
    assert order.phone == "+84912345678"
    assert order.province == "Hà Nội"
    assert order.commune == "Phường Hoàn Kiếm"
    assert order.total_vnd == 285_000 + 2 * 55_000 + 65_000 + 30_000
    assert order.locale == "en"
    assert product("my-gao-chu-xuan-truong").stock == 198
    assert "Your cart is empty." in client.get("/cart?lang=en").get_data(as_text=True)
    [mail] = outbox()
    assert mail["To"] == "an@example.vn"
    assert order.reference in mail["Subject"]
    assert f"/orders/{order.reference}?token={order.access_token}" in mail.get_content()

    pay_page = client.get(response.headers["Location"])
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', pay_page.get_data(as_text=True)
    ).group(1)
    paid = client.post(response.headers["Location"], data={"csrf_token": token, "pay": "1"})
    status_page = client.get(paid.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert 'data-status="paid"' in status_page
    assert len(outbox()) == 2


def test_cash_on_delivery_goes_straight_to_the_order_page(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, payment_method="cod")
    assert response.status_code == 302
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.reference}?token={order.access_token}"
    assert order.status == OrderStatus.PLACED


def test_cash_on_delivery_is_refused_for_pre_orders_next_to_the_payment_field(client, demo):
    fill_cart(client, ("vai-thieu-luc-ngan-hong-xuan", 1))
    response = checkout(client, payment_method="cod")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cash on delivery is not available for pre-orders." in body
    assert 'id="payment_method-error"' in body
    assert orders() == []
    assert product("vai-thieu-luc-ngan-hong-xuan").stock == 300


def test_fresh_goods_to_an_unserved_province_are_refused_next_to_the_province(client, demo):
    fill_cart(client, ("vai-thieu-luc-ngan-hong-xuan", 1))
    response = checkout(client, province="Cà Mau", commune="Phường An Xuyên")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot reach this province" in body
    assert '<option lang="vi" selected value="96">Cà Mau</option>' in body
    assert orders() == []


def test_sold_out_between_cart_and_checkout(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 3))
    noodles = product("my-gao-chu-xuan-truong")
    noodles.stock = 3
    db.session.commit()
    db.session.execute(Product.__table__.update().where(Product.id == noodles.id).values(stock=2))
    db.session.commit()
    response = checkout(client)
    assert response.status_code == 302  # back to the cart, which explains
    assert response.headers["Location"].endswith("/cart")
    assert orders() == []


def test_alcohol_needs_the_age_box_at_checkout(client, demo):
    fill_cart(client, ("ruou-nep-cai-hoa-vang-lang-van", 1))
    response = checkout(client)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="adult_confirmed-error"' in body
    assert checkout(client, adult_confirmed="y").status_code == 302


INJECTION = "<script>alert('x')</script>' OR 1=1 --"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Enter your e-mail address."),
        ("email", "not-an-email", "Enter an e-mail address such as an@example.vn."),
        ("email", "a" * 250 + "@x.vn", "At most 254 characters."),
        ("email", INJECTION, "Enter an e-mail address such as an@example.vn."),
        ("phone", "", "Enter a phone number the courier can call."),
        ("phone", "12345", "Enter a phone number such as 0912 345 678"),
        ("phone", INJECTION, "Enter a phone number such as 0912 345 678"),
        ("recipient_name", "", "Enter the name of the person receiving the parcel."),
        ("recipient_name", "N" * 121, "At most 120 characters."),
        ("province", "", "Choose the province or city."),
        ("province", "Atlantis", "Choose a province or city from the list."),
        ("province", INJECTION, "Choose a province or city from the list."),
        ("commune", "", "Enter the commune or ward."),
        ("commune", "x" * 81, "At most 80 characters."),
        ("street", "", "Enter the house number and street, or the village."),
        ("street", "s" * 201, "At most 200 characters."),
        ("note", "n" * 501, "At most 500 characters."),
        ("payment_method", "bitcoin", "Not a valid choice"),
        ("agree", None, "Please agree to the terms and the returns policy."),
    ],
)
def test_bad_input_keeps_what_was_typed_and_says_why_next_to_the_field(
    client, demo, field, value, message
):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, **{field: value})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    error_block = re.search(rf'id="{field}-error">(.*?)</div>', body, re.S)
    assert error_block, f"no error next to {field}"
    assert message in error_block.group(1)
    assert "<script>alert" not in body  # escaped, never rendered as markup
    if field != "province":
        assert '<option lang="vi" selected value="1">Hà Nội</option>' in body  # "Ha Noi" as chosen
    for other, typed in GOOD.items():
        if other not in (field, "province", "payment_method", "agree", "csrf_token"):
            assert f'value="{typed}"' in body or f"{typed}</textarea>" in body, other
    assert orders() == []


def test_order_page_needs_the_token_or_the_owner(client, demo, app):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    checkout(client, payment_method="cod")
    [order] = orders()
    assert client.get(f"/orders/{order.reference}?token={order.access_token}").status_code == 200
    stranger = app.test_client()
    assert stranger.get(f"/orders/{order.reference}").status_code == 404
    assert stranger.get(f"/orders/{order.reference}?token=guess").status_code == 404


def test_signed_in_customers_find_their_orders(client, demo):
    user = gen_user("customer")
    db.session.commit()
    sign_in(client, user.email, DEFAULT_PASSWORD)
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    checkout(client, payment_method="cod")
    [order] = orders()
    assert order.user_id == user.id
    listing = client.get("/account/orders?lang=en").get_data(as_text=True)
    assert order.reference in listing
    assert client.get(f"/orders/{order.reference}").status_code == 200


def test_stripe_checkout_hands_over_to_the_hosted_page(client, demo, app):
    session = {"id": "cs_test_9", "object": "checkout.session", "url": "https://pay.test/cs_9"}
    fake = RecordingHTTPClient({"/v1/checkout/sessions": session})
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = fake
    fill_cart(client, ("my-gao-chu-xuan-truong", 2))
    body = client.get("/checkout?lang=en").get_data(as_text=True)
    assert "Card (Stripe, secure payment page)" in body
    response = checkout(client, payment_method="stripe")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://pay.test/cs_9"
    [order] = orders()
    params = fake.requests[0]["params"]
    assert params["client_reference_id"] == order.reference
    assert params["locale"] == "en"
    assert params["line_items[0][price_data][unit_amount]"] == "55000"
    assert params["line_items[1][price_data][unit_amount]"] == "30000"  # delivery
    assert params["success_url"].endswith("returned=1")
    assert db.session.scalar(select(func.count(Payment.id))) == 1


# --- one order per checkout submission ------------------------------------------------------


def test_the_same_submission_sent_again_gets_the_first_orders_page(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    form = checkout_form(client)
    first = checkout(client, form, payment_method="cod")
    assert first.status_code == 302
    [order] = orders()
    for _ in range(3):
        again = checkout(client, form, payment_method="cod")
        assert again.status_code == 302
        assert again.headers["Location"] == first.headers["Location"]
        assert f"/orders/{order.reference}" in again.headers["Location"]
    assert len(orders()) == 1
    assert product("my-gao-chu-xuan-truong").stock == 199


def test_a_checkout_form_without_its_token_is_sent_back_not_ordered(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    form = {**checkout_form(client), "checkout_token": ""}
    response = checkout(client, form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The form had expired; please check it and send it again." in body
    assert 'name="checkout_token"' in body
    assert 'value="Nguyễn Văn An"' in body  # what was typed is kept
    assert orders() == []


def test_a_second_submission_of_the_same_cart_in_another_tab_places_nothing(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    tab_a, tab_b = checkout_form(client), checkout_form(client)
    assert checkout(client, tab_a).status_code == 302
    response = checkout(client, tab_b)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cart")  # nothing left to order
    assert len(orders()) == 1


@pytest.mark.postgres
def test_five_simultaneous_posts_of_one_checkout_place_one_order(pg_app):
    from shop.catalog.models import Product as ProductModel
    from tests.conftest import run_threads
    from tests.factories import gen_product

    gen_product(slug="one-left", stock=1)
    db.session.commit()
    first = pg_app.test_client()
    first.set_cookie("lang", "en")
    token = csrf_token(first, "/products/one-left")
    product_id = db.session.scalar(select(ProductModel.id).where(ProductModel.slug == "one-left"))
    added = first.post(
        "/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": "1"}
    )
    assert added.status_code == 302
    form = checkout_form(first)
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(5):
        other = pg_app.test_client()
        other.set_cookie("session", cookie)
        other.set_cookie("lang", "en")
        clients.append(other)

    def submit(i: int):
        response = checkout(clients[i], form, payment_method="cod")
        return response.status_code, response.headers.get("Location", "")

    results = run_threads(5, submit)
    assert all(status == 302 for status, _location in results), results
    placed = orders()
    assert len(placed) == 1
    assert {location for _status, location in results} == {
        f"/orders/{placed[0].reference}?token={placed[0].access_token}"
    }
    assert db.session.scalar(select(ProductModel.stock).where(ProductModel.id == product_id)) == 0


def test_the_customer_sees_only_the_events_meant_for_customers(client, app):
    from shop.orders.admin_actions import mark_reviewed
    from shop.orders.services import flag_for_review
    from tests.factories import gen_order, gen_product

    order = gen_order([(gen_product(), 1)])
    flag_for_review(order, "odd amount")
    mark_reviewed(order, admin_id=None, note="fine")
    db.session.commit()
    body = client.get(f"/orders/{order.reference}?token={order.access_token}&lang=en")
    history = body.get_data(as_text=True).split('<ol class="events">', 1)[1].split("</ol>", 1)[0]
    assert history.count("<li>") == 1  # placed; not the flag nor the review
    assert "Awaiting payment" in history
