"""A package racing plain bookings for the last seats, on PostgreSQL: never both, and the
loser's goods stay on the shelf."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.db import begin_write_transaction
from shop.errors import OutOfStock, SessionFull
from shop.extensions import db
from shop.orders.services import LineRequest
from shop.tourism.models import Booking, ExperienceSession, UnitType
from tests.bundles.factories import buy, gen_package, no_address
from tests.conftest import run_threads
from tests.factories import gen_booking_order, unit

pytestmark = pytest.mark.postgres


def test_a_package_and_plain_bookings_for_the_last_seats_never_both(pg_app):
    bundle, session, box = gen_package(capacity=10, seats_taken=8, stock=5, goods_handover="pickup")
    db.session.commit()
    ids = (bundle.id, session.id, unit(bundle.experience, "adult").id, box.id)

    def buy_one(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                if i % 2:
                    buy([LineRequest.bundle(ids[0], 1, ids[1])], contact=no_address())
                    result = "package"
                else:
                    s = db.session.get(ExperienceSession, ids[1])
                    gen_booking_order([(s, db.session.get(UnitType, ids[2]), 2)])
                    result = "booking"
                db.session.commit()
                return result
            except (SessionFull, OutOfStock):
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    results = run_threads(8, buy_one)
    assert results.count("refused") == 7
    db.session.expire_all()
    taken, capacity = db.session.execute(
        select(ExperienceSession.seats_taken, ExperienceSession.capacity).where(
            ExperienceSession.id == ids[1]
        )
    ).one()
    assert (taken, capacity) == (10, 10)
    assert db.session.scalar(select(func.sum(Booking.seats))) == 2
    sold = 2 if "package" in results else 0
    assert db.session.get(Product, ids[3]).stock == 5 - sold


def test_packages_for_the_last_boxes_sell_exactly_what_is_left(pg_app):
    """Ten buyers of one package each, five boxes for two per package: two packages sold."""
    bundle, session, box = gen_package(capacity=40, stock=5, goods_handover="pickup")
    db.session.commit()
    ids = (bundle.id, session.id, box.id)

    def buy_one(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                buy([LineRequest.bundle(ids[0], 1, ids[1])], contact=no_address())
                db.session.commit()
                return "ok"
            except OutOfStock:
                db.session.rollback()
                return "out"
            finally:
                db.session.remove()

    results = run_threads(10, buy_one)
    assert results.count("ok") == 2
    db.session.expire_all()
    assert db.session.get(Product, ids[2]).stock == 1
    assert db.session.get(ExperienceSession, ids[1]).seats_taken == 4
