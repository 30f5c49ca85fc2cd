"""Correctly signed but malformed Stripe events: a 400 with a code, logged, nothing written."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.payments.models import Payment, PaymentStatus, WebhookEvent
from tests.payments.stripe_fakes import event
from tests.payments.test_webhooks import post, session_obj, stripe_order

pytestmark = pytest.mark.usefixtures("webhook_secret")


@pytest.fixture
def webhook_secret(app):
    from tests.payments.stripe_fakes import WEBHOOK_SECRET

    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET


def _completed(order, **session_overrides) -> dict:
    return json.loads(
        event("evt_1", "checkout.session.completed", session_obj(order, **session_overrides))
    )


def _cases(order) -> dict[str, str]:
    good = _completed(order)
    no_id = {k: v for k, v in good.items() if k != "id"}
    no_data = {k: v for k, v in good.items() if k != "data"}
    return {
        "a JSON array": json.dumps([good]),
        "a JSON string": json.dumps("evt_1"),
        "null": "null",
        "not JSON": "{not json",
        "no id": json.dumps(no_id),
        "a numeric id": json.dumps({**good, "id": 12345}),
        "an id over 255 characters": json.dumps({**good, "id": "evt_" + "x" * 300}),
        "no type": json.dumps({k: v for k, v in good.items() if k != "type"}),
        "a type over 80 characters": json.dumps({**good, "type": "t" * 81}),
        "no data": json.dumps(no_data),
        "data a list": json.dumps({**good, "data": []}),
        "data.object null": json.dumps({**good, "data": {"object": None}}),
        "data.object a string": json.dumps({**good, "data": {"object": "cs_test_1"}}),
        "a session without id": json.dumps(
            {**good, "data": {"object": {**good["data"]["object"], "id": None}}}
        ),
        "a session id over 255 characters": json.dumps(_completed(order, id="cs_" + "x" * 300)),
        "a non-numeric amount_total": json.dumps(_completed(order, amount_total="lots")),
        "a float amount_total": json.dumps(_completed(order, amount_total=1.5)),
        "a boolean amount_total": json.dumps(_completed(order, amount_total=True)),
        "a negative amount_total": json.dumps(_completed(order, amount_total=-1)),
        "an amount_total beyond 64 bits": json.dumps(_completed(order, amount_total=10**20)),
        "a list as currency": json.dumps(_completed(order, currency=["vnd"])),
        "an object as payment_intent": json.dumps(_completed(order, payment_intent={"id": "pi"})),
        "metadata a string": json.dumps(_completed(order, metadata="OCM")),
        "a charge with a text amount": event(
            "evt_2", "charge.refunded", {"payment_intent": "pi_1", "amount_refunded": "10"}
        ),
    }


def test_malformed_signed_events_are_refused_and_change_nothing(client, caplog):
    order, product = stripe_order()
    stock_before = product.stock
    cases = _cases(order)
    caplog.set_level(logging.ERROR, logger="shop.payments.routes")
    for name, payload in cases.items():
        caplog.clear()
        response = post(client, payload)
        assert response.status_code == 400, name
        assert response.get_json()["error"]["code"] == "malformed_event", name
        assert any("malformed" in r.getMessage() for r in caplog.records), name
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert db.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(Payment)).status == PaymentStatus.PENDING
    assert db.session.get(type(product), product.id).stock == stock_before
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    assert all(e.actor != "webhook:stripe" for e in events)


def test_a_well_formed_event_still_goes_through(client):
    order, _ = stripe_order()
    response = post(client, event("evt_ok", "checkout.session.completed", session_obj(order)))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "handled"


def test_an_unknown_event_type_needs_only_the_envelope(client):
    payload = event("evt_other", "customer.created", {"id": "cus_1", "anything": [1, {"x": None}]})
    response = post(client, payload)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored"
