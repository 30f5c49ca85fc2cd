"""Partners racing on PostgreSQL: for the last seats (never oversold), confirming one hold
twice (paid once), and a confirmation against the expiry job (paid or expired, never both)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.db import begin_write_transaction
from shop.errors import SessionFull
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.services import expire_due_orders
from shop.partners import bookings
from shop.partners.errors import HoldExpired
from shop.partners.models import ApiKey, PartnerBooking
from shop.payments.models import Payment
from shop.payouts.models import LedgerEntry
from shop.tourism.models import Booking, ExperienceSession, Ticket, UnitType
from tests.conftest import run_threads
from tests.factories import order_rules, unit
from tests.partners.factories import NOW, gen_api_key, gen_bookable, gen_hold

pytestmark = pytest.mark.postgres


def test_partners_racing_for_the_last_seats_never_oversell(pg_app):
    """Eight holds of two seats each for the last three seats of a session: one wins."""
    key = gen_api_key().api_key
    experience, session = gen_bookable(capacity=10, seats_taken=7)
    db.session.commit()
    ids = (key.id, session.id, unit(experience, "adult").id)

    def hold_two(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                bookings.hold(
                    db.session.get(ApiKey, ids[0]),
                    bookings.HoldRequest(
                        session_id=ids[1],
                        units={ids[2]: 2},
                        lead_name=f"Guest {i}",
                        email=f"guest{i}@example.com",
                        phone="+447700900123",
                    ),
                    rules=order_rules(),
                    now=NOW,
                )
                db.session.commit()
                return "held"
            except SessionFull:
                db.session.rollback()
                return "full"
            finally:
                db.session.remove()

    results = run_threads(8, hold_two)
    assert results.count("held") == 1, results
    db.session.expire_all()
    assert db.session.get(ExperienceSession, ids[1]).seats_taken == 9
    assert db.session.scalar(select(func.count(PartnerBooking.id))) == 1
    assert db.session.scalar(select(func.sum(Booking.seats))) == 2


def test_a_hold_confirmed_twice_at_once_is_paid_once(pg_app):
    key = gen_api_key().api_key
    experience, session = gen_bookable()
    held = gen_hold(key, experience, session, adults=2)
    db.session.commit()
    key_id, public_id = key.id, held.public_id

    def confirm(_i: int) -> int:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                confirmed = bookings.confirm(
                    db.session.get(ApiKey, key_id), public_id, now=NOW + timedelta(minutes=1)
                )
                db.session.commit()
                return confirmed.id
            finally:
                db.session.remove()

    results = run_threads(6, confirm)
    assert results == [held.id] * 6
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert db.session.get(Order, held.order_id).paid_vnd == 600_000
    sales = db.session.scalar(
        select(func.sum(LedgerEntry.amount_vnd)).where(LedgerEntry.kind == "sale")
    )
    assert sales == 600_000  # credited once


def test_a_confirmation_racing_the_expiry_job_is_paid_or_expired_never_both(pg_app):
    key = gen_api_key().api_key
    experience, session = gen_bookable(capacity=10)
    holds = [gen_hold(key, experience, session, adults=1) for _ in range(5)]
    db.session.commit()
    key_id = key.id
    public_ids = [h.public_id for h in holds]
    # The partner's clock is a second before the window closes; the job's a second after.
    before, after = NOW + timedelta(minutes=30, seconds=-1), NOW + timedelta(minutes=30, seconds=1)

    def act(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                if i == 0:
                    expired = expire_due_orders(after)
                    db.session.commit()
                    return f"expired {expired}"
                bookings.confirm(db.session.get(ApiKey, key_id), public_ids[i - 1], now=before)
                db.session.commit()
                return "confirmed"
            except HoldExpired:
                db.session.rollback()
                return "too late"
            finally:
                db.session.remove()

    results = run_threads(6, act)
    db.session.expire_all()
    statuses = [db.session.get(Order, h.order_id).status for h in holds]
    confirmed = statuses.count("paid")
    assert confirmed + statuses.count("expired") == 5
    assert results.count("confirmed") == confirmed
    assert results[0] == f"expired {5 - confirmed}"
    # Seats: only the confirmed bookings still hold theirs.
    assert db.session.get(ExperienceSession, session.id).seats_taken == confirmed
    assert db.session.scalar(select(func.count(Payment.id))) == confirmed
    assert db.session.get(UnitType, unit(experience, "adult").id) is not None


def test_five_identical_posts_at_once_make_one_hold(pg_app):
    """Five concurrent POSTs with one Idempotency-Key and one body: one hold; each of the
    others is told the first is in flight (409) or gets its answer replayed (201)."""
    import json as _json

    from shop.extensions import limiter
    from shop.templating import LOCAL_TZ

    limiter.reset()
    created = gen_api_key(rate_limit_per_minute=100)
    experience, session = gen_bookable(capacity=10)
    db.session.commit()
    start = session.starts_at
    body = _json.dumps(
        {
            "experience": experience.slug,
            "availability_id": start.astimezone(LOCAL_TZ).isoformat(),
            "units": [{"unit": "adult", "quantity": 2}],
            "guest": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+33612345678"},
        }
    )
    hdrs = {"Authorization": f"Bearer {created.secret}", "Idempotency-Key": "five-at-once"}

    def send(_i: int):
        response = pg_app.test_client().post(
            "/api/v1/bookings", data=body, content_type="application/json", headers=hdrs
        )
        return (
            response.status_code,
            response.get_json(),
            response.headers.get("Idempotent-Replayed"),
        )

    results = run_threads(5, send)
    statuses = sorted(status for status, _body, _replayed in results)
    assert set(statuses) <= {201, 409}, results
    created_ids = {b["id"] for status, b, _r in results if status == 201}
    assert len(created_ids) == 1
    fresh = [r for status, _b, r in results if status == 201 and r is None]
    assert len(fresh) == 1  # one request did the work; any other 201 is a replay
    for status, b, _r in results:
        if status == 409:
            assert b["code"] == "idempotency_key_in_flight"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PartnerBooking.id))) == 1
    assert db.session.get(ExperienceSession, session.id).seats_taken == 2
    # Once finished, the same request is replayed.
    again = send(0)
    assert again[0] == 201
    assert again[2] == "true"
    assert again[1]["id"] in created_ids
