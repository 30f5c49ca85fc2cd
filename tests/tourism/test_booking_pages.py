"""A tourist's booking through the pages: seats into the cart, a checkout with no address,
foreign guests for an overnight stay, payment, then cancelling within the rules or moving."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.db import utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.models import Payment, Refund
from shop.payments.services import payment_succeeded
from shop.tourism.models import Booking, BookingStatus, ExperienceSession, Guest, TicketStatus
from shop.tourism.rules import local
from tests.conftest import csrf_token
from tests.factories import gen_experience, gen_product, gen_session, unit
from tests.payments.attempts import start_attempt

FORM = {
    "email": "tourist@example.com",
    "phone": "+44 20 7946 0958",
    "recipient_name": "Emma Hart",
    "payment_method": "demo",
    "agree": "y",
}


def _starts(days: int):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


def add_seats(client, session, party: dict, **extra):
    token = csrf_token(client, "/account/login")
    data = {"csrf_token": token, "session_id": str(session.id), **extra}
    data.update({f"unit-{u.id}": str(q) for u, q in party.items()})
    return client.post("/cart/add-seats", data=data)


def checkout(client, **fields):
    body = client.get("/checkout?lang=en").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1),
        "checkout_token": re.search(r'name="checkout_token"[^>]*value="([^"]+)"', body).group(1),
        **FORM,
        **fields,
    }
    return client.post("/checkout?lang=en", data={k: v for k, v in data.items() if v is not None})


def taken(session) -> int:
    db.session.expire_all()
    return db.session.get(ExperienceSession, session.id).seats_taken


def paid_order() -> Order:
    """The placed order, paid through the demo provider (a payment to refund)."""
    order = db.session.scalars(select(Order)).one()
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).first()
    payment = payment or start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.commit()
    db.session.refresh(order)
    return order


@pytest.fixture
def trip(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=_starts(10), capacity=10)
    other = gen_session(experience, starts_at=_starts(12), capacity=10)
    db.session.commit()
    return experience, session, other


def test_seats_go_to_the_cart_as_one_booking(client, trip):
    experience, session, _other = trip
    adult, child = unit(experience, "adult"), unit(experience, "child")
    response = add_seats(client, session, {adult: 2, child: 1})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cart")
    page = client.get("/cart?lang=en").get_data(as_text=True)
    assert "2 × Adult" in page
    assert "1 × Child" in page
    assert "750.000" in page  # 2 × 300 000 + 150 000
    # Choosing again replaces the party, it does not add up.
    add_seats(client, session, {adult: 1, child: 0})
    page = client.get("/cart?lang=en").get_data(as_text=True)
    assert "1 × Adult" in page
    assert "Child" not in page


@pytest.mark.parametrize(
    ("party", "extra", "message"),
    [
        ({"adult": 11}, {}, "Only 10 seats left"),
        ({"family": 3}, {}, "outside what one booking allows"),
        ({"adult": "²"}, {}, "Enter a whole number"),
        ({"adult": "1\x00"}, {}, "Enter a whole number"),
        ({}, {"unit-99999999999999999999": "1"}, "Enter a whole number"),
        ({"adult": 0}, {}, "outside what one booking allows"),
    ],
)
def test_refused_seats_come_back_with_the_reason(client, trip, party, extra, message):
    experience, session, _other = trip
    token = csrf_token(client, "/account/login")
    day = local(session.starts_at).date()
    page = f"/experiences/{experience.slug}?lang=en&month={day:%Y-%m}&day={day.isoformat()}"
    data = {"csrf_token": token, "session_id": str(session.id), "next": page, **extra}
    data.update({f"unit-{unit(experience, code).id}": str(q) for code, q in party.items()})
    response = client.post("/cart/add-seats?lang=en", data=data, follow_redirects=True)
    if any("\x00" in str(v) for v in party.values()):
        # A NUL byte is refused at the edge, before the route.
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert taken(session) == 0
    assert "1 × Adult" not in client.get("/cart?lang=en").get_data(as_text=True)


def test_a_session_past_its_cutoff_cannot_be_added(client, app):
    experience = gen_experience()
    # Tomorrow: the cut-off (18:00 local the day before) has passed or is close; a session
    # starting in 3 hours is certainly closed.
    session = gen_session(experience, starts_at=_starts(0) + timedelta(hours=3))
    db.session.commit()
    add_seats(client, session, {unit(experience, "adult"): 1})
    assert "Adult" not in client.get("/cart?lang=en").get_data(as_text=True)


def test_checkout_of_experiences_only_asks_no_address_and_books(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 2, unit(experience, "child"): 1})
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert 'name="province"' not in page
    assert 'name="street"' not in page
    assert "Lead guest" in page
    assert "free cancellation until" in page
    assert "50 % back until" in page
    response = checkout(client, lead_name="Tom Hart", lead_phone="+44 7911 123456")
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert order.province is None
    assert order.total_vnd == 750_000
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.lead_name, booking.lead_phone) == ("Tom Hart", "+447911123456")
    assert booking.locale == "en"
    assert taken(session) == 3


def test_lead_guest_defaults_to_the_contact(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    assert checkout(client).status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert booking.lead_name == "Emma Hart"
    assert booking.lead_phone == "+442079460958"


def test_goods_and_seats_together_still_need_the_address(client, trip):
    experience, session, _other = trip
    tea = gen_product(producer=experience.producer, slug="che-ban-ven")
    db.session.commit()
    token = csrf_token(client, "/account/login")
    client.post("/cart/add", data={"csrf_token": token, "product_id": tea.id, "quantity": "1"})
    add_seats(client, session, {unit(experience, "adult"): 1})
    response = checkout(client)
    assert response.status_code == 400
    assert "Choose the province or city." in response.get_data(as_text=True)
    response = checkout(client, province="Ha Noi", commune="phuong hoan kiem", street="12 Hàng Bạc")
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    assert order.province == "Hà Nội"
    assert len(order.lines) == 2


def _overnight(app):
    experience = gen_experience(overnight=True, name_en="Stilt-house homestay")
    session = gen_session(experience, starts_at=_starts(10), capacity=10)
    db.session.commit()
    return experience, session


def test_overnight_foreign_guests_need_complete_rows_and_consent(client, app):
    experience, session = _overnight(app)
    add_seats(client, session, {unit(experience, "adult"): 2})
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert "police" in page
    assert 'name="guests-1-passport_number"' in page  # one row per seat
    response = checkout(
        client,
        foreign_guests="y",
        **{"guests-0-full_name": "Emma Hart", "guests-0-passport_number": "12"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the nationality." in body
    assert "Enter the date of birth." in body
    assert "Letters and digits only" in body
    assert "needs your consent" in body
    assert 'value="Emma Hart"' in body  # what was typed is kept
    assert db.session.scalar(select(Order.id)) is None


def test_overnight_guests_are_stored_for_the_host_only(client, app, outbox, caplog):
    caplog.set_level("DEBUG")
    experience, session = _overnight(app)
    add_seats(client, session, {unit(experience, "adult"): 2})
    response = checkout(
        client,
        foreign_guests="y",
        guests_consent="y",
        **{
            "guests-0-full_name": "Emma Hart",
            "guests-0-nationality": "GB",
            "guests-0-date_of_birth": "1990-04-02",
            "guests-0-passport_number": "p1234567",
        },
    )
    assert response.status_code == 302
    guest = db.session.scalars(select(Guest)).one()
    assert (guest.nationality, guest.passport_number) == ("GB", "P1234567")
    assert "P1234567" not in repr(guest)
    assert "P1234567" not in caplog.text
    messages = outbox()
    assert messages  # the order e-mail was written
    for message in messages:
        text = message.as_string()
        assert "P1234567" not in text
        assert "1990" not in text


def test_guest_rows_are_ignored_when_the_box_is_not_ticked(client, app):
    experience, session = _overnight(app)
    add_seats(client, session, {unit(experience, "adult"): 1})
    response = checkout(client, **{"guests-0-full_name": "Emma Hart"})
    assert response.status_code == 302
    assert db.session.scalar(select(Guest.id)) is None


def test_order_page_previews_the_refund_and_cancels_within_the_rules(client, trip, outbox):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 2})
    checkout(client)
    order = paid_order()
    url = f"/orders/{order.reference}?token={order.access_token}&lang=en"
    page = client.get(url).get_data(as_text=True)
    assert "If you cancel now you would get 600.000" in page  # 10 days ahead: 100 %
    booking = db.session.scalars(select(Booking)).one()
    code = booking.ticket.code
    assert code in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # Eight days later (2 days before the start) the rules give nothing back; the page
    # promised 600 000, so the cancellation is refused until the tourist sees the new amount.
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        token = csrf_token(client, url)  # a token of that day (they last an hour)
        response = client.post(
            f"/orders/{order.reference}/bookings/{booking.id}/cancel?lang=en",
            data={"csrf_token": token, "token": order.access_token, "expected_vnd": "600000"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED
    # Four days later (6 days before): 50 % back.
    with time_machine.travel(utcnow() + timedelta(days=4), tick=False):
        page = client.get(url).get_data(as_text=True)
        assert "would get 300.000" in page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            f"/orders/{order.reference}/bookings/{booking.id}/cancel?lang=en",
            data={"csrf_token": token, "token": order.access_token, "expected_vnd": "300000"},
        )
    assert response.status_code == 302
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.CANCELLED
    assert all(t.status == TicketStatus.VOID for t in booking.tickets)
    assert taken(session) == 0
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_vnd == 300_000
    order = db.session.get(Order, order.id)
    assert order.refunded_vnd == 300_000
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    cancelled = [m for m in outbox() if "is cancelled" in m["Subject"]]
    assert len(cancelled) == 1
    assert "300.000" in cancelled[0].get_body().get_content()


def test_refund_comes_from_the_rules_copied_at_purchase(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    checkout(client)
    order = paid_order()
    # The operator later makes the rules stricter: this booking keeps its own.
    experience.cancellation_rules = [{"hours": 720, "percent": 10}]
    db.session.commit()
    page = client.get(f"/orders/{order.reference}?token={order.access_token}&lang=en")
    assert "would get 300.000" in page.get_data(as_text=True)


def test_cancel_twice_refunds_once(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    checkout(client)
    order = paid_order()
    booking = db.session.scalars(select(Booking)).one()
    token = csrf_token(client, f"/orders/{order.reference}?token={order.access_token}")
    for _ in range(2):
        client.post(
            f"/orders/{order.reference}/bookings/{booking.id}/cancel",
            data={"csrf_token": token, "token": order.access_token},
        )
    assert len(db.session.scalars(select(Refund)).all()) == 1
    assert taken(session) == 0


def test_move_to_another_date_reissues_the_ticket(client, trip):
    experience, session, other = trip
    add_seats(client, session, {unit(experience, "adult"): 2})
    checkout(client)
    order = paid_order()
    booking = db.session.scalars(select(Booking)).one()
    old_code = booking.ticket.code
    url = f"/orders/{order.reference}?token={order.access_token}&lang=en"
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{other.id}">' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"/orders/{order.reference}/bookings/{booking.id}/move",
        data={"csrf_token": token, "token": order.access_token, "session_id": str(other.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.session_id == other.id
    assert booking.ticket.code != old_code
    assert (taken(session), taken(other)) == (0, 2)
    assert all(line.session_id == other.id for line in order.lines)
    assert db.session.get(Order, order.id).total_vnd == 600_000  # same price


def test_move_to_a_full_date_changes_nothing(client, trip):
    experience, session, other = trip
    add_seats(client, session, {unit(experience, "adult"): 2})
    checkout(client)
    order = paid_order()
    other.seats_taken = 9
    db.session.commit()
    booking = db.session.scalars(select(Booking)).one()
    token = csrf_token(client, f"/orders/{order.reference}?token={order.access_token}")
    client.post(
        f"/orders/{order.reference}/bookings/{booking.id}/move",
        data={"csrf_token": token, "token": order.access_token, "session_id": str(other.id)},
    )
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).session_id == session.id
    assert (taken(session), taken(other)) == (2, 9)


def test_another_orders_booking_is_not_found(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    checkout(client)
    order = paid_order()
    token = csrf_token(client, "/account/login")
    response = client.post(
        f"/orders/{order.reference}/bookings/99999/cancel",
        data={"csrf_token": token, "token": order.access_token},
    )
    assert response.status_code == 404


def test_experiences_are_not_paid_cash_on_delivery(client, trip):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert 'value="cod"' not in page
    assert "Experiences are paid online" in page
    response = checkout(client, payment_method="cod")  # posted anyway
    assert response.status_code == 400
    assert db.session.scalar(select(Order.id)) is None
    assert taken(session) == 0


def test_cancellation_terms_show_only_deadlines_still_ahead(client, app):
    experience = gen_experience()
    # Starts in 5 days: the 7-day full refund has passed, 50 % until 3 days before remains.
    session = gen_session(experience, starts_at=_starts(5))
    db.session.commit()
    add_seats(client, session, {unit(experience, "adult"): 1})
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    assert "free cancellation until" not in page
    assert "50 % back until" in page


def test_the_payment_e_mail_links_the_ticket_in_the_booking_language(client, trip, outbox):
    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 1})
    checkout(client)
    paid_order()
    booking = db.session.scalars(select(Booking)).one()
    paid = [m for m in outbox() if m["Subject"].startswith("Payment received")]
    assert len(paid) == 1
    body = paid[0].get_body().get_content()
    assert f"/tickets/{booking.ticket.code}" in body
    assert "Your ticket for Experience" in body  # English: the booking was made in English
    assert "Meeting point" in body


def test_an_unpaid_booking_goes_back_into_the_cart(client, trip):
    from shop.orders.services import expire_order

    experience, session, _other = trip
    add_seats(client, session, {unit(experience, "adult"): 2, unit(experience, "child"): 1})
    checkout(client)
    order = db.session.scalars(select(Order)).one()
    assert expire_order(order)
    db.session.commit()
    assert taken(session) == 0
    page = client.get(f"/orders/{order.reference}?token={order.access_token}&lang=en")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        f"/orders/{order.reference}/restore-cart",
        data={"csrf_token": token.group(1), "token": order.access_token},
    )
    assert response.status_code == 302
    cart = client.get("/cart?lang=en").get_data(as_text=True)
    assert "2 × Adult" in cart
    assert "1 × Child" in cart
