"""Seat races on PostgreSQL: many tourists for the last seats, a goods + seats order racing a
plain booking, pay × expiry on one booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.db import begin_write_transaction
from shop.errors import OutOfStock, SessionFull
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.services import expire_due_orders, lock_order, mark_paid
from shop.tourism.models import Booking, BookingStatus, ExperienceSession, UnitType
from tests.conftest import run_threads
from tests.factories import gen_booking_order, gen_experience, gen_product, gen_session, unit

pytestmark = pytest.mark.postgres

STARTS = datetime(2026, 12, 12, 0, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _pool(session_id: int) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(
        select(ExperienceSession.seats_taken, ExperienceSession.capacity).where(
            ExperienceSession.id == session_id
        )
    ).one()
    return row.seats_taken, row.capacity


def test_thirty_tourists_for_the_last_eight_seats(pg_app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=40, seats_taken=32)
    db.session.commit()
    session_id, adult_id = session.id, unit(experience, "adult").id

    def book(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                s = db.session.get(ExperienceSession, session_id)
                gen_booking_order([(s, db.session.get(UnitType, adult_id), 1)])
                db.session.commit()
                return "ok"
            except SessionFull:
                db.session.rollback()
                return "full"
            finally:
                db.session.remove()

    results = run_threads(30, book)
    assert results.count("ok") == 8
    assert results.count("full") == 22
    assert _pool(session_id) == (40, 40)
    assert db.session.scalar(select(func.sum(Booking.seats))) == 8


def test_a_package_and_a_plain_booking_for_the_last_seats_never_both(pg_app):
    """A goods + seats order (what a package buys) and a plain booking race for the last 2
    seats: exactly one wins, and the loser's goods stay on the shelf."""
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=10, seats_taken=8)
    box = gen_product(producer=experience.producer, stock=5)
    db.session.commit()
    ids = (session.id, unit(experience, "adult").id, box.id)

    def buy(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                s = db.session.get(ExperienceSession, ids[0])
                adult = db.session.get(UnitType, ids[1])
                goods = [(db.session.get(type(box), ids[2]), 1)] if i % 2 else []
                gen_booking_order([(s, adult, 2)], goods=goods)
                db.session.commit()
                return "package" if goods else "booking"
            except (SessionFull, OutOfStock):
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    results = run_threads(6, buy)
    assert results.count("refused") == 5
    assert _pool(ids[0]) == (10, 10)
    sold_boxes = 1 if "package" in results else 0
    db.session.expire_all()
    assert db.session.get(type(box), ids[2]).stock == 5 - sold_boxes


def test_payment_racing_expiry_keeps_the_seats_once(pg_app):
    experience = gen_experience()
    session = gen_session(experience, starts_at=STARTS, capacity=10)
    order = gen_booking_order([(session, unit(experience, "adult"), 3)], now=NOW)
    db.session.commit()
    order_id, total, session_id = order.id, order.total_vnd, session.id
    later = NOW + timedelta(minutes=31)

    def outcome(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                if i == 0:
                    paid = mark_paid(
                        lock_order(order_id), amount_vnd=total, currency="vnd", actor="demo"
                    )
                    result = "paid" if paid else "late"
                else:
                    result = f"expired:{expire_due_orders(later)}"
                db.session.commit()
                return result
            finally:
                db.session.remove()

    results = run_threads(2, outcome)
    db.session.expire_all()
    booking = db.session.scalars(select(Booking)).one()
    status = db.session.get(Order, order_id).status
    if status == "paid":
        assert booking.status == BookingStatus.CONFIRMED
        assert _pool(session_id)[0] == 3
    else:
        assert results[0] == "late"  # paid after expiry: flagged, never confirmed
        assert booking.status == BookingStatus.EXPIRED
        assert _pool(session_id)[0] == 0
