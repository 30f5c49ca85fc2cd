"""Partners' holds and confirmations over the shop's booking code: seats held like a shopper's,
expiry by the shop's payment window, confirmation paid through the payment state machine (the
ticket issued, the ledger written), releases, and only the key's own bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.errors import InvalidQuantity, SessionFull, SessionUnavailable
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.services import expire_due_orders
from shop.partners import bookings
from shop.partners.errors import BookingConfirmed, BookingNotFound, HoldExpired, HoldReleased
from shop.partners.models import PartnerBooking
from shop.payments.models import Payment, PaymentStatus
from shop.payments.providers import checkout_providers, get_provider
from shop.payments.services import record_refund, send_refund
from shop.payouts.models import LedgerEntry
from shop.tourism.models import Booking, ExperienceSession, Ticket
from tests.partners.factories import NOW, gen_api_key, gen_bookable, gen_hold, hold_request

TTL = timedelta(minutes=30)  # order_rules()'s payment window, as ORDER_PAYMENT_TTL_MINUTES


def _seats(session_id: int) -> int:
    db.session.expire_all()
    return db.session.get(ExperienceSession, session_id).seats_taken


def test_a_hold_reserves_the_seats_like_a_shoppers_booking(app, outbox):
    key = gen_api_key().api_key
    experience, session = gen_bookable(capacity=10)
    held = gen_hold(key, experience, session, adults=2, children=1, partner_reference="DLX-1")
    db.session.commit()
    assert _seats(session.id) == 3
    order = db.session.get(Order, held.order_id)
    booking = db.session.get(Booking, held.booking_id)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.payment_method == "partner_account"
    assert order.total_vnd == 2 * 300_000 + 150_000
    assert order.expires_at.replace(tzinfo=NOW.tzinfo) == NOW + TTL
    assert (booking.status, booking.seats, booking.lead_name) == ("held", 3, "Jane Doe")
    assert order.email == "jane@example.com"
    assert booking.lead_phone == "+447700900123"
    assert held.api_key_id == key.id
    assert len(held.public_id) == 36
    # The hold is a partner's business: no "order received" mail to the guest yet.
    assert outbox() == []
    view = bookings.view(held, NOW)
    assert view.status == "held"
    assert view.expires_at == NOW + TTL
    assert view.total_vnd == 750_000
    assert view.seats == 3
    assert view.tickets == ()
    assert sorted((u.quantity, u.unit_price_vnd) for u in view.units) == [
        (1, 150_000),
        (2, 300_000),
    ]
    # The staff see who held it.
    assert db.session.scalar(
        select(func.count(OrderEvent.id)).where(OrderEvent.actor == f"partner:{key.prefix}")
    )


def test_confirming_pays_issues_the_ticket_and_credits_the_producer(app, outbox):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session, adults=2)
    db.session.commit()
    confirmed = bookings.confirm(key, held.public_id, now=NOW + timedelta(minutes=5))
    db.session.commit()
    order = db.session.get(Order, held.order_id)
    assert order.status == OrderStatus.PAID
    assert order.paid_vnd == order.total_vnd == 600_000
    payment = db.session.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.provider, payment.status, payment.captured_vnd) == (
        "partner_account",
        PaymentStatus.SUCCEEDED,
        600_000,
    )
    booking = db.session.get(Booking, held.booking_id)
    assert booking.status == "confirmed"
    assert booking.ticket is not None
    assert confirmed.confirmed_at is not None
    view = bookings.view(confirmed, NOW + timedelta(minutes=6))
    assert view.status == "confirmed"
    assert view.tickets == (booking.ticket.code,)
    assert view.expires_at is None
    # The producer's ledger: the sale and its commission, as after a card payment.
    kinds = set(db.session.scalars(select(LedgerEntry.kind)).all())
    assert {"sale", "commission"} <= kinds
    assert db.session.scalar(select(func.sum(LedgerEntry.amount_vnd)).where(
        LedgerEntry.kind == "sale")) == 600_000  # fmt: skip
    # The guest gets the "paid" e-mail with the ticket.
    mails = outbox()
    assert len(mails) == 1
    assert booking.ticket.code in mails[0].get_body().get_content()
    assert _seats(session.id) == 2


def test_confirming_twice_answers_with_the_same_booking(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session)
    db.session.commit()
    first = bookings.confirm(key, held.public_id, now=NOW + timedelta(minutes=1))
    db.session.commit()
    code = db.session.get(Booking, held.booking_id).ticket.code
    # Again, even after the hold's window: it is confirmed, not a hold any more.
    again = bookings.confirm(key, held.public_id, now=NOW + timedelta(hours=2))
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert db.session.get(Booking, held.booking_id).ticket.code == code


def test_a_hold_past_its_window_cannot_be_confirmed_even_before_the_expiry_job(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session, adults=2)
    db.session.commit()
    late = NOW + TTL + timedelta(seconds=1)
    assert bookings.view(held, late).status == "expired"
    with pytest.raises(HoldExpired):
        bookings.confirm(key, held.public_id, now=late)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    # The expiry job gives the seats back, once.
    assert expire_due_orders(late) == 1
    db.session.commit()
    assert _seats(session.id) == 0
    assert db.session.get(Booking, held.booking_id).status == "expired"
    with pytest.raises(HoldExpired):
        bookings.confirm(key, held.public_id, now=late)
    db.session.rollback()
    assert bookings.view(db.session.get(PartnerBooking, held.id), late).status == "expired"


def test_the_last_second_of_the_window_still_confirms(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session)
    db.session.commit()
    bookings.confirm(key, held.public_id, now=NOW + TTL - timedelta(seconds=1))
    db.session.commit()
    assert db.session.get(Order, held.order_id).status == OrderStatus.PAID


def test_releasing_a_hold_gives_the_seats_back_once(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable(capacity=4)
    held = gen_hold(key, experience, session, adults=4)
    db.session.commit()
    assert _seats(session.id) == 4
    bookings.release(key, held.public_id, now=NOW + timedelta(minutes=1))
    db.session.commit()
    assert _seats(session.id) == 0
    bookings.release(key, held.public_id, now=NOW + timedelta(minutes=2))  # again: nothing
    db.session.commit()
    assert _seats(session.id) == 0
    held = db.session.get(PartnerBooking, held.id)
    assert bookings.view(held, NOW).status == "released"
    with pytest.raises(HoldReleased):
        bookings.confirm(key, held.public_id, now=NOW + timedelta(minutes=3))
    db.session.rollback()
    # The seats are someone else's now.
    gen_hold(key, experience, session, adults=4)
    db.session.commit()
    assert _seats(session.id) == 4


def test_a_confirmed_booking_cannot_be_released(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session)
    bookings.confirm(key, held.public_id, now=NOW)
    db.session.commit()
    with pytest.raises(BookingConfirmed):
        bookings.release(key, held.public_id, now=NOW)
    db.session.rollback()
    assert _seats(session.id) == 2


def test_seats_are_never_oversold(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable(capacity=3)
    gen_hold(key, experience, session, adults=2)
    db.session.commit()
    with pytest.raises(SessionFull):
        gen_hold(key, experience, session, adults=2)
    db.session.rollback()
    assert _seats(session.id) == 2
    # A lapsed hold's seats are free for the next hold (released in its transaction).
    gen_hold(key, experience, session, adults=3, now=NOW + TTL + timedelta(seconds=1))
    db.session.commit()
    assert _seats(session.id) == 3


def test_a_hold_is_refused_as_a_shoppers_booking_is(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    _other, elsewhere = gen_bookable()
    db.session.commit()
    cases = [
        (hold_request(experience, session, adults=0), InvalidQuantity),
        (hold_request(experience, session, adults=41), InvalidQuantity),  # above the type's max
        (hold_request(experience, session, units={}), InvalidQuantity),
        (hold_request(experience, session, units={10**6: 1}), InvalidQuantity),
        # A unit type of another experience on this session.
        (hold_request(experience, elsewhere), InvalidQuantity),
        (hold_request(experience, session, session_id=10**6), SessionUnavailable),
    ]
    for request, error in cases:
        with pytest.raises(error):
            bookings.hold(key, request, rules=_rules(), now=NOW)
        db.session.rollback()
    # After the cut-off (18:00 the day before), and a cancelled session.
    with pytest.raises(SessionUnavailable):
        gen_hold(key, experience, session, now=session.starts_at - timedelta(hours=1))
    db.session.rollback()
    session.status, session.cancel_reason = "cancelled", "storm"
    db.session.commit()
    with pytest.raises(SessionUnavailable):
        gen_hold(key, experience, session)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Order.id))) == 0


def _rules():
    from tests.factories import order_rules

    return order_rules()


def test_a_key_sees_only_its_own_bookings(app):
    mine, theirs = gen_api_key().api_key, gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(mine, experience, session)
    db.session.commit()
    assert bookings.find(mine, held.public_id).id == held.id
    for public_id in (held.public_id.upper(), held.public_id.replace("-", "")):
        assert bookings.find(mine, public_id).id == held.id  # the same UUID, written otherwise
    for action in (bookings.find, bookings.confirm, bookings.release):
        kwargs = {} if action is bookings.find else {"now": NOW}
        with pytest.raises(BookingNotFound):
            action(theirs, held.public_id, **kwargs)
        db.session.rollback()
    for hostile in ("", "1", "x" * 10_000, "\x00", "../1", "²", "9" * 40, None):
        with pytest.raises(BookingNotFound):
            bookings.find(mine, hostile)
    assert db.session.get(Order, held.order_id).status == OrderStatus.AWAITING_PAYMENT


def test_partner_account_is_never_offered_at_checkout_and_refunds_are_credits(app):
    assert "partner_account" not in {p.id for p in checkout_providers()}
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session, adults=2)
    bookings.confirm(key, held.public_id, now=NOW)
    db.session.commit()
    order = db.session.get(Order, held.order_id)
    refund = record_refund(order, lines=None, reason="partner cancelled", admin_id=None)
    send_refund(refund, actor="test")
    db.session.commit()
    assert refund.status == "succeeded"
    assert refund.provider_reference.startswith("partner_credit_")
    assert db.session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert get_provider("partner_account").starts_attempts is False


def test_partner_bookings_are_unique_per_order_and_booking(app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session)
    db.session.commit()
    for duplicate in (
        {"order_id": held.order_id, "booking_id": held.booking_id, "public_id": "x" * 36},
        {"order_id": held.order_id, "booking_id": held.booking_id, "public_id": held.public_id},
    ):
        db.session.add(PartnerBooking(api_key_id=key.id, **duplicate))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
