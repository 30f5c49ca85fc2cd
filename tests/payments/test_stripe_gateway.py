"""The exact requests the gateway sends to Stripe (no network: a recording HTTP client)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shop.errors import PaymentNotAllowed
from shop.payments.stripe_gateway import CheckoutLine, StripeGateway
from tests.factories import gen_order, gen_product, order_rules
from tests.payments.attempts import start_attempt
from tests.payments.stripe_fakes import RecordingHTTPClient

SESSION = {
    "id": "cs_test_123",
    "object": "checkout.session",
    "url": "https://checkout.stripe.test/c/pay/cs_test_123",
}


def gateway(client: RecordingHTTPClient) -> StripeGateway:
    return StripeGateway("sk_test_123", api_base="http://stripe.test", http_client=client)


def test_checkout_session_parameters_and_idempotency_key():
    client = RecordingHTTPClient({"/v1/checkout/sessions": SESSION})
    session = gateway(client).create_checkout_session(
        order_reference="OCM-2026-000123",
        lines=[
            CheckoutLine("Vải thiều Lục Ngạn", 285_000, 2),
            CheckoutLine("Giao hàng", 65_000, 1),
        ],
        customer_email="buyer@example.vn",
        locale="vi",
        expires_at=1_800_000_000,
        success_url="http://shop.test/ok",
        cancel_url="http://shop.test/cancel",
        idempotency_key="order-OCM-2026-000123-attempt-1",
    )
    assert session.id == "cs_test_123"
    assert session.url == SESSION["url"]
    [request] = client.requests
    assert request["method"] == "post"
    assert request["url"] == "http://stripe.test/v1/checkout/sessions"
    assert request["headers"]["Idempotency-Key"] == "order-OCM-2026-000123-attempt-1"
    assert request["headers"]["Authorization"] == "Bearer sk_test_123"
    p = request["params"]
    assert p["mode"] == "payment"
    assert p["client_reference_id"] == "OCM-2026-000123"
    assert p["metadata[order_reference]"] == "OCM-2026-000123"
    assert p["payment_intent_data[metadata][order_reference]"] == "OCM-2026-000123"
    assert p["expires_at"] == "1800000000"
    assert p["locale"] == "vi"
    assert p["line_items[0][price_data][currency]"] == "vnd"
    assert p["line_items[0][price_data][unit_amount]"] == "285000"  # zero-decimal VND
    assert p["line_items[0][quantity]"] == "2"
    assert p["line_items[0][price_data][product_data][name]"] == "Vải thiều Lục Ngạn"
    assert p["line_items[1][price_data][unit_amount]"] == "65000"


def test_expire_and_refund_requests():
    client = RecordingHTTPClient(
        {
            "/v1/checkout/sessions/cs_test_123/expire": SESSION,
            "/v1/refunds": {"id": "re_test_1", "object": "refund"},
        }
    )
    gw = gateway(client)
    gw.expire_checkout_session("cs_test_123", idempotency_key="expire-OCM-2026-000123")
    refund_id = gw.refund(
        payment_intent="pi_test_9",
        amount_vnd=120_000,
        idempotency_key="refund-7",
        metadata={"refund_id": "7"},
    )
    assert refund_id == "re_test_1"
    expire, refund = client.requests
    assert expire["url"] == "http://stripe.test/v1/checkout/sessions/cs_test_123/expire"
    assert expire["headers"]["Idempotency-Key"] == "expire-OCM-2026-000123"
    assert refund["url"] == "http://stripe.test/v1/refunds"
    assert refund["headers"]["Idempotency-Key"] == "refund-7"
    assert refund["params"] == {
        "payment_intent": "pi_test_9",
        "amount": "120000",
        "metadata[refund_id]": "7",
    }


def use_stripe(app, client: RecordingHTTPClient) -> None:
    app.config.update(STRIPE_SECRET_KEY="sk_test_123", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = client


def test_start_stripe_payment_for_an_order(app):
    client = RecordingHTTPClient({"/v1/checkout/sessions": SESSION})
    use_stripe(app, client)
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    order = gen_order([(gen_product(price_vnd=150_000), 2)], method="stripe", now=now)
    payment = start_attempt(order, call_provider=True, now=now)
    assert payment.provider_reference == "cs_test_123"
    assert payment.redirect_url == SESSION["url"]
    assert payment.amount_vnd == order.total_vnd == 330_000
    p = client.requests[0]["params"]
    assert p["expires_at"] == str(int(order.expires_at.replace(tzinfo=UTC).timestamp()))
    assert client.requests[0]["headers"]["Idempotency-Key"] == (
        f"order-{order.reference}-attempt-1"
    )
    client.responses["/v1/checkout/sessions"] = {**SESSION, "id": "cs_test_456"}
    second = start_attempt(order, call_provider=True, now=now, alongside_open=True)
    assert second.idempotency_key == f"order-{order.reference}-attempt-2"


@pytest.mark.parametrize(("price", "quantity"), [(5_000, 1), (99_999_999, 1)])
def test_totals_outside_stripe_limits_are_refused_before_calling_stripe(app, price, quantity):
    client = RecordingHTTPClient({"/v1/checkout/sessions": SESSION})
    use_stripe(app, client)
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    order = gen_order(
        [(gen_product(price_vnd=price, stock=5), quantity)],
        method="stripe",
        rules=order_rules(standard_fee_vnd=10_000),
        now=now,
    )
    with pytest.raises(PaymentNotAllowed):
        start_attempt(order, call_provider=True, now=now)
    assert client.requests == []
