"""POST /webhooks/stripe with signed payloads: the database state after each case."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from tests.conftest import run_threads
from tests.factories import gen_order, gen_product
from tests.payments.attempts import start_attempt
from tests.payments.stripe_fakes import WEBHOOK_SECRET, event, sign

pytestmark = pytest.mark.usefixtures("webhook_secret")
# gen_order's default moment: long past, so these orders' reservations have lapsed.
PLACED_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def webhook_secret(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET


def stripe_order(
    session_id: str = "cs_test_1", price: int = 100_000, stock: int = 5, now=PLACED_AT
):
    product = gen_product(price_vnd=price, stock=stock)
    order = gen_order([(product, 1)], method="stripe", now=now)
    start_attempt(order, session_id=session_id, now=now)
    db.session.commit()
    return order, product


def session_obj(order: Order, session_id: str = "cs_test_1", **overrides) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": order.reference,
        "metadata": {"order_reference": order.reference},
        "amount_total": order.total_vnd,
        "currency": "vnd",
        "payment_status": "paid",
        "payment_intent": "pi_test_1",
        **overrides,
    }


def post(client, payload: str, signature: str | None = None):
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["Stripe-Signature"] = signature or sign(payload)
    return client.post("/webhooks/stripe", data=payload, headers=headers)


def refreshed(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_completed_session_marks_the_order_paid(client):
    order, _ = stripe_order()
    response = post(client, event("evt_1", "checkout.session.completed", session_obj(order)))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "handled"
    order = refreshed(order)
    assert order.status == OrderStatus.PAID
    assert order.paid_vnd == order.total_vnd
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.provider_payment_id) == (PaymentStatus.SUCCEEDED, "pi_test_1")
    assert count(WebhookEvent) == 1


def test_the_same_event_twice_does_nothing_the_second_time(client):
    order, _ = stripe_order()
    payload = event("evt_1", "checkout.session.completed", session_obj(order))
    assert post(client, payload).get_json()["outcome"] == "handled"
    assert post(client, payload).get_json()["outcome"] == "duplicate"
    assert count(WebhookEvent) == 1
    paid_events = db.session.scalar(
        select(func.count(OrderEvent.id)).where(OrderEvent.to_status == OrderStatus.PAID)
    )
    assert paid_events == 1


def test_two_different_events_for_one_payment_pay_once(client):
    order, _ = stripe_order()
    post(client, event("evt_1", "checkout.session.completed", session_obj(order)))
    second = post(
        client, event("evt_2", "checkout.session.async_payment_succeeded", session_obj(order))
    )
    assert second.status_code == 200
    assert refreshed(order).status == OrderStatus.PAID
    assert count(WebhookEvent) == 2
    assert db.session.scalar(select(Payment.captured_vnd)) == order.total_vnd


def test_expired_after_completed_leaves_the_order_paid(client):
    order, product = stripe_order(stock=5)
    post(client, event("evt_1", "checkout.session.completed", session_obj(order)))
    post(client, event("evt_2", "checkout.session.expired", session_obj(order)))
    assert refreshed(order).status == OrderStatus.PAID
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 4


def test_completed_after_expired_is_flagged_not_paid(client):
    order, product = stripe_order(stock=5)
    post(client, event("evt_1", "checkout.session.expired", session_obj(order)))
    assert refreshed(order).status == OrderStatus.EXPIRED
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 5
    post(client, event("evt_2", "checkout.session.completed", session_obj(order)))
    order = refreshed(order)
    assert order.status == OrderStatus.EXPIRED
    assert order.needs_review


def test_unpaid_completion_waits_for_the_async_result(client):
    order, product = stripe_order(stock=3)
    unpaid = session_obj(order, payment_status="unpaid")
    post(client, event("evt_1", "checkout.session.completed", unpaid))
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT
    post(client, event("evt_2", "checkout.session.async_payment_failed", unpaid))
    # The attempt failed; the order waits (a new attempt may follow) until its hold lapses.
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.FAILED
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 2


def test_amount_mismatch_flags_the_order_and_keeps_the_event(client):
    order, _ = stripe_order()
    wrong = session_obj(order, amount_total=order.total_vnd - 1000)
    response = post(client, event("evt_1", "checkout.session.completed", wrong))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "flagged"
    order = refreshed(order)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.needs_review
    assert "does not match" in order.review_reason
    assert count(WebhookEvent) == 1
    other_currency = session_obj(order, currency="usd", amount_total=order.total_vnd)
    post(client, event("evt_2", "checkout.session.async_payment_succeeded", other_currency))
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "signature",
    [
        False,  # no header at all
        "t=1,v1=deadbeef",
        "garbage",
        "stale",
        "wrong-secret",
    ],
)
def test_bad_signatures_are_rejected_with_nothing_written(client, signature):
    order, _ = stripe_order()
    payload = event("evt_1", "checkout.session.completed", session_obj(order))
    if signature == "stale":
        signature = sign(payload, timestamp=int(time.time()) - 301)
    elif signature == "wrong-secret":
        signature = sign(payload, secret="whsec_other")
    response = post(client, payload, signature)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert count(WebhookEvent) == 0
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT


def test_a_reserialised_body_fails_the_signature(client):
    order, _ = stripe_order()
    payload = event("evt_1", "checkout.session.completed", session_obj(order))
    signature = sign(payload)
    reserialised = json.dumps(json.loads(payload), indent=2)
    assert post(client, reserialised, signature).status_code == 400
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT


def test_webhook_is_off_without_a_secret(app, client):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    assert client.post("/webhooks/stripe", data="{}").status_code == 404


def test_charge_refunded_in_the_dashboard_is_recorded(client):
    order, _ = stripe_order()
    post(client, event("evt_1", "checkout.session.completed", session_obj(order)))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "amount_refunded": 30_000,
    }
    post(client, event("evt_2", "charge.refunded", charge))
    order = refreshed(order)
    assert order.refunded_vnd == 30_000
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    post(client, event("evt_3", "charge.refunded", {**charge, "amount_refunded": order.paid_vnd}))
    order = refreshed(order)
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_vnd == order.paid_vnd
    assert count(Refund) == 2


@pytest.mark.postgres
def test_eight_concurrent_deliveries_of_one_event_apply_once(pg_app):
    pg_app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    order, _ = stripe_order()
    payload = event("evt_race", "checkout.session.completed", session_obj(order))

    def deliver(_i: int) -> str:
        response = post(pg_app.test_client(), payload)
        return response.get_json().get("outcome", str(response.status_code))

    outcomes = run_threads(8, deliver)
    assert outcomes.count("handled") == 1
    assert outcomes.count("duplicate") == 7
    assert count(WebhookEvent) == 1
    assert refreshed(order).status == OrderStatus.PAID
    paid_events = db.session.scalar(
        select(func.count(OrderEvent.id)).where(OrderEvent.to_status == OrderStatus.PAID)
    )
    assert paid_events == 1


def two_sessions(placed_at):
    """One order, two Stripe Checkout Sessions (the customer opened the payment page twice)."""
    order, product = stripe_order("cs_first", stock=5, now=placed_at)
    start_attempt(order, session_id="cs_second", now=placed_at, alongside_open=True)
    db.session.commit()
    return order, product


def stock_of(product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def payment_statuses() -> dict[str, str]:
    db.session.expire_all()
    return {p.provider_reference: p.status for p in db.session.scalars(select(Payment))}


@pytest.mark.parametrize("placed_at", [None, PLACED_AT], ids=["holding", "lapsed"])
def test_two_sessions_one_paid_then_the_other_expires(client, placed_at):
    order, product = two_sessions(placed_at or datetime.now(UTC))
    paid = session_obj(order, "cs_second")
    post(client, event("evt_1", "checkout.session.completed", paid))
    unpaid = session_obj(order, "cs_first", payment_status="unpaid", amount_total=None)
    post(client, event("evt_2", "checkout.session.expired", unpaid))
    order = refreshed(order)
    assert order.status == OrderStatus.PAID
    assert stock_of(product) == 4
    assert not order.needs_review
    assert payment_statuses() == {"cs_first": "expired", "cs_second": "succeeded"}


@pytest.mark.parametrize("placed_at", [None, PLACED_AT], ids=["holding", "lapsed"])
def test_two_sessions_one_expires_then_the_other_is_paid(client, placed_at):
    order, product = two_sessions(placed_at or datetime.now(UTC))
    unpaid = session_obj(order, "cs_first", payment_status="unpaid", amount_total=None)
    post(client, event("evt_1", "checkout.session.expired", unpaid))
    # The other session is still open: the order keeps waiting and keeps its stock.
    assert refreshed(order).status == OrderStatus.AWAITING_PAYMENT
    assert stock_of(product) == 4
    post(client, event("evt_2", "checkout.session.completed", session_obj(order, "cs_second")))
    order = refreshed(order)
    assert order.status == OrderStatus.PAID
    assert stock_of(product) == 4
    assert not order.needs_review
    assert payment_statuses() == {"cs_first": "expired", "cs_second": "succeeded"}


def test_both_sessions_paid_flags_the_second_payment(client):
    order, product = two_sessions(datetime.now(UTC))
    post(client, event("evt_1", "checkout.session.completed", session_obj(order, "cs_first")))
    second = session_obj(order, "cs_second", payment_intent="pi_test_2")
    post(client, event("evt_2", "checkout.session.completed", second))
    order = refreshed(order)
    assert order.status == OrderStatus.PAID
    assert order.paid_vnd == order.total_vnd
    assert stock_of(product) == 4
    assert order.needs_review
    assert "while the order was paid" in order.review_reason
    assert payment_statuses() == {"cs_first": "succeeded", "cs_second": "succeeded"}


def test_money_after_the_expiry_job_is_recorded_and_flagged(client, app):
    from shop.orders.services import expire_due_orders

    order, product = stripe_order(stock=5)
    assert expire_due_orders(datetime.now(UTC)) == 1
    db.session.commit()
    assert payment_statuses() == {"cs_test_1": "expired"}  # the job closed the open attempt
    post(client, event("evt_1", "checkout.session.completed", session_obj(order)))
    order = refreshed(order)
    assert order.status == OrderStatus.EXPIRED
    assert stock_of(product) == 5
    assert order.needs_review
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.captured_vnd) == ("succeeded", order.total_vnd)
