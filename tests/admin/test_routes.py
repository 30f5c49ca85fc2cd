"""The back-office order pages through the test client, CSRF on: search and filters, the order
page, refunds, cancelling, and clearing the review flag."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus, ProducerOrder, ProducerOrderStatus
from shop.orders.services import confirm_producer_order, flag_for_review, ship_producer_order
from shop.payments.models import Refund, RefundStatus
from shop.payments.services import payment_succeeded, record_refund
from tests.conftest import csrf_token
from tests.factories import gen_contact, gen_order, gen_producer, gen_product
from tests.payments.attempts import start_attempt


def html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's text with tags dropped and whitespace collapsed (for sentences with links)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def paid_order(items, **kwargs) -> Order:
    order = gen_order(items, **kwargs)
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def stock(product: Product) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def refund_count() -> int:
    return db.session.scalar(select(func.count(Refund.id)))


@pytest.fixture
def admin(client, login_as):
    client.get("/?lang=en")
    return login_as("admin")


# --- the list -------------------------------------------------------------------------------


def test_list_shows_every_order_newest_first(client, admin):
    first = gen_order([(gen_product(), 1)])
    second = paid_order([(gen_product(), 2)], contact=gen_contact(email="binh@example.vn"))
    db.session.commit()
    response = client.get("/admin/orders")
    body = html(response)
    assert response.status_code == 200
    assert body.index(second.reference) < body.index(first.reference)
    assert "binh@example.vn" in body
    assert "Awaiting payment" in body
    assert "Paid" in body
    assert "2 orders" in body


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("{reference}", True),
        ("{number}", True),  # the end of the reference
        ("{reference_lower}", True),
        ("Minh.Anh@Example.VN", True),  # e-mail in any case
        ("minh.anh", True),
        ("0912 345 678", True),  # typed the Vietnamese way
        ("+84 912 345 678", True),
        ("0084912345678", True),
        ("345 678", True),  # the end of the number
        ("0987 000 111", False),
        ("nobody@example.vn", False),
        ("%", False),  # a LIKE wildcard is searched for literally
    ],
)
def test_search_by_reference_email_or_phone(client, admin, query, finds):
    wanted = gen_order(
        [(gen_product(), 1)],
        contact=gen_contact(email="minh.anh@example.vn", phone="+84912345678"),
    )
    other = gen_order(
        [(gen_product(), 1)], contact=gen_contact(email="x@example.com", phone="+84355111222")
    )
    db.session.commit()
    q = query.format(
        reference=wanted.reference,
        number=wanted.reference.rsplit("-", 1)[1].lstrip("0"),
        reference_lower=wanted.reference.lower(),
    )
    body = html(client.get("/admin/orders", query_string={"q": q}))
    assert (wanted.reference in body) is finds
    assert other.reference not in body
    if not finds:
        assert "No orders match this search." in body


def test_filter_by_status_and_needs_review(client, admin):
    awaiting = gen_order([(gen_product(), 1)])
    cod = gen_order([(gen_product(), 1)], method="cod")
    flagged = paid_order([(gen_product(), 1)])
    flag_for_review(flagged, "payment does not match")
    db.session.commit()

    placed = html(client.get("/admin/orders?status=placed"))
    assert cod.reference in placed
    assert awaiting.reference not in placed
    assert flagged.reference not in placed

    review = html(client.get("/admin/orders?review=1"))
    assert flagged.reference in review
    assert cod.reference not in review
    assert awaiting.reference not in review
    assert "1 order needs review" in html(client.get("/admin/orders"))
    assert client.get("/admin/orders?status=bogus&page=x").status_code == 200


def test_pagination(client, admin, monkeypatch):
    import shop.admin.routes

    monkeypatch.setattr(shop.admin.routes, "PER_PAGE", 2)
    product = gen_product(stock=10)
    orders = [gen_order([(product, 1)], method="cod") for _ in range(5)]
    db.session.commit()
    page1 = html(client.get("/admin/orders"))
    page3 = html(client.get("/admin/orders?page=3"))
    assert "Page 1 of 3" in page1
    assert orders[4].reference in page1
    assert orders[3].reference in page1
    assert orders[2].reference not in page1
    assert orders[0].reference in page3
    assert "Page 3 of 3" in html(client.get("/admin/orders?page=99"))  # clamped


def test_page_links_keep_the_status_filter_and_search(client, admin, monkeypatch):
    monkeypatch.setattr("shop.admin.routes.PER_PAGE", 1)
    product = gen_product(stock=10)
    for _ in range(3):
        gen_order([(product, 1)], method="cod", contact=gen_contact(email="lan@example.vn"))
    db.session.commit()
    body = html(client.get("/admin/orders?status=placed&q=lan%40example.vn&page=2"))
    links = {
        rel: href.replace("&amp;", "&")
        for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', body)
    }
    assert set(links) == {"prev", "next"}
    for rel, page in (("prev", "1"), ("next", "3")):
        query = parse_qs(urlsplit(links[rel]).query)
        assert query == {"status": ["placed"], "q": ["lan@example.vn"], "page": [page]}


def test_pages_hold_50_orders(client, admin):
    product = gen_product(stock=60)
    orders = [gen_order([(product, 1)], method="cod") for _ in range(51)]
    db.session.commit()
    page1, page2 = html(client.get("/admin/orders")), html(client.get("/admin/orders?page=2"))
    assert page1.count('<th scope="row"') == 50
    assert page2.count('<th scope="row"') == 1
    assert orders[0].reference in page2
    assert "Page 1 of 2" in page1


# --- the order page ---------------------------------------------------------------------------


def test_detail_shows_everything_about_the_order(client, admin):
    coop = gen_producer(name="HTX Chè Bản Ven")
    tea = gen_product(producer=coop, name_vi="Chè xanh", price_vnd=160_000, stock=5)
    honey = gen_product(name_vi="Mật ong", price_vnd=190_000)
    order = paid_order([(tea, 2), (honey, 1)], contact=gen_contact(note="Giao giờ hành chính"))
    tea_parcel = next(po for po in order.producer_orders if po.producer_id == coop.id)
    confirm_producer_order(tea_parcel, user_id=None)
    ship_producer_order(
        tea_parcel,
        carrier="Viettel Post",
        tracking_number="VTP777",
        user_id=None,
        now=datetime.now(UTC),
    )
    tea_line = next(line for line in order.lines if line.product_id == tea.id)
    refund = record_refund(order, lines={tea_line.id: 1}, reason="one box crushed", admin_id=None)
    from shop.payments.services import send_refund

    send_refund(refund, actor="admin")
    flag_for_review(order, "customer disputes the delivery fee")
    db.session.commit()

    response = client.get(f"/admin/orders/{order.reference}")
    body = html(response)
    assert response.status_code == 200
    for expected in (
        "Chè xanh",
        "Mật ong",
        "HTX Chè Bản Ven",
        "Viettel Post",
        "VTP777",
        "Demo payment",
        f"demo_order-{order.reference}-attempt-1",
        "Succeeded",
        "one box crushed",
        f"demo_refund_{refund.id}",
        "customer disputes the delivery fee",
        "Needs review",
        "Mark reviewed",
        "Giao giờ hành chính",
        "buyer@example.vn",
        "+84912345678",
        "Partly refunded",
    ):
        assert expected in body, expected
    assert "160.000\u00a0₫" in body
    assert re.search(r'data-label="Refunded"><span class="tag tag-muted">1</span>', body)
    # The history: who, from, to, why.
    page = text(response)
    assert "Awaiting payment → Paid" in page
    assert "New → Confirmed by the producer" in page
    assert "Paid → Partly refunded" in page
    assert "flagged for review: customer disputes the delivery fee" in page
    # Actions offered: refund (with the shipped parcel) but no cancel.
    assert "Refund everything that is left" in body
    assert "A parcel of this order has already shipped, so it cannot be cancelled." in body


def test_unknown_order_is_not_found(client, admin):
    assert client.get("/admin/orders/OCM-2026-999999").status_code == 404
    assert post(client, "/admin/orders/OCM-2026-999999/refund", {}).status_code == 404


# --- refunds ----------------------------------------------------------------------------------


def test_refund_some_lines_then_everything_left(client, admin, outbox):
    tea, honey = gen_product(price_vnd=160_000, stock=5), gen_product(price_vnd=190_000)
    order = paid_order([(tea, 2), (honey, 1)])
    tea_line = next(line for line in order.lines if line.product_id == tea.id)
    honey_line = next(line for line in order.lines if line.product_id == honey.id)
    db.session.commit()
    path = f"/admin/orders/{order.reference}/refund"
    sent_before = len(outbox())

    response = post(
        client,
        path,
        {f"line_{tea_line.id}": "1", f"line_{honey_line.id}": "0", "reason": "one box damaged"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/orders/{order.reference}#main"
    done = fresh(Order, order.id)
    assert (done.status, done.refunded_vnd) == (OrderStatus.PARTIALLY_REFUNDED, 160_000)
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.amount_vnd, refund.status, refund.created_by_id) == (
        160_000,
        RefundStatus.SUCCEEDED,
        admin.id,
    )
    assert json.loads(refund.lines_json) == {str(tea_line.id): 1}
    assert fresh(OrderLine, tea_line.id).refunded_quantity == 1
    assert "Refunded 160.000\u00a0₫." in html(client.get(f"/admin/orders/{order.reference}"))
    [mail] = outbox()[sent_before:]  # the refund e-mail, in the order's language
    assert mail["To"] == order.email
    assert order.reference in mail["Subject"]
    assert "160.000" in mail.get_content()

    response = post(client, path, {"everything": "y", "reason": "order cancelled by phone"})
    assert response.status_code == 302
    done = fresh(Order, order.id)
    assert done.status == OrderStatus.REFUNDED
    assert done.refunded_vnd == done.paid_vnd == done.total_vnd
    assert refund_count() == 2
    page = html(client.get(f"/admin/orders/{order.reference}"))
    assert "Everything paid for this order has already been refunded." in page
    assert 'name="everything"' not in page  # no refund form any more

    # Submitting again (a second tab, a double click) never refunds more than was paid.
    again = post(client, path, {"everything": "y", "reason": "again"})
    assert again.status_code == 409
    assert "Only paid orders can be refunded; this one is “Refunded”." in html(again)
    assert refund_count() == 2
    assert fresh(Order, order.id).refunded_vnd == done.paid_vnd


@pytest.mark.parametrize(
    ("quantity", "everything", "reason", "field", "message"),
    [
        ("3", "", "too many", "line", "Enter a whole number from 0 to 2."),
        ("-1", "", "negative", "line", "Enter a whole number from 0 to 2."),
        ("1.5", "", "fraction", "line", "Enter a whole number from 0 to 2."),
        ("abc", "", "text", "line", "Enter a whole number from 0 to 2."),
        ("0", "", "nothing chosen", "everything", "Enter a quantity to refund for at least one"),
        ("1", "y", "both", "everything", "Leave every quantity at 0 to refund everything"),
        ("1", "", "", "reason", "Enter the reason for this refund."),
        ("1", "", "x" * 501, "reason", "At most 500 characters."),
    ],
)
def test_bad_refund_input_is_shown_next_to_the_field_and_kept(
    client, admin, quantity, everything, reason, field, message
):
    tea = gen_product(price_vnd=160_000, stock=5)
    order = paid_order([(tea, 2)])
    line = order.lines[0]
    db.session.commit()
    data = {f"line_{line.id}": quantity, "reason": reason}
    if everything:
        data["everything"] = everything
    response = post(client, f"/admin/orders/{order.reference}/refund", data)
    body = html(response)
    assert response.status_code == 400
    field_id = f"line_{line.id}" if field == "line" else field
    errors = re.search(rf'<div class="field-errors" id="{field_id}-error">(.*?)</div>', body, re.S)
    assert errors, body
    assert message in errors.group(1)
    assert f'id="{field_id}"' in body
    if field != "line":
        assert f'value="{quantity}"' in body  # the quantity typed is kept
    if reason and len(reason) < 100:
        assert reason in body
    assert refund_count() == 0
    assert fresh(Order, order.id).refunded_vnd == 0


def test_cash_on_delivery_orders_are_not_refunded_online(client, admin):
    product = gen_product(stock=5)
    order = gen_order([(product, 1)], method="cod")
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(
        parcel, carrier="G", tracking_number="1", user_id=None, now=datetime.now(UTC)
    )
    from shop.orders.services import deliver_producer_order

    deliver_producer_order(parcel, user_id=None, now=datetime.now(UTC))
    db.session.commit()
    assert fresh(Order, order.id).status == OrderStatus.COMPLETED

    page = html(client.get(f"/admin/orders/{order.reference}"))
    assert "Cash-on-delivery money is paid back by bank transfer, outside the shop." in page
    response = post(
        client,
        f"/admin/orders/{order.reference}/refund",
        {f"line_{order.lines[0].id}": "1", "reason": "broken"},
    )
    assert response.status_code == 409
    assert "There is no online payment to refund." in html(response)
    assert refund_count() == 0


def test_a_refund_the_provider_refuses_stays_recorded_and_can_be_sent_again(
    client, admin, monkeypatch
):
    import shop.admin.routes

    order = paid_order([(gen_product(price_vnd=100_000), 1)])
    db.session.commit()

    def provider_down(*_args, **_kwargs):
        raise ConnectionError("provider unreachable")

    real_send = shop.admin.routes.send_refund
    monkeypatch.setattr(shop.admin.routes, "send_refund", provider_down)
    response = post(
        client,
        f"/admin/orders/{order.reference}/refund",
        {"everything": "y", "reason": "customer cancelled"},
        follow_redirects=True,
    )
    assert "The refund is recorded but the payment provider did not accept it yet." in html(
        response
    )
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.status == RefundStatus.PENDING  # recorded before sending: never lost
    assert fresh(Order, order.id).refunded_vnd == order.total_vnd
    assert "Send again" in html(response)

    monkeypatch.setattr(shop.admin.routes, "send_refund", real_send)
    path = f"/admin/orders/{order.reference}/refunds/{refund.id}/send"
    response = post(client, path, follow_redirects=True)
    assert "Refunded 130.000\u00a0₫." in html(response)
    assert fresh(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert fresh(Order, order.id).status == OrderStatus.REFUNDED
    again = post(client, path, follow_redirects=True)
    assert "This refund has already been sent." in html(again)
    assert post(client, f"/admin/orders/{order.reference}/refunds/999/send").status_code == 404


# --- cancelling -------------------------------------------------------------------------------


def test_cancel_a_paid_order_refunds_it_and_releases_the_stock(client, admin, outbox):
    tea = gen_product(price_vnd=160_000, stock=5)
    order = paid_order([(tea, 2)])
    confirm_producer_order(order.producer_orders[0], user_id=None)
    db.session.commit()
    assert stock(tea) == 3
    sent_before = len(outbox())

    response = post(client, f"/admin/orders/{order.reference}/cancel", {"reason": "out of season"})
    assert response.status_code == 302
    done = fresh(Order, order.id)
    assert done.status == OrderStatus.REFUNDED  # cancelled, then refunded in full
    assert done.refunded_vnd == done.paid_vnd == 350_000
    assert fresh(ProducerOrder, order.producer_orders[0].id).status == (
        ProducerOrderStatus.CANCELLED
    )
    assert stock(tea) == 5
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.amount_vnd, refund.status, refund.reason) == (
        350_000,
        RefundStatus.SUCCEEDED,
        "out of season",
    )
    [mail] = outbox()[sent_before:]
    assert (mail["To"], "350.000" in mail.get_content()) == (order.email, True)
    page = text(client.get(f"/admin/orders/{order.reference}"))
    assert "Order cancelled and its stock put back on sale." in page
    assert "The payment has been refunded in full." in page
    assert "Paid → Cancelled" in page
    assert "Cancelled → Refunded" in page


def test_cancel_a_cash_on_delivery_order(client, admin):
    product = gen_product(stock=4)
    order = gen_order([(product, 3)], method="cod")
    db.session.commit()
    response = post(client, f"/admin/orders/{order.reference}/cancel", {"reason": "fake order"})
    assert response.status_code == 302
    assert fresh(Order, order.id).status == OrderStatus.CANCELLED
    assert stock(product) == 4
    assert refund_count() == 0


def test_cancel_needs_a_reason(client, admin):
    product = gen_product(stock=4)
    order = gen_order([(product, 1)], method="cod")
    db.session.commit()
    response = post(client, f"/admin/orders/{order.reference}/cancel", {"reason": "  "})
    body = html(response)
    assert response.status_code == 400
    assert re.search(r'id="reason-error">\s*<p class="field-error">Say why the order is', body)
    assert fresh(Order, order.id).status == OrderStatus.PLACED
    assert stock(product) == 3


def test_an_order_with_a_shipped_parcel_cannot_be_cancelled(client, admin):
    product = gen_product(stock=4)
    order = paid_order([(product, 1), (gen_product(), 1)])
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(
        parcel, carrier="G", tracking_number="1", user_id=None, now=datetime.now(UTC)
    )
    db.session.commit()
    response = post(client, f"/admin/orders/{order.reference}/cancel", {"reason": "changed mind"})
    assert response.status_code == 409
    assert "A parcel of this order has already shipped, so it cannot be cancelled." in html(
        response
    )
    assert "changed mind" in html(response)  # the reason typed is kept
    assert fresh(Order, order.id).status == OrderStatus.PAID
    assert stock(product) == 3
    assert refund_count() == 0


def test_an_order_awaiting_payment_cannot_be_cancelled(client, admin):
    product = gen_product(stock=4)
    order = gen_order([(product, 1)])
    db.session.commit()
    response = post(client, f"/admin/orders/{order.reference}/cancel", {"reason": "x"})
    assert response.status_code == 409
    assert "An order that is “Awaiting payment” cannot be cancelled." in html(response)
    assert fresh(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert stock(product) == 3


# --- review -----------------------------------------------------------------------------------


def test_mark_reviewed(client, admin):
    order = paid_order([(gen_product(), 1)])
    flag_for_review(order, "amount mismatch")
    db.session.commit()
    path = f"/admin/orders/{order.reference}/review"
    response = post(client, path, {"note": "checked with the bank"}, follow_redirects=True)
    assert "Marked as reviewed." in html(response)
    done = fresh(Order, order.id)
    assert done.needs_review is False
    assert "reviewed: checked with the bank" in text(response)
    again = post(client, path, {"note": ""}, follow_redirects=True)
    assert "This order is not flagged for review (any more)." in html(again)
