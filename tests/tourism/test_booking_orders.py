"""Seats in orders: held at placing, confirmed with a ticket on payment, given back exactly once
on expiry, failed payment or cancellation; never more than the pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.errors import InvalidQuantity, OutOfStock, SessionFull, SessionUnavailable
from shop.extensions import db
from shop.lines import LineKind
from shop.orders.admin_actions import cancel_order
from shop.orders.models import DeliveryMethod, OrderStatus, ProducerOrderStatus
from shop.orders.services import expire_due_orders, expire_order, mark_paid, mark_payment_failed
from shop.tourism.models import Booking, BookingStatus, ExperienceSession, TicketStatus
from shop.tourism.services import TICKET_ALPHABET
from tests.factories import (
    gen_booking_order,
    gen_experience,
    gen_producer,
    gen_product,
    gen_session,
    gen_user,
    unit,
)

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
# Saturday 12 December 2026, 07:30 local.
STARTS = datetime(2026, 12, 12, 0, 30, tzinfo=UTC)


def taken(session: ExperienceSession) -> int:
    return db.session.scalar(
        select(ExperienceSession.seats_taken).where(ExperienceSession.id == session.id)
    )


def test_booking_holds_seats_prices_units_and_needs_no_address(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=20)
    order = gen_booking_order(
        [(session, unit(experience, "adult"), 2), (session, unit(experience, "child"), 1)]
    )
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert (order.province, order.commune, order.street) == (None, None, None)
    assert not order.delivers
    assert order.subtotal_vnd == 2 * 300_000 + 150_000
    assert order.delivery_vnd == 0
    assert taken(session) == 3
    [part] = order.producer_orders
    assert part.delivery_method == DeliveryMethod.NONE
    [booking] = db.session.scalars(select(Booking)).all()
    assert (booking.status, booking.seats, booking.session_id) == (
        BookingStatus.HELD,
        3,
        session.id,
    )
    assert booking.cancellation_rules == experience.cancellation_rules
    # The cut-off copied: 18:00 local on Friday 11 December.
    assert booking.cutoff_at.replace(tzinfo=UTC) == datetime(2026, 12, 11, 11, 0, tzinfo=UTC)
    lines = {line.unit_label: line for line in order.lines}
    assert set(lines) == {"Người lớn", "Trẻ em"}
    assert all(
        line.kind == LineKind.SEATS and line.booking_id == booking.id for line in lines.values()
    )
    assert lines["Người lớn"].vat_vnd == 44_444  # 600 000 incl. 8 % VAT
    assert booking.ticket is None  # no ticket before payment


def test_group_tier_and_family_seats(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=40)
    order = gen_booking_order(
        [(session, unit(experience, "adult"), 10), (session, unit(experience, "family"), 1)]
    )
    adult = next(line for line in order.lines if line.unit_type_id == unit(experience, "adult").id)
    assert adult.unit_price_vnd == 250_000  # the 10+ tier
    assert order.subtotal_vnd == 10 * 250_000 + 900_000
    assert taken(session) == 14  # a family ticket takes 4 seats


def test_payment_confirms_the_booking_with_a_ticket(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    order = gen_booking_order([(session, unit(experience, "adult"), 2)])
    assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.CONFIRMED
    ticket = booking.ticket
    assert ticket is not None
    assert ticket.status == TicketStatus.VALID
    assert len(ticket.code) == 10
    assert set(ticket.code) <= set(TICKET_ALPHABET)
    assert not set(ticket.code) & set("01OIL")
    assert taken(session) == 2  # paid seats stay taken


@pytest.mark.parametrize("ending", ["expire", "expire_job", "fail", "admin_cancel"])
def test_seats_come_back_exactly_once(app, ending):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=10)
    order = gen_booking_order([(session, unit(experience, "adult"), 4)])
    assert taken(session) == 4
    later = NOW + timedelta(hours=1)
    if ending == "expire":
        assert expire_order(order)
        assert not expire_order(order)  # a second expiry changes nothing
    elif ending == "expire_job":
        assert expire_due_orders(later) == 1
        assert expire_due_orders(later) == 0
    elif ending == "fail":
        assert mark_payment_failed(order, actor="customer")
        assert not mark_payment_failed(order, actor="customer")
    else:
        mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
        admin = gen_user("admin")
        cancel_order(order, reason="weather", admin_id=admin.id)
    assert taken(session) == 0
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status in (BookingStatus.EXPIRED, BookingStatus.CANCELLED)
    assert booking.ticket is None  # a cancelled booking's ticket is void


def test_a_lapsed_hold_is_released_by_the_next_booking(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=4)
    first = gen_booking_order([(session, unit(experience, "adult"), 4)])
    db.session.commit()
    with pytest.raises(SessionFull):
        gen_booking_order([(session, unit(experience, "adult"), 1)], now=NOW + timedelta(minutes=5))
    db.session.rollback()
    second = gen_booking_order(
        [(session, unit(experience, "adult"), 3)], now=NOW + timedelta(minutes=31)
    )
    db.session.refresh(first)
    assert first.status == OrderStatus.EXPIRED
    assert second.status == OrderStatus.AWAITING_PAYMENT
    assert taken(session) == 3


def test_full_session_rolls_back_the_whole_order(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=5, seats_taken=4)
    tea = gen_product(producer=experience.producer, stock=10)
    db.session.commit()
    with pytest.raises(SessionFull):
        gen_booking_order([(session, unit(experience, "adult"), 2)], goods=[(tea, 3)])
    db.session.rollback()
    db.session.refresh(tea)
    assert tea.stock == 10
    assert taken(session) == 4


def test_goods_out_of_stock_releases_nothing_taken(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=5)
    tea = gen_product(stock=1)
    db.session.commit()
    with pytest.raises(OutOfStock):
        gen_booking_order([(session, unit(experience, "adult"), 2)], goods=[(tea, 3)])
    db.session.rollback()
    assert taken(session) == 0


def test_goods_and_seats_of_one_producer_share_its_part(app):
    producer = gen_producer()
    experience = gen_experience(producer=producer)
    session = gen_session(experience, starts_at=STARTS)
    tea = gen_product(producer=producer, price_vnd=160_000)
    order = gen_booking_order([(session, unit(experience, "adult"), 1)], goods=[(tea, 2)])
    [part] = order.producer_orders
    assert part.delivery_method == DeliveryMethod.STANDARD
    assert part.subtotal_vnd == 300_000 + 2 * 160_000
    assert order.province == "Hà Nội"
    assert order.total_vnd == 300_000 + 2 * 160_000 + 30_000
    assert {line.kind for line in part.lines} == {LineKind.SEATS, LineKind.PRODUCT}


@pytest.mark.parametrize(
    ("now", "status", "reason"),
    [
        (datetime(2026, 12, 11, 11, 0, tzinfo=UTC), "open", "cutoff"),  # 18:00 local the day before
        (NOW, "closed", "closed"),
        (NOW, "cancelled", "cancelled"),
    ],
)
def test_unbookable_sessions_are_refused(app, now, status, reason):
    experience = gen_experience()
    session = gen_session(
        experience,
        starts_at=STARTS,
        status=status,
        cancel_reason="mưa bão" if status == "cancelled" else None,
    )
    with pytest.raises(SessionUnavailable) as refused:
        gen_booking_order([(session, unit(experience, "adult"), 1)], now=now)
    assert refused.value.details["reason"] == reason


def test_one_second_before_the_cutoff_still_books(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    order = gen_booking_order(
        [(session, unit(experience, "adult"), 1)],
        now=datetime(2026, 12, 11, 10, 59, 59, tzinfo=UTC),
    )
    assert order.status == OrderStatus.AWAITING_PAYMENT


@pytest.mark.parametrize(("code", "quantity"), [("adult", 41), ("family", 3)])
def test_per_booking_limits(app, code, quantity):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=200)
    with pytest.raises(InvalidQuantity):
        gen_booking_order([(session, unit(experience, code), quantity)])


def test_a_unit_type_of_another_experience_is_refused(app):
    experience, other = gen_experience(), gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    with pytest.raises(InvalidQuantity):
        gen_booking_order([(session, unit(other, "adult"), 1)])


def test_paid_booking_parts_start_new(app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    order = gen_booking_order([(session, unit(experience, "adult"), 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    assert order.producer_orders[0].status == ProducerOrderStatus.NEW


def test_sessions_over_complete_bookings_and_a_bookings_only_order(app):
    from shop.orders.services import complete_booking_parts

    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    order = gen_booking_order([(session, unit(experience, "adult"), 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    assert complete_booking_parts(STARTS) == 0  # not over yet
    over = STARTS + timedelta(minutes=experience.duration_minutes)
    assert complete_booking_parts(over) == 1
    assert complete_booking_parts(over) == 0  # once
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.COMPLETED
    db.session.refresh(order)
    assert order.producer_orders[0].status == ProducerOrderStatus.DELIVERED
    assert order.status == OrderStatus.COMPLETED


def test_goods_beside_a_booking_still_wait_for_their_delivery(app):
    from shop.orders.services import complete_booking_parts

    producer = gen_producer()
    experience = gen_experience(producer=producer)
    session = gen_session(experience, starts_at=STARTS)
    tea = gen_product(producer=producer)
    order = gen_booking_order([(session, unit(experience, "adult"), 1)], goods=[(tea, 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    assert complete_booking_parts(STARTS + timedelta(days=1)) == 1
    db.session.refresh(order)
    assert order.producer_orders[0].status == ProducerOrderStatus.NEW
    assert order.status == OrderStatus.PAID


def test_a_bookings_only_part_cannot_ship_and_goods_cannot_skip_shipping(app):
    from shop.errors import InvalidTransition
    from shop.orders.services import (
        confirm_producer_order,
        deliver_producer_order,
        ship_producer_order,
    )

    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS)
    order = gen_booking_order([(session, unit(experience, "adult"), 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    part = order.producer_orders[0]
    user = gen_user("producer_staff")
    confirm_producer_order(part, user_id=user.id)
    with pytest.raises(InvalidTransition):
        ship_producer_order(part, carrier="VNPost", tracking_number="X1", user_id=user.id, now=NOW)
    with pytest.raises(InvalidTransition):
        deliver_producer_order(part, user_id=user.id, now=NOW)
