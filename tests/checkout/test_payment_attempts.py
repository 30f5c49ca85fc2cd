"""Checkout commits the order before any provider is called; declines, retries, and putting an
unpaid order's products back into the cart."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from shop.cart.models import CartLine
from shop.db import utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.services import expire_due_orders
from shop.payments.models import Payment, PaymentStatus
from tests.checkout.test_checkout import GOOD, checkout, checkout_form, fill_cart, orders, product
from tests.conftest import csrf_token
from tests.payments.stripe_fakes import RecordingHTTPClient

SESSION = {"id": "cs_test_9", "object": "checkout.session", "url": "https://pay.test/cs_9"}
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class FlakyStripe(RecordingHTTPClient):
    """Answers like Stripe; while ``down``, refuses every request. Records, for each call,
    whether the shop was inside a database transaction and what the database held."""

    def __init__(self) -> None:
        super().__init__({"/v1/checkout/sessions": SESSION})
        self.down = True
        self.seen: list[dict] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.seen.append(
            {
                "in_transaction": db.session().in_transaction(),
                "orders": db.session.scalar(select(func.count(Order.id))),
                "cart_lines": db.session.scalar(select(func.count(CartLine.id))),
            }
        )
        db.session.rollback()  # the look above must not leave a transaction open
        if self.down:
            self.requests.append({"url": url, "headers": dict(headers)})
            error = {"error": {"type": "api_error", "message": "Stripe is down"}}
            return json.dumps(error), 400, {}
        return super().request(method, url, headers, post_data, _usage=_usage)


def use_stripe(app) -> FlakyStripe:
    fake = FlakyStripe()
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = fake
    return fake


def post_form(client, page_url: str, action: str, **data):
    """POST ``action`` as a form on ``page_url`` would (also when the page no longer shows it)."""
    client.get(page_url)
    return client.post(action, data={"csrf_token": csrf_token(client, "/account/login"), **data})


def test_the_order_is_committed_before_the_provider_is_called(client, demo, app):
    fake = use_stripe(app)
    fake.down = False
    fill_cart(client, ("my-gao-chu-xuan-truong", 2))
    response = checkout(client, payment_method="stripe")
    assert response.headers["Location"] == "https://pay.test/cs_9"
    # When Stripe was called, the order was already saved and the cart consumed, and no
    # transaction was open.
    assert fake.seen == [{"in_transaction": False, "orders": 1, "cart_lines": 0}]
    [order] = orders()
    [payment] = db.session.scalars(select(Payment)).all()
    assert fake.requests[0]["headers"]["Idempotency-Key"] == payment.idempotency_key
    assert payment.idempotency_key == f"order-{order.reference}-attempt-1"
    assert payment.provider_reference == "cs_test_9"


def test_a_provider_failure_leaves_the_order_waiting_with_try_again(client, demo, app):
    fake = use_stripe(app)
    fill_cart(client, ("my-gao-chu-xuan-truong", 2))
    response = checkout(client, payment_method="stripe")
    [order] = orders()
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    assert response.status_code == 302
    assert response.headers["Location"] == order_url
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert product("my-gao-chu-xuan-truong").stock == 198  # still reserved
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.FAILED
    page = client.get(order_url + "&lang=en").get_data(as_text=True)
    assert "could not be reached; nothing was charged" in page
    assert "Try again" in page
    assert "Pay now" not in page

    fake.down = False
    retried = post_form(
        client, order_url, f"/orders/{order.reference}/pay", token=order.access_token
    )
    assert retried.headers["Location"] == "https://pay.test/cs_9"
    attempts = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [p.status for p in attempts] == ["failed", "pending"]
    assert fake.requests[-1]["headers"]["Idempotency-Key"] == (f"order-{order.reference}-attempt-2")
    assert "Pay now" in client.get(order_url + "&lang=en").get_data(as_text=True)


def pay_page(client, location: str):
    body = client.get(location).get_data(as_text=True)
    return _CSRF.search(body).group(1)


def test_a_declined_payment_offers_try_again_and_sends_an_email(client, demo, outbox):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    location = checkout(client).headers["Location"]
    token = pay_page(client, location)
    declined = client.post(location, data={"csrf_token": token, "decline": "1"})
    [order] = orders()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert product("my-gao-chu-xuan-truong").stock == 199  # still reserved for a retry
    page = client.get(declined.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "Your payment did not go through" in page
    assert "Try again" in page
    assert "Or give up this order" in page  # the other way out while the stock is held
    placed, failed = outbox()
    assert failed["Subject"] == f"Payment for order {order.reference} did not go through"
    assert "nothing was charged" in failed.get_content()

    order_url = f"/orders/{order.reference}?token={order.access_token}"
    again = post_form(client, order_url, f"/orders/{order.reference}/pay", token=order.access_token)
    assert again.headers["Location"].startswith("/pay/demo/demo_order-")
    token = pay_page(client, again.headers["Location"])
    client.post(again.headers["Location"], data={"csrf_token": token, "pay": "1"})
    [order] = orders()
    assert order.status == OrderStatus.PAID


def test_the_payment_failed_email_is_in_the_order_language(client, demo, outbox):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    data = {**GOOD, **checkout_form(client)}
    location = client.post("/checkout?lang=vi", data=data).headers["Location"]
    token = pay_page(client, location)
    client.post(location, data={"csrf_token": token, "decline": "1"})
    [order] = orders()
    assert order.locale == "vi"
    failed = outbox()[-1]
    assert failed["Subject"] == f"Thanh toán cho đơn hàng {order.reference} không thành công"


def test_an_expired_order_puts_its_products_back_in_the_cart(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 2), ("vai-thieu-luc-ngan-hong-xuan", 1))
    checkout(client)
    [order] = orders()
    assert "Your cart is empty." in client.get("/cart?lang=en").get_data(as_text=True)
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    # The pay button is hidden on an expired order, and the POST itself is refused.
    expire_due_orders(utcnow() + timedelta(hours=1))
    db.session.commit()
    page = client.get(order_url + "&lang=en").get_data(as_text=True)
    assert "Put these back in my cart" in page
    assert "Try again" not in page
    refused = post_form(
        client, order_url, f"/orders/{order.reference}/pay", token=order.access_token
    )
    assert refused.headers["Location"] == order_url
    assert db.session.scalar(select(func.count(Payment.id))) == 1

    response = post_form(
        client, order_url, f"/orders/{order.reference}/restore-cart", token=order.access_token
    )
    assert response.headers["Location"] == "/cart"
    again = post_form(
        client, order_url, f"/orders/{order.reference}/restore-cart", token=order.access_token
    )
    assert again.status_code == 302
    lines = {
        line.product.slug: line.quantity for line in db.session.scalars(select(CartLine)).all()
    }
    assert lines == {
        "my-gao-chu-xuan-truong": 2,
        "vai-thieu-luc-ngan-hong-xuan": 1,
    }  # once, not twice


def test_restoring_needs_the_order_link(client, demo, app):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    checkout(client)
    [order] = orders()
    expire_due_orders(utcnow() + timedelta(hours=1))
    db.session.commit()
    stranger = app.test_client()
    token = pay_page(stranger, "/account/login")
    response = stranger.post(
        f"/orders/{order.reference}/restore-cart", data={"csrf_token": token, "token": "guess"}
    )
    assert response.status_code == 404


def test_giving_up_after_a_decline_releases_the_stock_and_refills_the_cart(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 3))
    location = checkout(client).headers["Location"]
    client.post(location, data={"csrf_token": pay_page(client, location), "decline": "1"})
    [order] = orders()
    assert product("my-gao-chu-xuan-truong").stock == 197
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    response = post_form(
        client, order_url, f"/orders/{order.reference}/restore-cart", token=order.access_token
    )
    assert response.headers["Location"] == "/cart"
    [order] = orders()
    assert order.status == OrderStatus.PAYMENT_FAILED
    assert product("my-gao-chu-xuan-truong").stock == 200  # released once
    assert [
        (line.product.slug, line.quantity) for line in db.session.scalars(select(CartLine))
    ] == [("my-gao-chu-xuan-truong", 3)]
    # The old payment page is closed now.
    assert (
        client.post(
            location, data={"csrf_token": csrf_token(client, "/account/login"), "pay": "1"}
        ).status_code
        == 409
    )


def test_an_open_payment_page_keeps_the_order(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    checkout(client)
    [order] = orders()
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    response = post_form(
        client, order_url, f"/orders/{order.reference}/restore-cart", token=order.access_token
    )
    assert response.headers["Location"] == order_url
    assert orders()[0].status == OrderStatus.AWAITING_PAYMENT


def test_products_no_longer_on_sale_stay_out_of_the_cart(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1), ("vai-thieu-luc-ngan-hong-xuan", 1))
    checkout(client)
    [order] = orders()
    expire_due_orders(utcnow() + timedelta(hours=1))
    product("vai-thieu-luc-ngan-hong-xuan").active = False
    db.session.commit()
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    post_form(
        client, order_url, f"/orders/{order.reference}/restore-cart", token=order.access_token
    )
    cart = client.get("/cart?lang=en").get_data(as_text=True)
    assert "could not go back into your cart" in cart
    slugs = [line.product.slug for line in db.session.scalars(select(CartLine))]
    assert slugs == ["my-gao-chu-xuan-truong"]


def test_try_again_twice_opens_one_payment_page(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    location = checkout(client).headers["Location"]
    token = pay_page(client, location)
    client.post(location, data={"csrf_token": token, "decline": "1"})
    [order] = orders()
    order_url = f"/orders/{order.reference}?token={order.access_token}"
    pay = f"/orders/{order.reference}/pay"
    first = post_form(client, order_url, pay, token=order.access_token)
    # A second press (another tab, a double click that got through) lands on the same page.
    second = post_form(client, order_url, pay, token=order.access_token)
    assert second.headers["Location"] == first.headers["Location"]
    statuses = db.session.scalars(
        select(Payment.status).where(Payment.order_id == order.id).order_by(Payment.id)
    ).all()
    assert statuses == ["failed", "pending"]
