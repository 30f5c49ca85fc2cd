"""Money an order could not take is paid back: a transfer above the total (by a transfer from
the office to the customer's account), a card payment that arrived after the order expired and a
second card payment of a paid order (by Stripe refunds against their own PaymentIntents). The
order keeps its totals and status, its own refunds stay possible, no payment ever gives back
more than it brought, and two admins at once pay back once (PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from shop.banking.statement import CREDIT, StatementRow
from shop.db import begin_write_transaction, utcnow
from shop.errors import RefundNotAllowed
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.services import expire_due_orders
from shop.payments.bank_statement import record_transfer
from shop.payments.models import Payment, Refund, RefundKind, RefundStatus
from shop.payments.services import Payee, payment_succeeded, record_refund, send_refund
from shop.payments.unapplied import record_unapplied_refund, sources, unapplied_vnd
from tests.conftest import run_threads
from tests.factories import gen_order, gen_product
from tests.payments.stripe_fakes import RecordingHTTPClient
from tests.payouts.factories import PAID_AT

BIN_ACB = "970416"
PAYEE = {"payee_bin": BIN_ACB, "payee_account": "123456789", "payee_holder": "NGUYEN VAN AN"}


def _transfer(order: Order, amount: int, n: int) -> None:
    row = StatementRow(n + 2, PAID_AT.date(), CREDIT, amount, f"OCOP {order.reference}",
                       f"FT-IN-{order.id}-{n}")  # fmt: skip
    record_transfer(order.id, row, admin_id=None)


def _over_paid() -> Order:
    """A 400,000 ₫ order paid with transfers of 250,000 and 200,000 ₫: 50,000 ₫ too much."""
    order = gen_order([(gen_product(price_vnd=200_000, stock=10), 2)], method="bank_transfer")
    assert order.total_vnd == 400_000 + order.delivery_vnd
    with time_machine.travel(PAID_AT, tick=False):
        _transfer(order, 250_000, 0)
        _transfer(order, order.total_vnd - 250_000 + 50_000, 1)
    db.session.commit()
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    return order


def _card(order: Order, n: int) -> Payment:
    payment = Payment(
        order_id=order.id, provider="stripe", provider_reference=f"cs_{order.id}_{n}",
        provider_payment_id=f"pi_{order.id}_{n}", idempotency_key=f"k-{order.id}-{n}",
        amount_vnd=order.total_vnd,
    )  # fmt: skip
    db.session.add(payment)
    db.session.flush()
    return payment


@pytest.fixture
def stripe(app):
    client = RecordingHTTPClient({"/v1/refunds": {"id": "re_1", "object": "refund"}})
    app.config.update(STRIPE_SECRET_KEY="sk_test", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = client
    return client


def _page(client, order: Order) -> str:
    return client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)


def _post(client, order: Order, **fields):
    page = _page(client, order)
    token = re.search(r'name="[^"]*csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"unapplied-csrf_token": token, **{f"unapplied-{k}": v for k, v in fields.items()}}
    return client.post(f"/admin/orders/{order.reference}/unapplied-refund?lang=en", data=data)


def test_nothing_is_unapplied_while_part_transfers_wait_for_the_rest(app):
    order = gen_order([(gen_product(price_vnd=200_000, stock=10), 1)], method="bank_transfer")
    with time_machine.travel(PAID_AT, tick=False):
        _transfer(order, 100_000, 0)
    db.session.commit()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert unapplied_vnd(order) == 0
    with pytest.raises(RefundNotAllowed) as refused:
        record_unapplied_refund(order.id, reason="x", admin_id=None)
    assert refused.value.details["reason"] == "nothing_unapplied"


def test_a_transfer_surplus_is_paid_back_by_transfer_and_the_order_stays_paid(client, login_as):
    order = _over_paid()
    assert unapplied_vnd(order) == 50_000
    login_as("admin")
    page = _page(client, order)
    assert "Money the order could not take" in page
    assert "Pay back 50.000" in page
    assert 'name="unapplied-payee_account"' in page

    # Bad input keeps what was typed; nothing is recorded.
    bad = _post(client, order, unapplied_reason="", payee_bin=BIN_ACB, payee_account="12ab",
                payee_holder="Nguyễn Văn An")  # fmt: skip
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Enter the reason for paying this money back." in body
    assert 'value="12ab"' in body
    assert db.session.scalar(select(func.count(Refund.id))) == 0

    response = _post(client, order, unapplied_reason="khách chuyển thừa", **PAYEE)
    assert response.status_code == 302
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.kind, refund.amount_vnd, refund.status) == ("unapplied", 50_000, "pending")
    assert (refund.payee_bin, refund.payee_account) == (BIN_ACB, "123456789")
    first_transfer = db.session.scalar(
        select(Payment.id).where(Payment.order_id == order.id).order_by(Payment.id)
    )
    assert refund.payment_id == first_transfer  # the oldest payment gives it back
    assert unapplied_vnd(order) == 0

    page = _page(client, order)
    assert "Money the order did not take" in page
    assert "Pay back 50.000" not in page
    token = re.search(r'name="[^"]*csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(
        f"/admin/orders/{order.reference}/refunds/{refund.id}/transferred",
        data={
            f"sent-{refund.id}-csrf_token": token,
            f"sent-{refund.id}-bank_reference": "FT-OUT-1",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    order = db.session.get(Order, order.id)
    assert refund.status == RefundStatus.SUCCEEDED
    assert (order.status, order.paid_vnd, order.refunded_vnd) == (
        OrderStatus.PAID,
        order.total_vnd,
        0,
    )
    # The order's own refund is still whole.
    full = record_refund(order, lines=None, reason="hết hàng", admin_id=None,
                         payee=Payee(BIN_ACB, "123456789", "NGUYEN VAN AN"))  # fmt: skip
    assert full.amount_vnd == order.total_vnd


def test_card_money_after_expiry_goes_back_to_its_payment_intent(app, stripe):
    order = gen_order([(gen_product(price_vnd=150_000, stock=5), 1)], method="stripe")
    payment = _card(order, 1)
    db.session.commit()
    begin_write_transaction(db.session)
    assert expire_due_orders(utcnow() + timedelta(days=3)) == 1
    db.session.commit()
    # The customer finished paying on Stripe's page after all: recorded, the order flagged.
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.commit()
    db.session.refresh(order)
    assert (order.status, order.paid_vnd, order.needs_review) == ("expired", 0, True)
    assert unapplied_vnd(order) == order.total_vnd

    [refund] = record_unapplied_refund(order.id, reason="đơn đã hết hạn", admin_id=None)
    db.session.commit()
    send_refund(refund, actor="admin")
    db.session.commit()
    # When the order expired, its Stripe page was closed (Stripe had taken the money already).
    closing, request = stripe.requests
    assert closing["url"].endswith(f"/v1/checkout/sessions/{payment.provider_reference}/expire")
    assert request["params"]["payment_intent"] == payment.provider_payment_id
    assert request["params"]["amount"] == str(order.total_vnd)
    assert request["headers"]["Idempotency-Key"] == f"refund-{refund.id}"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert db.session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert (order.status, order.refunded_vnd) == ("expired", 0)
    assert unapplied_vnd(order) == 0


def test_a_second_card_payment_is_paid_back_from_its_own_intent(client, login_as, stripe):
    order = gen_order([(gen_product(price_vnd=120_000, stock=5), 1)], method="stripe")
    first, second = _card(order, 1), _card(order, 2)
    payment_succeeded(first, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    payment_succeeded(second, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.commit()
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    assert [(p.id, amount) for p, amount in sources(order)] == [(first.id, order.total_vnd)]

    login_as("admin")
    page = _page(client, order)
    assert 'name="unapplied-payee_account"' not in page  # a card: no account to ask for
    response = _post(client, order, unapplied_reason="trả tiền hai lần")
    assert response.status_code == 302
    # The first success closed the second page; its money had been taken already.
    closing, request = stripe.requests
    assert closing["url"].endswith(f"/v1/checkout/sessions/{second.provider_reference}/expire")
    assert request["params"]["payment_intent"] == first.provider_payment_id
    # The order's own full refund takes the other payment: neither gives back more than it took.
    refund = record_refund(db.session.get(Order, order.id), lines=None, reason="x", admin_id=None)
    assert refund.payment_id == second.id
    per_payment = dict(
        db.session.execute(
            select(Refund.payment_id, func.sum(Refund.amount_vnd)).group_by(Refund.payment_id)
        ).all()
    )
    assert per_payment == {first.id: order.total_vnd, second.id: order.total_vnd}
    again = _post(client, order, unapplied_reason="lần nữa")
    assert again.status_code == 409
    assert "There is no money left to pay back" in again.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count(Refund.id)).where(Refund.kind == RefundKind.UNAPPLIED))
        == 1
    )


def test_the_database_refuses_an_unapplied_refund_naming_lines(app):
    from sqlalchemy.exc import IntegrityError

    order = _over_paid()
    [refund] = record_unapplied_refund(
        order.id, reason="x", admin_id=None, payee=Payee(BIN_ACB, "123456789", "NGUYEN VAN AN")
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            Refund.__table__.update().where(Refund.id == refund.id).values(lines_json='{"1": 1}')
        )
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(
            Refund.__table__.update().where(Refund.id == refund.id).values(kind="lost")
        )
    db.session.rollback()


@pytest.mark.postgres
def test_five_admins_at_once_pay_the_surplus_back_once(pg_app):
    order = _over_paid()
    order_id = order.id

    def pay_back(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                record_unapplied_refund(
                    order_id, reason=f"admin {i}", admin_id=None,
                    payee=Payee(BIN_ACB, "123456789", "NGUYEN VAN AN"),
                )  # fmt: skip
                db.session.commit()
                return "recorded"
            except RefundNotAllowed as error:
                db.session.rollback()
                return error.details["reason"]
            finally:
                db.session.remove()

    outcomes = run_threads(5, pay_back)
    assert sorted(outcomes) == ["nothing_unapplied"] * 4 + ["recorded"]
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(Refund.amount_vnd))) == 50_000
