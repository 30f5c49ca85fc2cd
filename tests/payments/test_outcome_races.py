"""Races on PostgreSQL: Pay × Decline on the demo page, the expiry job and a Stripe webhook for
the same order, all at once, many times. Every run must end consistent: paid with its stock
held, or expired with its stock released exactly once — and any money captured for an order
that could not take it (or taken twice) flagged for review, never lost."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.db import begin_write_transaction, utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.services import expire_due_orders
from shop.payments.models import Payment, PaymentStatus
from tests.conftest import csrf_token, run_threads
from tests.factories import gen_order, gen_product
from tests.payments.attempts import start_attempt
from tests.payments.stripe_fakes import WEBHOOK_SECRET, event, sign

pytestmark = pytest.mark.postgres

RUNS = 20
QUANTITY = 2


def completed_session(order: Order, session_id: str) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": order.reference,
        "amount_total": order.total_vnd,
        "currency": "vnd",
        "payment_status": "paid",
        "payment_intent": f"pi_{session_id}",
    }


def test_pay_decline_expire_and_webhook_at_once_always_end_consistent(pg_app):
    pg_app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    product = gen_product(price_vnd=100_000, stock=RUNS * QUANTITY)
    db.session.commit()
    product_id, initial = product.id, product.stock
    # Six shoppers' browsers (three press Pay, three Decline), each with its CSRF token.
    browsers = [pg_app.test_client() for _ in range(6)]
    tokens = [csrf_token(browser, "/account/login") for browser in browsers]
    outcomes: list[tuple[str, bool, int]] = []

    for run in range(RUNS):
        order = gen_order([(db.session.get(Product, product_id), QUANTITY)], now=utcnow())
        demo = start_attempt(order)
        card = start_attempt(
            order, session_id=f"cs_race_{run}", provider="stripe", alongside_open=True
        )
        db.session.commit()
        order_id, demo_url = (
            order.id,
            (f"/pay/demo/{demo.provider_reference}?token={order.access_token}"),
        )
        payload = event(
            f"evt_race_{run}",
            "checkout.session.completed",
            completed_session(order, card.provider_reference),
        )

        # A random head start per thread, so each run interleaves the eight differently.
        delays = [random.uniform(0, 0.05) for _ in range(8)]

        def act(i: int, demo_url=demo_url, payload=payload, delays=delays) -> int:
            time.sleep(delays[i])
            if i < 6:
                button = "pay" if i < 3 else "decline"
                data = {"csrf_token": tokens[i], button: "1"}
                return browsers[i].post(demo_url, data=data).status_code
            if i == 6:
                with pg_app.app_context():
                    try:
                        begin_write_transaction(db.session)
                        expired = expire_due_orders(utcnow() + timedelta(hours=1))
                        db.session.commit()
                        return expired
                    finally:
                        db.session.remove()
            headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
            return pg_app.test_client().post("/webhooks/stripe", data=payload, headers=headers)

        results = run_threads(8, act)
        assert all(r is not None for r in results), results
        assert all(r in (302, 409) for r in results[:6]), results  # never a 500
        assert results[7].status_code == 200

        db.session.expire_all()
        order = db.session.get(Order, order_id)
        payments = db.session.scalars(select(Payment).where(Payment.order_id == order_id)).all()
        captured = [p for p in payments if p.status == PaymentStatus.SUCCEEDED]
        moves = dict(
            db.session.execute(
                select(OrderEvent.to_status, func.count())
                .where(
                    OrderEvent.order_id == order_id,
                    OrderEvent.producer_order_id.is_(None),
                    OrderEvent.to_status != OrderEvent.from_status,  # not the review flag
                )
                .group_by(OrderEvent.to_status)
            ).all()
        )
        assert order.status in (OrderStatus.PAID, OrderStatus.EXPIRED)
        # The webhook's money is always recorded; the demo Pay only while the order waited.
        assert card.id in {p.id for p in captured}
        if order.status == OrderStatus.PAID:
            assert order.paid_vnd == order.total_vnd
            assert moves.get(OrderStatus.PAID) == 1
            assert OrderStatus.EXPIRED not in moves
            assert order.needs_review == (len(captured) == 2)  # paid twice: a person decides
        else:
            assert order.paid_vnd == 0
            assert moves.get(OrderStatus.EXPIRED) == 1
            assert OrderStatus.PAID not in moves
            assert order.needs_review  # money arrived for an expired order
            assert all(p.status != PaymentStatus.PENDING for p in payments)
        outcomes.append((order.status, order.needs_review, len(captured)))
        held = sum(QUANTITY for status, _f, _n in outcomes if status == OrderStatus.PAID)
        stock = db.session.scalar(select(Product.stock).where(Product.id == product_id))
        assert stock == initial - held, outcomes  # released exactly once per expired order

    print("pay × decline × expire × webhook outcomes:", sorted(set(outcomes)))
