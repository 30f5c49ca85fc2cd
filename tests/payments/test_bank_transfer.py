"""Orders paid by bank transfer: checkout, the order's VietQR page and e-mail, the payment
window, the import of incoming transfers from the bank statement, and the producers' ledger."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from shop import create_app
from shop.banking import vietqr
from shop.catalog.models import Product
from shop.db import utcnow
from shop.errors import PaymentNotAllowed
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.services import expire_due_orders, expire_order
from shop.payments.bank_transfer import BankSettingsError, order_transfer_reference
from shop.payments.models import Payment, PaymentStatus
from shop.payments.services import check_payment_allowed, payment_succeeded
from shop.payouts.models import LedgerEntry
from tests.checkout.test_checkout import checkout, checkout_form, fill_cart, orders, product
from tests.conftest import csrf_token, make_config
from tests.factories import (
    gen_booking_order,
    gen_experience,
    gen_order,
    gen_product,
    gen_session,
    unit,
)
from tests.payments.attempts import start_attempt

BIN = "970436"
ACCOUNT = "0011001234567"
HOLDER = "Công ty OCOP Market"
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def bank(app):
    app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    return app


def _payload(page: str) -> str:
    return html.unescape(re.search(r'data-payload="([^"]+)"', page).group(1))


# --- checkout and the order's page -----------------------------------------------------------


def test_checkout_by_bank_transfer_reserves_the_stock_and_shows_the_vietqr(
    client, demo, bank, outbox
):
    stock = product("my-gao-chu-xuan-truong").stock
    fill_cart(client, ("my-gao-chu-xuan-truong", 2))
    assert 'value="bank_transfer"' in client.get("/checkout?lang=en").get_data(as_text=True)
    placed_at = utcnow()
    response = checkout(client, payment_method="bank_transfer")
    [order] = orders()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/orders/{order.reference}?token={order.access_token}"
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.payment_method == "bank_transfer"
    due = order.expires_at.replace(tzinfo=UTC)
    assert placed_at + timedelta(days=3) <= due <= utcnow() + timedelta(days=3)
    assert product("my-gao-chu-xuan-truong").stock == stock - 2
    assert db.session.scalars(select(Payment)).all() == []  # nothing opened at a provider

    reference = order_transfer_reference(order)
    assert reference == f"OCOP {order.reference}"
    assert reference.isascii()
    assert len(reference) <= vietqr.PURPOSE_MAX
    for lang in ("en", "vi"):
        page = client.get(response.headers["Location"] + f"&lang={lang}").get_data(as_text=True)
        payload = _payload(page)
        transfer = vietqr.parse_payload(payload)
        assert (transfer.bin, transfer.account) == (BIN, ACCOUNT)
        assert transfer.amount_vnd == order.total_vnd
        assert transfer.purpose == reference
        assert vietqr.svg(payload, title=reference) in page  # the code drawn is that payload
        assert f'data-copy="{reference}"' in page
        assert "CONG TY OCOP MARKET" in page
        assert "js/copy.js" in page
        assert "<script>" not in page  # no inline script (the CSP forbids it)
    assert "Pay by bank transfer" in client.get(response.headers["Location"] + "&lang=en").get_data(
        as_text=True
    )
    assert "Thanh toán bằng chuyển khoản" in page  # the last page read was Vietnamese

    [placed] = [m for m in outbox() if order.reference in m["Subject"]]
    body = placed.get_body(("plain",)).get_content()
    assert reference in body
    assert ACCOUNT in body
    assert "Vietcombank" in body
    assert f"/orders/{order.reference}?token={order.access_token}" in body


def test_the_transfer_reference_fits_a_vietqr_note_for_any_order_reference():
    longest = SimpleNamespace(reference="OCM-2026-" + "9" * 11)  # the column holds 20
    assert len(order_transfer_reference(longest)) == vietqr.PURPOSE_MAX


def test_the_transfer_panel_is_gone_once_the_order_is_paid(client, bank):
    order = gen_order([(gen_product(), 1)], method="bank_transfer")
    db.session.commit()
    url = f"/orders/{order.reference}?token={order.access_token}&lang=en"
    assert "data-payload" in client.get(url).get_data(as_text=True)
    _pay(order, order.total_vnd, "FT-1")
    db.session.commit()
    assert "data-payload" not in client.get(url).get_data(as_text=True)


def test_bank_transfer_is_not_offered_without_a_receiving_account(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    assert 'value="bank_transfer"' not in client.get("/checkout").get_data(as_text=True)


def _big_cart(client):
    big = gen_product(price_vnd=2_500_000, stock=100, slug="hop-qua-lon")
    db.session.commit()
    token = csrf_token(client, "/products/hop-qua-lon")
    client.post(
        "/cart/add", data={"csrf_token": token, "product_id": big.id, "quantity": "40"}
    )  # 100.000.000 ₫ + delivery: above Stripe's ceiling


@pytest.mark.parametrize("stripe", [False, True])
def test_a_total_above_the_card_ceiling_offers_only_bank_transfer(client, bank, stripe):
    if stripe:
        bank.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    _big_cart(client)
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    offered = set(re.findall(r'name="payment_method"[^>]*value="([^"]+)"', page)) | set(
        re.findall(r'value="([^"]+)"[^>]*name="payment_method"', page)
    )
    assert offered == {"bank_transfer"}
    card = "stripe" if stripe else "demo"
    response = checkout(client, payment_method=card)  # posted anyway
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "pay this order by bank transfer" in body
    assert orders() == []
    placed = checkout(client, payment_method="bank_transfer")
    assert placed.status_code == 302
    [order] = orders()
    assert order.total_vnd > 99_999_999
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_a_total_above_the_card_ceiling_keeps_cash_on_delivery_when_its_limit_allows(client, bank):
    bank.config["COD_MAX_VND"] = 200_000_000
    _big_cart(client)
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert 'value="bank_transfer"' in page
    assert 'value="cod"' in page
    assert 'value="demo"' not in page


# --- experiences -----------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "allowed"), [(47, False), (71, False), (72, False), (73, True)])
def test_experiences_are_paid_by_transfer_only_when_the_session_is_after_the_window(
    app, bank, hours, allowed
):
    experience = gen_experience()
    session = gen_session(experience, starts_at=NOW + timedelta(hours=hours))
    order = gen_booking_order([(session, unit(experience, "adult"), 1)], method="bank_transfer",
                              now=NOW)  # fmt: skip
    assert order.expires_at.replace(tzinfo=UTC) == NOW + timedelta(days=3)
    if allowed:
        check_payment_allowed(order)
    else:
        with pytest.raises(PaymentNotAllowed) as refused:
            check_payment_allowed(order)
        assert refused.value.details["rule"] == "session_soon"


def test_the_checkout_refuses_a_transfer_for_an_experience_too_soon_with_a_message(client, bank):
    from tests.tourism.test_booking_pages import add_seats
    from tests.tourism.test_booking_pages import checkout as book

    experience = gen_experience()
    session = gen_session(experience, starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    add_seats(client, session, {unit(experience, "adult"): 1})
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert 'value="bank_transfer"' not in page
    response = book(client, payment_method="bank_transfer")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bank transfer is possible only for experiences more than 3 days away" in body
    assert orders() == []


# --- the payment window ----------------------------------------------------------------------


def test_an_unpaid_transfer_expires_after_the_window_and_releases_its_stock(app, bank):
    item = gen_product(stock=5)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        order = gen_order([(item, 2)], method="bank_transfer", now=utcnow())
        db.session.commit()
    assert order.expires_at.replace(tzinfo=UTC) == NOW + timedelta(days=3)
    assert db.session.get(Product, item.id).stock == 3
    with time_machine.travel(NOW + timedelta(days=3) - timedelta(minutes=1), tick=False):
        assert expire_due_orders(utcnow()) == 0
    with time_machine.travel(NOW + timedelta(days=3, minutes=1), tick=False):
        assert expire_due_orders(utcnow()) == 1
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.EXPIRED
    assert db.session.get(Product, item.id).stock == 5


def test_the_payment_window_is_configurable(app, bank):
    bank.config["BANK_TRANSFER_PAYMENT_DAYS"] = 5
    order = gen_order([(gen_product(), 1)], method="bank_transfer", now=NOW)
    assert order.expires_at.replace(tzinfo=UTC) == NOW + timedelta(days=5)
    card = gen_order([(gen_product(), 1)], method="demo", now=NOW)
    assert card.expires_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SHOP_BANK_BIN": "123456"}, "not a bank"),
        ({"SHOP_BANK_ACCOUNT": "00110-ABC"}, "digits"),
        ({"SHOP_BANK_HOLDER": ""}, "together"),
        ({"BANK_TRANSFER_PAYMENT_DAYS": 0}, "days"),
    ],
)
def test_a_wrong_receiving_account_stops_the_shop_at_startup(settings, message):
    good = {"SHOP_BANK_BIN": BIN, "SHOP_BANK_ACCOUNT": ACCOUNT, "SHOP_BANK_HOLDER": HOLDER}
    with pytest.raises(BankSettingsError, match=message):
        create_app(make_config("sqlite://", **{**good, **settings}))
    create_app(make_config("sqlite://", **good))  # the good one starts


# --- incoming transfers ----------------------------------------------------------------------


def _pay(order: Order, amount: int, bank_reference: str) -> None:
    from shop.banking.statement import CREDIT, StatementRow
    from shop.payments.bank_statement import record_transfer

    row = StatementRow(1, NOW.date(), CREDIT, amount, f"OCOP {order.reference}", bank_reference)
    record_transfer(order.id, row, admin_id=None)


def _statement(*credits: tuple[str, int, str]) -> bytes:
    lines = ["Sao kê tài khoản 0011001234567", "",
             "Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung"]  # fmt: skip
    for reference, amount, note in credits:
        lines.append(f"28/11/2026;{reference};;{amount:,};{note}".replace(",", "."))
    lines.append("01/12/2026;FT-OUT;250.000;;OCOP PO000001 chi tra")  # a payout: not ours
    return "\n".join(lines).encode("utf-8-sig")


def _preview(client, data: bytes) -> str:
    token = csrf_token(client, "/admin/payments/bank-statement")
    response = client.post(
        "/admin/payments/bank-statement?lang=en",
        data={"csrf_token": token, "statement": (io.BytesIO(data), "statement.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _actions(page: str) -> list[str]:
    return re.findall(r'data-action="([^"]+)"', page)


def _confirm(client, page: str):
    plan = html.unescape(re.search(r'name="plan" type="hidden" value="([^"]*)"', page).group(1))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(
        "/admin/payments/bank-statement/confirm?lang=en",
        data={"csrf_token": token, "plan": plan},
    )


def _ledger(order: Order) -> list[tuple[str, int]]:
    parts = [part.id for part in order.producer_orders]
    return sorted(
        (entry.kind, entry.amount_vnd)
        for entry in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.producer_order_id.in_(parts))
        )
    )


def test_an_exact_transfer_pays_the_order_and_credits_its_producers_once(client, login_as, bank):
    item = gen_product(price_vnd=250_000, stock=10)
    order = gen_order([(item, 2)], method="bank_transfer")
    card = gen_order([(item, 2)], method="demo")  # the same lines, paid online
    db.session.commit()
    login_as("admin")
    statement = _statement(("FT2633201", order.total_vnd, f"OCOP {order.reference}"))

    page = _preview(client, statement)
    assert _actions(page) == ["pay"]
    response = _confirm(client, page)
    assert response.status_code == 200
    assert 'data-result="paid"' in response.get_data(as_text=True)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    assert order.paid_vnd == order.total_vnd
    [payment] = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).all()
    assert (payment.provider, payment.provider_reference) == ("bank_transfer", "FT2633201")
    assert (payment.status, payment.captured_vnd) == (PaymentStatus.SUCCEEDED, order.total_vnd)

    # The producers are credited exactly as for the same lines paid online.
    attempt = start_attempt(card)
    assert payment_succeeded(attempt, amount_vnd=card.total_vnd, currency="vnd", actor="test")
    db.session.commit()
    credited = _ledger(order)
    assert ("sale", 500_000) in credited
    assert credited == _ledger(db.session.get(Order, card.id))

    # The same statement again, previewed and confirmed: nothing is recorded twice.
    again = _preview(client, statement)
    assert _actions(again) == ["done"]
    assert "Confirm the changes" not in again
    _confirm(client, page)  # the first preview's plan, posted a second time
    db.session.expire_all()
    assert len(db.session.scalars(select(Payment).where(Payment.order_id == order.id)).all()) == 1
    assert _ledger(db.session.get(Order, order.id)) == credited
    assert not db.session.get(Order, order.id).needs_review


def test_part_over_late_and_unknown_transfers_are_recorded_flagged_and_listed(
    client, login_as, bank
):
    item = gen_product(price_vnd=400_000, stock=20)
    partial = gen_order([(item, 1)], method="bank_transfer")
    over = gen_order([(item, 1)], method="bank_transfer")
    late = gen_order([(item, 1)], method="bank_transfer")
    noisy = gen_order([(item, 1)], method="bank_transfer")
    expire_order(late)
    db.session.commit()
    stock = db.session.get(Product, item.id).stock
    login_as("admin")
    year, number = noisy.reference.split("-")[1:]
    statement = _statement(
        ("FT1", partial.total_vnd - 100_000, f"OCOP {partial.reference} tra truoc"),
        ("FT2", over.total_vnd + 1_000, f"CK {over.reference}"),
        ("FT3", late.total_vnd, f"OCOP {late.reference}"),
        ("FT4", 300_000, "OCOP OCM-2026-999999 thanh toan"),
        ("FT5", 120_000, "Chuyen tien an trua"),
        ("FT6", noisy.total_vnd,
         f"MBVCB.1234.ocop.ocm{year}{number}.CT tu 0123456 NGUYEN VAN A toi OCOP"),
    )  # fmt: skip
    page = _preview(client, statement)
    assert _actions(page) == ["partial", "overpaid", "late", "unknown_reference",
                              "no_reference", "pay"]  # fmt: skip
    assert "PO000001" not in page  # the payout's debit is the payouts' page's
    result = _confirm(client, page).get_data(as_text=True)
    assert re.findall(r'data-result="([^"]+)"', result) == ["partial", "paid", "review", "paid"]
    assert "100.000" in result  # what the part payment leaves due
    db.session.expire_all()
    # A part payment is recorded and the order waits for the rest (nothing to review).
    waiting = db.session.get(Order, partial.id)
    assert (waiting.status, waiting.paid_vnd, waiting.needs_review) == (
        OrderStatus.AWAITING_PAYMENT,
        0,
        False,
    )
    # Over-paid: paid, the surplus flagged with its amount.
    overpaid = db.session.get(Order, over.id)
    assert (overpaid.status, overpaid.paid_vnd) == (OrderStatus.PAID, overpaid.total_vnd)
    assert overpaid.needs_review
    assert "over-paid by 1000 VND" in overpaid.review_reason
    lapsed = db.session.get(Order, late.id)
    assert (lapsed.status, lapsed.paid_vnd, lapsed.needs_review) == (OrderStatus.EXPIRED, 0, True)
    for order in (partial, over, late):
        [payment] = db.session.scalars(select(Payment).where(Payment.order_id == order.id))
        assert payment.status == PaymentStatus.SUCCEEDED  # the money is on record
        assert payment.received_on == date(2026, 11, 28)
    assert db.session.get(Order, noisy.id).status == OrderStatus.PAID
    assert db.session.get(Product, item.id).stock == stock  # nothing reserved again
    assert len(db.session.scalars(select(Payment)).all()) == 4

    # The same file again: every transfer is already recorded; no flag is added twice.
    again = _preview(client, statement)
    assert _actions(again) == ["done", "done", "done", "unknown_reference",
                               "no_reference", "done"]  # fmt: skip
    _confirm(client, page)
    db.session.expire_all()
    assert len(db.session.scalars(select(Payment)).all()) == 4


def test_part_payments_add_up_to_the_total_and_pay_the_order_once(client, login_as, bank):
    item = gen_product(price_vnd=300_000, stock=5)
    order = gen_order([(item, 2)], method="bank_transfer")
    db.session.commit()
    total = order.total_vnd
    login_as("admin")
    url = f"/orders/{order.reference}?token={order.access_token}&lang=en"

    first = _preview(client, _statement(("FT1", 200_000, f"OCOP {order.reference} lan 1")))
    assert _actions(first) == ["partial"]
    _confirm(client, first)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    # The buyer's page asks for what is still due, in the VietQR code too.
    assert vietqr.parse_payload(_payload(client.get(url).get_data(as_text=True))).amount_vnd == (
        total - 200_000
    )
    admin = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert 'data-transfer="FT1"' in admin
    assert (
        re.search(r"data-due>([^<]+)<", admin)
        .group(1)
        .replace("\xa0", " ")
        .startswith(f"{total - 200_000:,}".replace(",", "."))
    )

    # The rest arrives in two transfers of one statement: the second completes the total.
    rest = total - 200_000
    second = _preview(
        client,
        _statement(
            ("FT2", rest - 50_000, f"OCOP {order.reference} lan 2"),
            ("FT3", 50_000, f"OCOP {order.reference} lan 3"),
        ),  # fmt: skip
    )
    assert _actions(second) == ["partial", "pay"]
    _confirm(client, second)
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert (paid.status, paid.paid_vnd, paid.needs_review) == (OrderStatus.PAID, total, False)
    assert [e.to_status for e in paid.events if e.to_status == OrderStatus.PAID] == ["paid"]
    assert ("sale", 600_000) in _ledger(paid)
    admin = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert all(f'data-transfer="{ref}"' in admin for ref in ("FT1", "FT2", "FT3"))
    assert "28/11/2026" in admin or "Nov" in admin


def test_an_order_released_after_a_part_payment_is_flagged(app, bank):
    order = gen_order([(gen_product(price_vnd=500_000), 1)], method="bank_transfer")
    db.session.commit()
    _pay(order, 100_000, "FT-PART")
    expire_order(order)
    db.session.commit()
    lapsed = db.session.get(Order, order.id)
    assert lapsed.needs_review
    assert "100000 VND" in lapsed.review_reason


def test_a_second_transfer_for_an_order_the_statement_pays_is_flagged(client, login_as, bank):
    order = gen_order([(gen_product(), 1)], method="bank_transfer")
    db.session.commit()
    login_as("admin")
    statement = _statement(("FT1", order.total_vnd, f"OCOP {order.reference}"),
                           ("FT2", order.total_vnd, f"OCOP {order.reference} lan 2"))  # fmt: skip
    page = _preview(client, statement)
    assert _actions(page) == ["pay", "order_twice"]
    _confirm(client, page)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    assert order.needs_review


def test_a_transfer_naming_a_card_order_changes_nothing(client, login_as, bank):
    order = gen_order([(gen_product(), 1)], method="demo")
    db.session.commit()
    login_as("admin")
    page = _preview(client, _statement(("FT1", order.total_vnd, f"OCOP {order.reference}")))
    assert _actions(page) == ["other_method"]
    assert "Confirm the changes" not in page


def test_a_changed_preview_is_refused(client, login_as, bank):
    order = gen_order([(gen_product(), 1)], method="bank_transfer")
    db.session.commit()
    login_as("admin")
    token = csrf_token(client, "/admin/payments/bank-statement")
    response = client.post(
        "/admin/payments/bank-statement/confirm",
        data={"csrf_token": token, "plan": "tampered"},
    )
    assert response.status_code == 302
    assert db.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalars(select(Payment)).all() == []


def test_a_bad_statement_is_refused_with_its_rows(client, login_as, bank):
    login_as("admin")
    bad = "Ngày giao dịch;Ghi nợ;Ghi có;Nội dung\n28/11/2026;;abc;OCOP x\n".encode()
    page = _preview(client, bad)
    assert "Row 2" in page
    assert "Confirm the changes" not in page


# --- the checkout form posted five times at once ----------------------------------------------


@pytest.mark.postgres
def test_five_simultaneous_bank_transfer_checkouts_place_one_order(pg_app):
    from tests.conftest import run_threads

    pg_app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    gen_product(slug="hop-qua-tet", stock=3)
    db.session.commit()
    first = pg_app.test_client()
    first.set_cookie("lang", "en")
    token = csrf_token(first, "/products/hop-qua-tet")
    product_id = db.session.scalar(select(Product.id).where(Product.slug == "hop-qua-tet"))
    first.post("/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": "2"})
    form = checkout_form(first)
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(5):
        other = pg_app.test_client()
        other.set_cookie("session", cookie)
        other.set_cookie("lang", "en")
        clients.append(other)

    def submit(i: int):
        response = checkout(clients[i], form, payment_method="bank_transfer")
        return response.status_code, response.headers.get("Location", "")

    results = run_threads(5, submit)
    assert all(status == 302 for status, _location in results), results
    [order] = orders()
    assert order.payment_method == "bank_transfer"
    assert {location for _status, location in results} == {
        f"/orders/{order.reference}?token={order.access_token}"
    }
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 1


@pytest.mark.postgres
def test_two_imports_racing_for_one_order_sum_each_other_and_pay_it_once(pg_app):
    """Four imports at once: two carry the first half of the total, two the second half (the
    same statement uploaded twice). Each transfer is recorded once; the order is paid once."""
    from shop.banking.statement import CREDIT, StatementRow
    from shop.db import begin_write_transaction
    from shop.payments.bank_statement import apply_statement
    from tests.conftest import run_threads

    order = gen_order([(gen_product(price_vnd=250_000, stock=5), 2)], method="bank_transfer")
    db.session.commit()
    order_id, total, note = order.id, order.total_vnd, f"OCOP {order.reference}"
    half = total // 2
    rows = [
        StatementRow(2, NOW.date(), CREDIT, half, note, "FT-A"),
        StatementRow(3, NOW.date(), CREDIT, total - half, note, "FT-B"),
    ]
    db.session.remove()

    def import_one(i: int) -> list[bool]:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            applied = apply_statement([rows[i % 2]], admin_id=None)
            db.session.commit()
            return [item.paid for item in applied]

    results = run_threads(4, import_one)
    assert sorted(len(r) for r in results) == [0, 0, 1, 1]  # each transfer recorded once
    assert sum(paid for r in results for paid in r) == 1
    order = db.session.get(Order, order_id)
    assert (order.status, order.paid_vnd, order.needs_review) == (OrderStatus.PAID, total, False)
    payments = db.session.scalars(select(Payment).where(Payment.order_id == order_id)).all()
    assert sorted(p.provider_reference for p in payments) == ["FT-A", "FT-B"]
    assert [e for e in order.events if e.to_status == OrderStatus.PAID].__len__() == 1
    assert [kind for kind, _amount in _ledger(order)].count("sale") == 1
