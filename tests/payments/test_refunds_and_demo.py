from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shop.db import utcnow
from shop.errors import RefundNotAllowed
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shop.payments.services import (
    payment_succeeded,
    record_refund,
    send_refund,
)
from tests.conftest import csrf_token
from tests.factories import gen_order, gen_product
from tests.payments.attempts import start_attempt
from tests.payments.stripe_fakes import RecordingHTTPClient

PLACED_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def paid_demo_order(*items):
    order = gen_order(list(items))
    payment = start_attempt(order, now=PLACED_AT)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def test_partial_then_full_refund_never_exceeds_what_was_paid(app):
    tea, honey = gen_product(price_vnd=160_000, stock=5), gen_product(price_vnd=190_000)
    order = paid_demo_order((tea, 2), (honey, 1))
    tea_line = next(line for line in order.lines if line.product_id == tea.id)

    refund = record_refund(order, lines={tea_line.id: 1}, reason="damaged", admin_id=None)
    assert refund.amount_vnd == 160_000
    assert refund.status == RefundStatus.PENDING  # recorded before it is sent
    assert json.loads(refund.lines_json) == {str(tea_line.id): 1}
    send_refund(refund, actor="admin")
    db.session.refresh(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_vnd == 160_000

    with pytest.raises(RefundNotAllowed):
        record_refund(order, lines={tea_line.id: 2}, reason="too many", admin_id=None)
    with pytest.raises(RefundNotAllowed):
        record_refund(order, lines={999_999: 1}, reason="not ours", admin_id=None)

    rest = record_refund(order, lines=None, reason="cancelled", admin_id=None)
    assert rest.amount_vnd == order.total_vnd - 160_000  # what is left, delivery included
    send_refund(rest, actor="admin")
    db.session.refresh(order)
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_vnd == order.paid_vnd
    with pytest.raises(RefundNotAllowed):
        record_refund(order, lines=None, reason="again", admin_id=None)


def test_unpaid_orders_cannot_be_refunded(app):
    order = gen_order([(gen_product(), 1)])
    with pytest.raises(RefundNotAllowed):
        record_refund(order, lines=None, reason="x", admin_id=None)


def test_stripe_refund_is_sent_with_its_own_idempotency_key(app):
    order = gen_order([(gen_product(price_vnd=200_000), 1)], method="stripe")
    payment = Payment(
        order_id=order.id,
        provider="stripe",
        provider_reference="cs_1",
        provider_payment_id="pi_1",
        idempotency_key="k1",
        amount_vnd=order.total_vnd,
    )
    db.session.add(payment)
    db.session.flush()
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    refund = record_refund(order, lines=None, reason="customer asked", admin_id=None)
    client = RecordingHTTPClient({"/v1/refunds": {"id": "re_1", "object": "refund"}})
    app.config.update(STRIPE_SECRET_KEY="sk_test", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = client
    send_refund(refund, actor="admin")
    [request] = client.requests
    assert request["headers"]["Idempotency-Key"] == f"refund-{refund.id}"
    assert request["params"]["amount"] == str(order.total_vnd)
    assert request["params"]["payment_intent"] == "pi_1"
    assert db.session.get(Refund, refund.id).provider_reference == "re_1"


def test_demo_payment_page_pay(app, client):
    order = gen_order([(gen_product(price_vnd=120_000), 1)], now=utcnow())
    payment = start_attempt(order)
    db.session.commit()
    url = f"/pay/demo/{payment.provider_reference}?token={order.access_token}&lang=en"
    page = client.get(url)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "no money moves" in body
    assert "150.000" in body  # 120.000 ₫ + 30.000 ₫ delivery
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    response = client.post(url, data={"csrf_token": token, "pay": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/orders/{order.reference}?token=")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID


def test_demo_payment_page_decline_keeps_the_reservation_for_a_retry(app, client):
    product = gen_product(stock=2)
    order = gen_order([(product, 2)], now=utcnow())
    payment = start_attempt(order)
    db.session.commit()
    url = f"/pay/demo/{payment.provider_reference}?token={order.access_token}"
    body = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    client.post(url, data={"csrf_token": token, "decline": "1"})
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == PaymentStatus.FAILED
    assert db.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(type(product).stock).where(type(product).id == product.id)) == 0


def test_demo_payment_needs_the_order_token_and_csrf(app, client):
    order = gen_order([(gen_product(), 1)], now=utcnow())
    payment = start_attempt(order)
    db.session.commit()
    assert client.get(f"/pay/demo/{payment.provider_reference}?token=wrong").status_code == 404
    assert client.get("/pay/demo/nope?token=x").status_code == 404
    url = f"/pay/demo/{payment.provider_reference}?token={order.access_token}"
    assert client.post(url, data={"pay": "1"}).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT


def test_orders_expire_command(app, runner):
    product = gen_product(stock=3)
    gen_order([(product, 3)])  # placed 2026-11-28 03:00 UTC, long expired by now
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 order(s) expired." in result.output
    assert runner.invoke(args=["orders", "expire"]).output.startswith("0 order(s)")
    db.session.expire_all()
    assert db.session.get(type(product), product.id).stock == 3


def demo_post(client, payment, order, button: str):
    """POST a demo button, as a page loaded earlier (while the payment was open) would."""
    url = f"/pay/demo/{payment.provider_reference}?token={order.access_token}&lang=en"
    token = csrf_token(client, "/account/login")  # one CSRF token per session
    return client.post(url, data={"csrf_token": token, button: "1"})


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.mark.parametrize("button", ["pay", "decline"])
def test_demo_buttons_on_an_expired_order_are_refused(app, client, button):
    from datetime import timedelta

    from shop.catalog.models import Product
    from shop.orders.services import expire_due_orders

    product = gen_product(stock=3)
    order = gen_order([(product, 2)], now=utcnow())
    payment = start_attempt(order)
    db.session.commit()
    url = f"/pay/demo/{payment.provider_reference}?token={order.access_token}&lang=en"
    body = client.get(url).get_data(as_text=True)  # the page is loaded while it is payable
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    assert expire_due_orders(utcnow() + timedelta(hours=1)) == 1
    db.session.commit()
    response = client.post(url, data={"csrf_token": token, button: "1"})
    assert response.status_code == 409
    assert "can no longer be made" in response.get_data(as_text=True)
    order = fresh(Order, order.id)
    assert order.status == OrderStatus.EXPIRED
    assert not order.needs_review
    assert order.paid_vnd == 0
    assert fresh(Payment, payment.id).status == PaymentStatus.EXPIRED
    assert fresh(Product, product.id).stock == 3


def test_demo_pay_after_the_reservation_lapsed_is_refused(app, client):
    order = gen_order([(gen_product(), 1)])  # placed 2026-11-28: its hold lapsed long ago
    payment = start_attempt(order)
    db.session.commit()
    assert demo_post(client, payment, order, "pay").status_code == 409
    assert fresh(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert fresh(Payment, payment.id).status == PaymentStatus.PENDING


def test_demo_pay_after_a_decline_is_refused(app, client):
    order = gen_order([(gen_product(), 1)], now=utcnow())
    payment = start_attempt(order)
    db.session.commit()
    assert demo_post(client, payment, order, "decline").status_code == 302
    assert demo_post(client, payment, order, "pay").status_code == 409
    assert fresh(Payment, payment.id).status == PaymentStatus.FAILED
    assert fresh(Order, order.id).status == OrderStatus.AWAITING_PAYMENT


def test_demo_pay_on_an_order_given_up_is_refused(app, client):
    from shop.orders.services import mark_payment_failed

    order = gen_order([(gen_product(), 1)], now=utcnow())
    payment = start_attempt(order)
    assert mark_payment_failed(order, actor="customer")
    db.session.commit()
    assert fresh(Payment, payment.id).status == PaymentStatus.EXPIRED  # closed with the order
    assert demo_post(client, payment, order, "pay").status_code == 409
    assert fresh(Order, order.id).status == OrderStatus.PAYMENT_FAILED
