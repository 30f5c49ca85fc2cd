"""A gift batch paid by card: one Stripe Checkout Session (or one demo page) for every child
order still waiting for the transfer, each order paid through its own payment; the webhook's
outcomes, the limit, the bank statement before and after the card, a refund of a card-paid
order, and five buyers pressing the button at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from shop.batches import services
from shop.batches.models import GiftBatch
from shop.db import utcnow
from shop.extensions import db, limiter
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxMessage
from shop.payments import bank_statement
from shop.payments.groups import group_lines
from shop.payments.models import Payment, PaymentStatus, WebhookEvent
from shop.payouts.models import LedgerEntry
from tests.agencies.factories import add_member, gen_organisation
from tests.batches import test_batches
from tests.batches.test_batches import credit, draft, post, run_job, signed_in, start_now
from tests.conftest import csrf_token, run_threads, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_producer, gen_product, gen_user
from tests.giftsets.factories import gen_gift_set
from tests.payments.stripe_fakes import WEBHOOK_SECRET, RecordingHTTPClient, event, sign

world = test_batches.world  # the fixture: an organisation, its buyer, a gift set

SESSION = {
    "id": "cs_test_batch_1",
    "object": "checkout.session",
    "url": "https://checkout.stripe.test/c/pay/cs_test_batch_1",
}
BANK = {"SHOP_BANK_BIN": "970436", "SHOP_BANK_ACCOUNT": "0011001234567",
        "SHOP_BANK_HOLDER": "Cong ty OCOP Market"}  # fmt: skip


def use_stripe(app, session: dict | None = None) -> RecordingHTTPClient:
    fake = RecordingHTTPClient(
        {
            "/v1/checkout/sessions": session or SESSION,
            "/v1/refunds": {"id": "re_test_batch", "object": "refund"},
        }
    )
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_batch",
        STRIPE_API_BASE="http://stripe.test",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        **BANK,
    )
    app.extensions["stripe_http_client"] = fake
    return fake


def created_batch(world, quantities=(1, 2)) -> GiftBatch:
    batch = draft(world, list(quantities))
    start_now(batch, world)
    run_job(batch)
    return db.session.get(GiftBatch, batch.id)


def child_orders(batch: GiftBatch) -> list[Order]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Order).where(Order.batch_id == batch.id).order_by(Order.id))
    )


def payments_of(batch: GiftBatch) -> list[Payment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Payment)
            .join(Order, Order.id == Payment.order_id)
            .where(Order.batch_id == batch.id)
            .order_by(Payment.id)
        )
    )


def pay_url(batch: GiftBatch) -> str:
    return f"/agency/batches/{batch.id}/pay-by-card"


def press(client, batch: GiftBatch):
    return post(client, pay_url(batch))


def webhook(client, event_id: str, event_type: str, obj: dict):
    payload = event(event_id, event_type, obj)
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )


def session_obj(batch: GiftBatch, amount: int, session_id: str = "cs_test_batch_1", **more):
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": batch.reference,
        "metadata": {"order_group": batch.reference},
        "amount_total": amount,
        "currency": "vnd",
        "payment_status": "paid",
        "payment_intent": "pi_test_batch",
        **more,
    }


def flashed(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def ledger_count(orders: list[Order]) -> int:
    parts = [part.id for order in orders for part in order.producer_orders]
    return db.session.scalar(
        select(func.count(LedgerEntry.id)).where(LedgerEntry.producer_order_id.in_(parts))
    )


# --- opening the session ---------------------------------------------------------------------


def test_the_button_opens_one_stripe_session_for_every_unpaid_order(app, client, world):
    fake = use_stripe(app)
    batch = created_batch(world)
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    assert len(orders) == 2
    assert 0 < total <= 99_999_999
    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert pay_url(batch) in page
    amount = f"{total:,}".replace(",", ".")
    assert f"Pay {amount}\u00a0₫ by card" in page
    assert 'id="bank-transfer"' in page  # the VietQR stays beside it
    before = utcnow()
    response = press(client, batch)
    assert response.status_code == 302
    assert response.headers["Location"] == SESSION["url"]
    [request] = fake.requests
    assert request["url"] == "http://stripe.test/v1/checkout/sessions"
    assert request["headers"]["Idempotency-Key"] == f"group-{batch.reference}-attempt-1"
    params = request["params"]
    assert params["client_reference_id"] == batch.reference
    assert params["metadata[order_group]"] == batch.reference
    assert params["metadata[orders]"] == "2"
    assert params["payment_intent_data[metadata][order_group]"] == batch.reference
    assert params["customer_email"] == world["buyer"].email
    # The lines: the gift set summed across the orders (3 boxes), then one delivery line.
    goods = sum(o.subtotal_vnd for o in orders)
    delivery = sum(o.delivery_vnd for o in orders)
    assert params["line_items[0][price_data][product_data][name]"] == world["gift"].name_en
    assert params["line_items[0][quantity]"] == "3"
    assert int(params["line_items[0][price_data][unit_amount]"]) * 3 == goods
    assert params["line_items[1][price_data][unit_amount]"] == str(delivery)
    assert params["line_items[1][quantity]"] == "1"
    assert "line_items[2][quantity]" not in params
    assert all(params[f"line_items[{i}][price_data][currency]"] == "vnd" for i in (0, 1))
    # The expiry: the earliest transfer deadline (days away), capped at 24 hours from now.
    expires = int(params["expires_at"])
    assert before + timedelta(hours=23, minutes=59) <= datetime.fromtimestamp(expires, UTC)
    assert datetime.fromtimestamp(expires, UTC) <= utcnow() + timedelta(hours=24)
    payments = payments_of(batch)
    assert [(p.order_id, p.amount_vnd, p.status) for p in payments] == [
        (o.id, o.total_vnd, PaymentStatus.PENDING) for o in orders
    ]
    assert {p.group_reference for p in payments} == {SESSION["id"]}
    assert [p.provider_reference for p in payments] == [
        f"{SESSION['id']} / {o.reference}" for o in orders
    ]
    assert [p.idempotency_key for p in payments] == [
        f"group-{batch.reference}-attempt-1-{o.reference}" for o in orders
    ]
    assert all(len(p.idempotency_key) <= 80 and p.provider == "stripe" for p in payments)
    # Pressed again: back to the same page, nothing new opened.
    again = press(client, batch)
    assert again.headers["Location"] == SESSION["url"]
    assert len(fake.requests) == 1
    assert len(payments_of(batch)) == 2


def test_the_lines_add_up_when_a_price_does_not_divide_into_boxes(app, world):
    batch = created_batch(world, (3,))
    [order] = child_orders(batch)
    line = order.lines[0]
    with db.session.no_autoflush:  # as a quote's price leaves it: no whole price a box
        order.subtotal_vnd += 1 - line.line_total_vnd
        order.total_vnd = order.subtotal_vnd + order.delivery_vnd
        line.unit_price_vnd, line.line_total_vnd = 1, 1
        lines = group_lines([order], locale="en")
    assert sum(item.unit_amount_vnd * item.quantity for item in lines) == order.total_vnd
    assert (lines[0].name, lines[0].quantity) == (world["gift"].name_en, 1)
    assert lines[-1].name == "Delivery"
    db.session.rollback()


# --- outcomes --------------------------------------------------------------------------------


def test_a_completed_session_pays_every_order_once_and_credits_the_producers(app, client, world):
    use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    assert ledger_count(orders) == 0
    completed = session_obj(batch, total)
    response = webhook(client, "evt_batch_1", "checkout.session.completed", completed)
    assert response.get_json()["outcome"] == "handled"
    orders = child_orders(batch)
    assert [(o.status, o.paid_vnd, o.payment_method) for o in orders] == [
        (OrderStatus.PAID, o.total_vnd, "stripe") for o in orders
    ]
    assert not any(o.needs_review for o in orders)
    payments = payments_of(batch)
    assert [(p.status, p.captured_vnd, p.provider_payment_id) for p in payments] == [
        (PaymentStatus.SUCCEEDED, o.total_vnd, "pi_test_batch") for o in orders
    ]
    credited = ledger_count(orders)
    assert credited > 0
    assert services.batch_money(batch.id).unpaid_vnd == 0
    # The same event again, and the same session under another event id: nothing changes.
    replay = webhook(client, "evt_batch_1", "checkout.session.completed", completed)
    assert replay.get_json()["outcome"] == "duplicate"
    other = webhook(client, "evt_batch_2", "checkout.session.async_payment_succeeded", completed)
    assert other.status_code == 200
    orders = child_orders(batch)
    assert ledger_count(orders) == credited
    assert all(o.paid_vnd == o.total_vnd and not o.needs_review for o in orders)
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 2
    # Back from Stripe: the batch page says it is paid and offers no more payment.
    page = flashed(client, client.get(f"/agency/batches/{batch.id}?card=done&lang=en"))
    assert "Paid by card: 2 orders of the batch are paid." in page
    assert pay_url(batch) not in page


def test_a_wrong_amount_records_the_money_and_flags_every_order(app, client, world):
    use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    orders = child_orders(batch)
    paid = sum(o.total_vnd for o in orders) - 1_000
    response = webhook(client, "evt_short", "checkout.session.completed", session_obj(batch, paid))
    assert response.get_json()["outcome"] == "flagged"
    orders = child_orders(batch)
    assert all(o.status == OrderStatus.AWAITING_PAYMENT and o.paid_vnd == 0 for o in orders)
    assert all(o.needs_review and "does not match" in o.review_reason for o in orders)
    payments = payments_of(batch)
    assert all(p.status == PaymentStatus.SUCCEEDED for p in payments)
    assert sum(p.captured_vnd for p in payments) == paid
    assert ledger_count(orders) == 0


def test_an_expired_session_and_a_failed_payment_leave_the_orders_payable(app, client, world):
    fake = use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    expired = session_obj(batch, total, payment_status="unpaid")
    webhook(client, "evt_exp", "checkout.session.expired", expired)
    orders = child_orders(batch)
    assert all(o.status == OrderStatus.AWAITING_PAYMENT and o.expires_at for o in orders)
    assert {p.status for p in payments_of(batch)} == {PaymentStatus.EXPIRED}
    page = flashed(client, client.get(f"/agency/batches/{batch.id}?card=done&lang=en"))
    assert "Not paid: nothing was charged." in page
    assert 'id="bank-transfer"' in page
    assert pay_url(batch) in page
    assert services.batch_money(batch.id).unpaid_vnd == total
    # A second attempt (a new session), whose delayed payment fails.
    fake.responses["/v1/checkout/sessions"] = {**SESSION, "id": "cs_test_batch_2"}
    assert press(client, batch).status_code == 302
    assert fake.requests[-1]["headers"]["Idempotency-Key"] == (f"group-{batch.reference}-attempt-2")
    failed = session_obj(batch, total, "cs_test_batch_2", payment_status="unpaid")
    webhook(client, "evt_fail", "checkout.session.async_payment_failed", failed)
    second = [p for p in payments_of(batch) if p.group_reference == "cs_test_batch_2"]
    assert [p.status for p in second] == [PaymentStatus.FAILED] * 2
    assert all(o.status == OrderStatus.AWAITING_PAYMENT for o in child_orders(batch))
    # Still payable by transfer: the bank statement pays them all.
    note = f"OCOP {batch.reference}"
    bank_statement.apply_statement([credit(note, total)], admin_id=None)
    db.session.commit()
    assert all(o.status == OrderStatus.PAID for o in child_orders(batch))


def test_above_the_limit_no_button_and_a_forged_post_is_refused(app, client, world):
    fake = use_stripe(app)
    dear = gen_product(producer=gen_producer(), price_vnd=30_000_000, stock=10, vat_rate=10)
    world["gift"] = gen_gift_set([(dear, 1)], tiers=[(1, 30_000_000)], price_vnd=30_000_000)
    db.session.commit()
    batch = created_batch(world, (1, 1, 1, 1))  # 4 × 30.000.000 ₫
    assert services.batch_money(batch.id).unpaid_vnd > 99_999_999
    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert pay_url(batch) not in page
    assert "Card payment takes at most 99.999.999" in page
    assert 'id="bank-transfer"' in page
    response = press(client, batch)
    assert response.headers["Location"].endswith(f"/agency/batches/{batch.id}")
    assert "Card payment takes at most 99.999.999" in flashed(client, response)
    assert fake.requests == []
    assert payments_of(batch) == []


# --- the bank statement and the card --------------------------------------------------------


def test_the_bank_statement_after_the_card_pays_no_order_twice(app, client, world):
    use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    total = sum(o.total_vnd for o in child_orders(batch))
    webhook(client, "evt_paid", "checkout.session.completed", session_obj(batch, total))
    note = f"OCOP {batch.reference}"
    [match] = bank_statement.match_statement([credit(note, total)])
    assert match.action == bank_statement.LATE
    bank_statement.apply_statement([credit(note, total)], admin_id=None)
    db.session.commit()
    orders = child_orders(batch)
    assert all(o.status == OrderStatus.PAID and o.paid_vnd == o.total_vnd for o in orders)
    assert orders[0].needs_review  # the transfer is kept on record, for a person to return
    assert services.batch_money(batch.id).paid_vnd == total


def test_the_card_after_the_bank_statement_pays_no_order_twice(app, client, world):
    use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)  # the session is open …
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    bank_statement.apply_statement([credit(f"OCOP {batch.reference}", total)], admin_id=None)
    db.session.commit()  # … the transfer pays every order first …
    credited = ledger_count(child_orders(batch))
    response = webhook(client, "evt_late", "checkout.session.completed", session_obj(batch, total))
    assert response.get_json()["outcome"] == "handled"  # … and the card money is recorded
    orders = child_orders(batch)
    assert all(o.status == OrderStatus.PAID and o.paid_vnd == o.total_vnd for o in orders)
    assert all(o.payment_method == "bank_transfer" for o in orders)
    assert all(o.needs_review and "while the order was paid" in o.review_reason for o in orders)
    card = [p for p in payments_of(batch) if p.provider == "stripe"]
    assert [p.status for p in card] == [PaymentStatus.SUCCEEDED] * 2
    assert ledger_count(orders) == credited


# --- a refund -----------------------------------------------------------------------------------


def test_a_refund_of_a_card_paid_child_order_goes_back_through_stripe(app, client, world):
    fake = use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    webhook(client, "evt_paid", "checkout.session.completed", session_obj(batch, total))
    order = child_orders(batch)[1]
    admin = gen_user("admin")
    db.session.commit()
    client.get("/account/logout")
    limiter.reset()
    assert sign_in(client, admin.email, DEFAULT_PASSWORD).status_code == 302
    page = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert "payee_account" not in page  # no customer's bank account asked for
    token = csrf_token(client, f"/admin/orders/{order.reference}")
    response = client.post(
        f"/admin/orders/{order.reference}/refund",
        data={"csrf_token": token, "everything": "y", "reason": "Người nhận từ chối quà"},
    )
    assert response.status_code == 302
    refund = fake.requests[-1]
    assert refund["url"] == "http://stripe.test/v1/refunds"
    assert refund["params"]["payment_intent"] == "pi_test_batch"
    assert refund["params"]["amount"] == str(order.total_vnd)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert child_orders(batch)[0].status == OrderStatus.PAID
    # Stripe reports the charge's refunded total: the shop's refund is known, nothing more is
    # recorded; more than that (refunded from Stripe's dashboard) cannot be put on one order
    # of the batch by the shop: it is flagged.
    charge = {"id": "ch_batch", "object": "charge", "payment_intent": "pi_test_batch"}
    known = webhook(client, "evt_ref_1", "charge.refunded",
                    {**charge, "amount_refunded": order.total_vnd})  # fmt: skip
    assert known.status_code == 200
    first = child_orders(batch)[0]
    assert (first.refunded_vnd, first.needs_review) == (0, False)
    more = order.total_vnd + 50_000
    webhook(client, "evt_ref_2", "charge.refunded", {**charge, "amount_refunded": more})
    first, second = child_orders(batch)
    assert (first.refunded_vnd, second.refunded_vnd) == (0, second.total_vnd)
    assert first.needs_review
    assert "outside the shop" in first.review_reason


# --- the demo provider --------------------------------------------------------------------------


def demo_page(client, batch: GiftBatch) -> tuple[str, str]:
    response = press(client, batch)
    assert response.status_code == 302
    url = response.headers["Location"]
    assert url.startswith("/pay/demo/demo_group-")
    assert parse_qs(urlsplit(url).query)["back"] == [f"/agency/batches/{batch.id}?card=done"]
    return url, client.get(url + "&lang=en").get_data(as_text=True)


def test_the_demo_pay_on_a_group_pays_every_order(app, client, world):
    batch = created_batch(world)
    orders = child_orders(batch)
    total = sum(o.total_vnd for o in orders)
    signed_in(client, world["buyer"])
    url, page = demo_page(client, batch)
    assert "Pay for 2 orders" in page
    assert f"{total:,}".replace(",", ".") in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(url, data={"csrf_token": token, "pay": "1"})
    assert response.headers["Location"] == f"/agency/batches/{batch.id}?card=done"
    assert "Paid by card: 2 orders" in flashed(
        client, client.get(response.headers["Location"] + "&lang=en")
    )
    orders = child_orders(batch)
    assert [(o.status, o.payment_method) for o in orders] == [(OrderStatus.PAID, "demo")] * 2
    assert ledger_count(orders) > 0
    # The page's token is the first order's: another token is a 404; a second Pay is refused.
    assert client.get(url.replace("token=", "token=x")).status_code == 404
    again = client.post(url, data={"csrf_token": token, "pay": "1"})
    assert again.status_code == 409


def test_the_demo_decline_on_a_group_leaves_every_order_waiting(app, client, world):
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    url, page = demo_page(client, batch)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = client.post(url, data={"csrf_token": token, "decline": "1"})
    # The buyer reads it on the batch page: no "payment failed" e-mail for each child order.
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails
    assert "Not paid: nothing was charged." in flashed(
        client, client.get(response.headers["Location"] + "&lang=en")
    )
    assert all(o.status == OrderStatus.AWAITING_PAYMENT for o in child_orders(batch))
    assert {p.status for p in payments_of(batch)} == {PaymentStatus.FAILED}
    # Paid by card again: a new page.
    again, _page = demo_page(client, batch)
    assert again != url


def test_every_member_may_pay_and_the_office_may_not(app, client, world):
    batch = created_batch(world)
    accountant = add_member(db.session.get(type(world["organisation"]), world["organisation"].id),
                            "accountant")  # fmt: skip
    admin = gen_user("admin")
    db.session.commit()
    signed_in(client, accountant)
    assert press(client, batch).headers["Location"].startswith("/pay/demo/")
    client.get("/account/logout")
    signed_in(client, admin)
    page = client.get(f"/agency/batches/{batch.id}").get_data(as_text=True)
    assert pay_url(batch) not in page
    assert press(client, batch).status_code == 404
    outsider = gen_user("customer")
    gen_organisation(outsider)
    db.session.commit()
    client.get("/account/logout")
    signed_in(client, outsider)
    assert press(client, batch).status_code == 404


# --- five at once ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_five_concurrent_presses_open_one_attempt(pg_app):
    fake = use_stripe(pg_app)
    buyer = gen_user("customer")
    organisation = gen_organisation()
    add_member(organisation, "buyer", buyer)
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=50, vat_rate=5)
    gift = gen_gift_set([(honey, 1)], tiers=[(1, 150_000)], price_vnd=150_000)
    db.session.commit()
    world_ = {"organisation": organisation, "buyer": buyer, "gift": gift}
    batch = created_batch(world_, (1, 1, 1))
    batch_id = batch.id
    clients = []
    for _ in range(5):
        each = pg_app.test_client()
        limiter.reset()
        assert sign_in(each, buyer.email, DEFAULT_PASSWORD).status_code == 302
        clients.append((each, csrf_token(each, "/account")))
    db.session.remove()

    def press_once(i: int):
        each, token = clients[i]
        with pg_app.app_context():
            try:
                response = each.post(
                    f"/agency/batches/{batch_id}/pay-by-card", data={"csrf_token": token}
                )
                return response.status_code, response.headers.get("Location", "")
            finally:
                db.session.remove()

    results = run_threads(5, press_once)
    assert all(status == 302 for status, _location in results), results
    to_stripe = [location for _status, location in results if location == SESSION["url"]]
    assert len(to_stripe) >= 1
    assert all(
        location in (SESSION["url"], f"/agency/batches/{batch_id}") for _s, location in results
    )
    assert len(fake.requests) == 1
    payments = db.session.scalars(select(Payment)).all()
    assert len(payments) == 3
    assert {p.group_reference for p in payments} == {SESSION["id"]}


# --- closing the page when the shop no longer takes its money ------------------------------------


def closes(fake: RecordingHTTPClient) -> list[dict]:
    return [r for r in fake.requests if r["url"].endswith("/expire")]


def test_a_transfer_paying_one_order_closes_the_batch_s_card_page_once(app, client, world):
    """The transfer for one child order voids the page that was to pay all of them: every
    payment of that page expires, Stripe is asked once (after the commit) to close it, and the
    batch's other orders can be paid by a new page."""
    fake = use_stripe(app)
    batch = created_batch(world)
    signed_in(client, world["buyer"])
    press(client, batch)
    first, second = child_orders(batch)
    bank_statement.apply_statement(
        [credit(f"OCOP {first.reference}", first.total_vnd, "FT-ONE")], admin_id=None
    )
    assert closes(fake) == []  # nothing is sent before the commit
    db.session.commit()
    [closing] = closes(fake)
    assert closing["url"].endswith(f"/v1/checkout/sessions/{SESSION['id']}/expire")
    assert closing["headers"]["Idempotency-Key"] == f"expire-{SESSION['id']}"
    card = [p for p in payments_of(batch) if p.provider == "stripe"]
    assert [p.status for p in card] == [PaymentStatus.EXPIRED] * 2
    assert [o.status for o in child_orders(batch)] == [OrderStatus.PAID, "awaiting_payment"]

    # The second order alone can be paid by a new page.
    fake.responses["/v1/checkout/sessions"] = {**SESSION, "id": "cs_test_batch_2"}
    response = press(client, batch)
    assert response.status_code == 302
    opened = [p for p in payments_of(batch) if p.status == PaymentStatus.PENDING]
    assert [p.order_id for p in opened] == [second.id]
    assert opened[0].group_reference == "cs_test_batch_2"


def test_an_order_expiring_closes_its_stripe_page_and_a_refusal_is_only_logged(app, caplog):
    from shop.orders.services import expire_due_orders
    from tests.factories import gen_order
    from tests.payments.attempts import start_attempt

    class Refusing(RecordingHTTPClient):
        def request(self, method, url, headers, post_data=None, *, _usage=None):
            import json

            super().request(method, url, headers, post_data, _usage=_usage)
            message = "This Checkout Session is already complete."
            error = {"error": {"type": "invalid_request_error", "message": message}}
            return json.dumps(error), 400, {}

    fake = Refusing()
    app.config.update(STRIPE_SECRET_KEY="sk_test", STRIPE_API_BASE="http://stripe.test")
    app.extensions["stripe_http_client"] = fake
    order = gen_order([(gen_product(price_vnd=150_000, stock=5), 1)], method="stripe")
    payment = start_attempt(order, session_id="cs_test_lapsed")
    db.session.commit()
    from shop.db import begin_write_transaction

    begin_write_transaction(db.session)
    with caplog.at_level("INFO", logger="shop.payments.services"):
        assert expire_due_orders(utcnow() + timedelta(days=3)) == 1
        db.session.commit()
    assert [r["url"].rsplit("/v1/", 1)[1] for r in fake.requests] == [
        "checkout/sessions/cs_test_lapsed/expire"
    ]
    assert "cs_test_lapsed not closed" in caplog.text
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == PaymentStatus.EXPIRED
    assert db.session.get(Order, order.id).status == OrderStatus.EXPIRED
