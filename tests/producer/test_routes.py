"""The producer portal through the test client, CSRF on: the parcel list and its filters, the
parcel page, and confirm / ship / deliver with their messages and e-mails."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.catalog.models import Producer, Product
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus, ProducerOrder, ProducerOrderStatus
from shop.orders.services import confirm_producer_order, ship_producer_order
from shop.payments.services import payment_succeeded
from tests.conftest import csrf_token
from tests.factories import gen_contact, gen_order, gen_producer, gen_product
from tests.payments.attempts import start_attempt


def html(response) -> str:
    return response.get_data(as_text=True)


def paid_order(items, **kwargs) -> Order:
    """An order paid through the demo provider: its parcels are "new"."""
    order = gen_order(items, **kwargs)
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def parcel_of(order: Order, producer: Producer) -> ProducerOrder:
    return next(po for po in order.producer_orders if po.producer_id == producer.id)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def staff(client, login_as):
    """A signed-in producer staff member (English pages); returns (user, their producer)."""
    client.get("/?lang=en")
    user = login_as("producer_staff")
    return user, db.session.get(Producer, user.producer_id)


# --- the list -------------------------------------------------------------------------------


def test_list_shows_own_parcels_from_new_on_newest_first(client, staff):
    _user, mine = staff
    tea = gen_product(producer=mine, name_vi="Chè xanh", price_vnd=160_000, stock=20)
    other = gen_product(producer=gen_producer(), price_vnd=50_000)
    older = paid_order([(tea, 2)], now=datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    newer = gen_order([(tea, 1), (other, 1)], method="cod")
    unpaid = gen_order([(tea, 1)])  # awaiting payment: nothing to do yet
    someone_else = paid_order([(other, 1)])
    db.session.commit()

    response = client.get("/producer/orders")
    body = html(response)
    assert response.status_code == 200
    assert body.index(newer.reference) < body.index(older.reference)  # newest first
    assert unpaid.reference not in body
    assert someone_else.reference not in body
    assert "2 parcels" in body
    assert "320.000" in body  # the parcel's own subtotal, not the order's
    assert "160.000" in body
    assert "+ delivery 30.000\u00a0₫" in body
    assert "New" in body


def test_list_filters_by_status_and_searches_the_reference(client, staff):
    _user, mine = staff
    product = gen_product(producer=mine, stock=20)
    first, second = paid_order([(product, 1)]), paid_order([(product, 1)])
    confirm_producer_order(parcel_of(second, mine), user_id=None)
    db.session.commit()

    confirmed = html(client.get("/producer/orders?status=confirmed"))
    assert second.reference in confirmed
    assert first.reference not in confirmed

    number = first.reference.rsplit("-", 1)[1]  # "000123": part of the reference, any case
    found = html(client.get(f"/producer/orders?q={number}"))
    assert first.reference in found
    assert second.reference not in found
    assert first.reference in html(client.get(f"/producer/orders?q={first.reference.lower()}"))

    nothing = html(client.get("/producer/orders?q=OCM-1999"))
    assert "No parcels match this search." in nothing
    # An unknown status is ignored rather than an error.
    assert client.get("/producer/orders?status=pending").status_code == 200


def test_list_shows_the_ships_from_date_of_a_pre_order(client, staff):
    _user, mine = staff
    lychee = gen_product(
        producer=mine,
        preorder=True,
        preorder_ships_from=date(2027, 6, 1),
        preorder_cap=50,
        stock=10,
    )
    order = paid_order([(lychee, 1)])
    db.session.commit()
    body = html(client.get("/producer/orders"))
    assert order.reference in body
    assert "1 Jun 2027" in body


def test_empty_list_says_so(client, staff):
    body = html(client.get("/producer/orders"))
    assert "No orders yet." in body


# --- the parcel page --------------------------------------------------------------------------


def test_detail_shows_what_to_send_and_where(client, staff):
    _user, mine = staff
    tea = gen_product(producer=mine, name_vi="Chè Bản Ven", unit_vi="hộp 200 g", price_vnd=95_000)
    other = gen_product(producer=gen_producer(), name_vi="Mật ong rừng")
    contact = gen_contact(
        recipient_name="Trần Thị Bình", phone="+84987654321", note="Gọi trước 30 phút"
    )
    order = paid_order([(tea, 3), (other, 1)], contact=contact)
    parcel = parcel_of(order, mine)
    db.session.commit()

    response = client.get(f"/producer/orders/{parcel.id}")
    body = html(response)
    assert response.status_code == 200
    assert order.reference in body
    assert "Chè Bản Ven" in body
    assert "hộp 200 g" in body
    assert '<strong class="qty">3</strong>' in body
    assert "Mật ong rừng" not in body  # another producer's line
    assert "Trần Thị Bình" in body
    assert "+84987654321" in body
    assert "12 Hàng Bạc, Phường Hoàn Kiếm, Hà Nội" in body
    assert "Gọi trước 30 phút" in body
    assert "Standard parcel" in body
    assert "buyer@example.vn" not in body  # only what delivery needs
    assert "History of this parcel" in body
    assert "Confirm</button>" in body


def test_another_producers_parcel_and_unpaid_parcels_are_not_found(client, staff):
    _user, mine = staff
    theirs = paid_order([(gen_product(producer=gen_producer()), 1)])
    unpaid = gen_order([(gen_product(producer=mine), 1)])
    db.session.commit()
    for parcel in (theirs.producer_orders[0], unpaid.producer_orders[0]):
        assert client.get(f"/producer/orders/{parcel.id}").status_code == 404
        for action in ("confirm", "deliver"):
            assert post(client, f"/producer/orders/{parcel.id}/{action}").status_code == 404
        shipped = post(
            client,
            f"/producer/orders/{parcel.id}/ship",
            {"carrier": "GHN", "tracking_number": "X1"},
        )
        assert shipped.status_code == 404
    assert fresh(ProducerOrder, theirs.producer_orders[0].id).status == ProducerOrderStatus.NEW
    assert client.get("/producer/orders/999999").status_code == 404


# --- actions ----------------------------------------------------------------------------------


def test_confirm_then_a_double_submit_gets_a_message(client, staff):
    user, mine = staff
    order = paid_order([(gen_product(producer=mine), 1)])
    parcel = parcel_of(order, mine)
    db.session.commit()

    response = post(client, f"/producer/orders/{parcel.id}/confirm")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/producer/orders/{parcel.id}"
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED
    event = db.session.scalars(
        select(OrderEvent).where(OrderEvent.producer_order_id == parcel.id)
    ).all()[-1]
    assert (event.actor, event.actor_id, event.to_status) == ("producer", user.id, "confirmed")
    page = html(client.get(f"/producer/orders/{parcel.id}"))
    assert "Parcel confirmed." in page
    assert "Mark shipped" in page

    again = post(client, f"/producer/orders/{parcel.id}/confirm", follow_redirects=True)
    assert again.status_code == 200
    assert "This parcel cannot be confirmed now: it is “Confirmed by the producer”." in html(again)
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED


@pytest.mark.parametrize(
    ("carrier", "tracking", "messages"),
    [
        ("", "", ["Enter the carrier, such as Viettel Post or GHN.", "Enter the tracking number"]),
        ("Viettel Post", "   ", ["Enter the tracking number the carrier gave you."]),
        ("V" * 61, "VTP123", ["At most 60 characters."]),
        ("GHN", "7" * 61, ["At most 60 characters."]),
    ],
)
def test_ship_needs_a_carrier_and_a_tracking_number(client, staff, carrier, tracking, messages):
    _user, mine = staff
    order = paid_order([(gen_product(producer=mine), 1)])
    parcel = parcel_of(order, mine)
    confirm_producer_order(parcel, user_id=None)
    db.session.commit()

    response = post(
        client,
        f"/producer/orders/{parcel.id}/ship",
        {"carrier": carrier, "tracking_number": tracking},
    )
    body = html(response)
    assert response.status_code == 400
    for message in messages:
        assert message in body
    assert 'aria-invalid="true"' in body
    if carrier:
        assert f'value="{carrier}"' in body  # what was typed is kept
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED


def test_ship_records_tracking_and_emails_the_customer(client, staff, outbox):
    user, mine = staff
    order = paid_order([(gen_product(producer=mine), 1), (gen_product(), 1)])
    parcel = parcel_of(order, mine)
    confirm_producer_order(parcel, user_id=None)
    db.session.commit()

    response = post(
        client,
        f"/producer/orders/{parcel.id}/ship",
        {"carrier": "  Viettel Post ", "tracking_number": "VTP-0099-1234"},
    )
    assert response.status_code == 302
    shipped = fresh(ProducerOrder, parcel.id)
    assert shipped.status == ProducerOrderStatus.SHIPPED
    assert (shipped.carrier, shipped.tracking_number) == ("Viettel Post", "VTP-0099-1234")
    assert shipped.shipped_at is not None
    mails = [m for m in outbox() if "VTP-0099-1234" in m.get_content()]
    assert len(mails) == 1
    assert mails[0]["To"] == order.email
    assert order.reference in mails[0]["Subject"]
    assert "Viettel Post" in mails[0].get_content()
    page = html(client.get(f"/producer/orders/{parcel.id}"))
    assert "Parcel marked shipped." in page
    assert "Mark delivered" in page


def test_shipping_a_parcel_not_yet_confirmed_is_refused_with_a_message(client, staff, outbox):
    _user, mine = staff
    order = paid_order([(gen_product(producer=mine), 1)])
    parcel = parcel_of(order, mine)
    db.session.commit()
    before = len(outbox())

    response = post(
        client,
        f"/producer/orders/{parcel.id}/ship",
        {"carrier": "GHN", "tracking_number": "GHN1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "This parcel cannot be marked shipped now: it is “New”." in html(response)
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.NEW
    assert len(outbox()) == before  # nobody told about a shipment that did not happen


def test_delivering_every_parcel_completes_the_order(client, staff):
    user, mine = staff
    other_producer = gen_producer()
    order = paid_order([(gen_product(producer=mine), 1), (gen_product(producer=other_producer), 1)])
    mine_parcel, other_parcel = parcel_of(order, mine), parcel_of(order, other_producer)
    for parcel in (mine_parcel, other_parcel):
        confirm_producer_order(parcel, user_id=None)
        ship_producer_order(
            parcel, carrier="GHN", tracking_number="T", user_id=None, now=datetime.now(UTC)
        )
    db.session.commit()

    assert post(client, f"/producer/orders/{mine_parcel.id}/deliver").status_code == 302
    assert fresh(ProducerOrder, mine_parcel.id).status == ProducerOrderStatus.DELIVERED
    assert fresh(Order, order.id).status == OrderStatus.PAID  # the other parcel is on its way

    from shop.orders.services import deliver_producer_order

    deliver_producer_order(
        fresh(ProducerOrder, other_parcel.id), user_id=None, now=datetime.now(UTC)
    )
    db.session.commit()
    assert fresh(Order, order.id).status == OrderStatus.COMPLETED

    again = post(client, f"/producer/orders/{mine_parcel.id}/deliver", follow_redirects=True)
    assert "This parcel cannot be marked delivered now: it is “Delivered”." in html(again)


def test_cash_on_delivery_parcel_goes_all_the_way(client, staff):
    _user, mine = staff
    product = gen_product(producer=mine, price_vnd=200_000, stock=5)
    order = gen_order([(product, 2)], method="cod")
    parcel = order.producer_orders[0]
    db.session.commit()

    assert post(client, f"/producer/orders/{parcel.id}/confirm").status_code == 302
    shipped = post(
        client, f"/producer/orders/{parcel.id}/ship", {"carrier": "GHTK", "tracking_number": "S1"}
    )
    assert shipped.status_code == 302
    assert post(client, f"/producer/orders/{parcel.id}/deliver").status_code == 302
    done = fresh(Order, order.id)
    assert done.status == OrderStatus.COMPLETED
    assert done.paid_vnd == done.total_vnd  # the courier collected the money
    events = html(client.get(f"/producer/orders/{parcel.id}"))
    history = events[events.index("History of this parcel") :]
    for label in ("Confirmed by the producer", "Shipped", "Delivered"):
        assert label in history
    assert "Nothing more to do." in events
    assert db.session.get(Product, product.id).stock == 3


def test_a_cancelled_parcel_cannot_be_confirmed(client, staff):
    _user, mine = staff
    order = gen_order([(gen_product(producer=mine), 1)], method="cod")
    parcel = order.producer_orders[0]
    from shop.orders.admin_actions import cancel_order

    cancel_order(order, reason="customer called", admin_id=None)
    db.session.commit()

    page = html(client.get(f"/producer/orders/{parcel.id}"))
    assert "This parcel was cancelled. Do not send it." in page
    assert "customer called" in page
    response = post(client, f"/producer/orders/{parcel.id}/confirm", follow_redirects=True)
    assert "This parcel cannot be confirmed now: it is “Cancelled”." in html(response)
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CANCELLED


# --- pre-orders: not before their date, unless the office allows it ---------------------------


def test_a_pre_order_ships_only_from_its_date_unless_the_office_allows_it(client, staff, app):
    from tests.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD, gen_user

    _user, mine = staff
    lychee = gen_product(
        producer=mine,
        preorder=True,
        preorder_ships_from=date(2027, 6, 5),
        preorder_cap=50,
        stock=10,
    )
    order = paid_order([(lychee, 1)])
    parcel = parcel_of(order, mine)
    confirm_producer_order(parcel, user_id=None)
    admin = gen_user("admin")
    db.session.commit()
    ship = {"carrier": "Viettel Post", "tracking_number": "VTP-1"}

    response = post(client, f"/producer/orders/{parcel.id}/ship", ship, follow_redirects=True)
    assert "This is a pre-order for 5 Jun 2027: it cannot be marked shipped" in html(response)
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED

    office = app.test_client()
    office.set_cookie("lang", "en")
    assert sign_in(office, admin.email, DEFAULT_PASSWORD).status_code == 302
    page = f"/admin/orders/{order.reference}"
    assert "Allow shipping before the pre-order date" in html(office.get(page))
    allow = f"{page}/parcels/{parcel.id}/allow-early-shipping"
    token = csrf_token(office, page)
    refused = office.post(allow, data={"csrf_token": token, f"early-{parcel.id}-reason": " "})
    assert refused.status_code == 400
    assert "Say why this parcel may ship early." in html(refused)
    assert not fresh(ProducerOrder, parcel.id).may_ship_early
    reason = "The customer leaves the country in May"
    allowed = office.post(allow, data={"csrf_token": token, f"early-{parcel.id}-reason": reason})
    assert allowed.status_code == 302
    event = db.session.scalar(
        select(OrderEvent).where(
            OrderEvent.producer_order_id == parcel.id, OrderEvent.kind == "override"
        )
    )
    assert event.actor_id == admin.id
    assert reason in event.reason
    assert event.visibility == "producer"

    detail = html(client.get(f"/producer/orders/{parcel.id}"))
    assert "the OCOP office has allowed you to ship it earlier" in detail
    assert reason in detail  # the producer sees why
    assert post(client, f"/producer/orders/{parcel.id}/ship", ship).status_code == 302
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.SHIPPED

    # Once shipped, no page speaks of the pre-order date any more.
    detail = html(client.get(f"/producer/orders/{parcel.id}"))
    listing = html(client.get("/producer/orders"))
    customer = html(office.get(f"/orders/{order.reference}?token={order.access_token}"))
    for body in (detail, listing, customer):
        assert "Shipped on" in body
        assert "Pre-order: ships from" not in body
        assert "ships from Jun" not in body
    assert reason not in customer  # the override is not the customer's business
