"""Builders for the partner API's tests: a key (and its secret), a session to hold, a hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop.partners.bookings import HoldRequest, hold
from shop.partners.keys import NewKey, create_key
from tests.factories import gen_experience, gen_session, order_rules, unit

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def gen_api_key(*, rate_limit_per_minute: int = 60, created_by_id=None, **fields) -> NewKey:
    now = fields.pop("now", NOW)
    values = {
        "name": "Website",
        "partner_name": "Du lịch Xanh",
        "contact_email": "api@dulichxanh.example",
        **fields,
    }
    return create_key(
        rate_limit_per_minute=rate_limit_per_minute,
        created_by_id=created_by_id,
        now=now,
        **values,
    )


def gen_bookable(*, capacity: int = 20, seats_taken: int = 0, days: int = 20):
    """An experience (adult 300k, child 150k, family of 4) with one open session ``days``
    after ``NOW``."""
    experience = gen_experience()
    session = gen_session(
        experience, starts_at=NOW + timedelta(days=days), capacity=capacity, seats_taken=seats_taken
    )
    return experience, session


def hold_request(experience, session, *, adults: int = 2, children: int = 0, **fields):
    units = {unit(experience, "adult").id: adults}
    if children:
        units[unit(experience, "child").id] = children
    values = {
        "session_id": session.id,
        "units": units,
        "lead_name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "+447700900123",
        "locale": "en",
        **fields,
    }
    return HoldRequest(**values)


def gen_hold(api_key, experience, session, *, now=NOW, **fields):
    return hold(api_key, hold_request(experience, session, **fields), rules=order_rules(), now=now)
