"""The experience jobs: bookings of ended sessions completed hourly, guest data purged daily;
each runs once per tick however many workers schedule it, and has its `flask` command."""

from __future__ import annotations

from datetime import date, time

from shop.extensions import db
from shop.jobs import complete_sessions
from shop.orders.models import ProducerOrder
from shop.tourism.models import Booking, BookingStatus
from tests.tourism.factories import gen_booking, gen_experience, gen_session


def test_complete_sessions_job_runs_once_per_hour(app):
    experience = gen_experience()
    past = gen_booking(gen_session(experience, day=date(2026, 11, 20), at=time(6)))
    future = gen_booking(gen_session(experience, day=date(2027, 1, 9), at=time(6)))
    db.session.commit()
    assert complete_sessions.call_local() == 1
    assert complete_sessions.call_local() is None  # this hour's tick already ran
    db.session.expire_all()
    assert db.session.get(Booking, past.id).status == BookingStatus.COMPLETED
    assert db.session.get(Booking, future.id).status == BookingStatus.CONFIRMED
    # The operator's part of that order was bookings only: the session being over delivers it.
    assert db.session.get(ProducerOrder, past.producer_order_id).status == "delivered"


def test_flask_commands(app, runner):
    past = gen_booking(gen_session(gen_experience(), day=date(2026, 11, 20), at=time(6)))
    db.session.commit()
    result = runner.invoke(args=["tourism", "complete-bookings"])
    assert result.exit_code == 0, result.output
    assert "1 booking(s) completed." in result.output
    result = runner.invoke(args=["tourism", "purge-guests"])
    assert result.exit_code == 0, result.output
    assert "guest record(s) erased." in result.output
    db.session.expire_all()
    assert db.session.get(Booking, past.id).status == BookingStatus.COMPLETED
