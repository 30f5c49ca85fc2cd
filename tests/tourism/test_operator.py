"""The operator's session services: local time stored as UTC, weekly rules around month ends,
capacity never below the seats taken, close / reopen / cancel as compare-and-sets, and the
scheduled guest-data purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.tourism import operator
from shop.tourism.errors import CapacityBelowTaken, SessionRefused, SessionStateRefused
from shop.tourism.models import Booking, BookingStatus, ExperienceSession, Guest
from shop.tourism.rules import local
from tests.tourism.factories import NOW, gen_booking, gen_experience, gen_session


def sessions_of(experience) -> list[ExperienceSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ExperienceSession)
            .where(ExperienceSession.experience_id == experience.id)
            .order_by(ExperienceSession.starts_at)
        )
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_six_oclock_session_starts_the_previous_day_in_utc(app):
    experience = gen_experience(duration_minutes=480)
    created = operator.create_session(
        experience, day=date(2026, 12, 5), start=time(6, 0), capacity=20, now=NOW
    )
    assert created.starts_at.replace(tzinfo=UTC) == utc(2026, 12, 4, 23, 0)
    assert created.ends_at.replace(tzinfo=UTC) == utc(2026, 12, 5, 7, 0)
    assert local(created.starts_at).strftime("%d %H:%M") == "05 06:00"
    assert (created.capacity, created.seats_taken, created.status) == (20, 0, "open")


def test_opening_hours_sessions_need_a_closing_time_after_the_opening(app):
    garden = gen_experience(availability_kind="opening_hours", duration_minutes=240)
    created = operator.create_session(
        garden, day=date(2027, 6, 10), start=time(7, 0), end=time(17, 30), capacity=50, now=NOW
    )
    assert local(created.ends_at).strftime("%H:%M") == "17:30"
    for end in (None, time(6, 0)):
        with pytest.raises(SessionRefused) as refused:
            operator.create_session(
                garden, day=date(2027, 6, 11), start=time(7, 0), end=end, capacity=5, now=NOW
            )
        assert refused.value.details["reason"] == "bad_times"


def test_a_session_cannot_be_made_twice_or_in_the_past(app):
    experience = gen_experience()
    operator.create_session(experience, day=date(2026, 12, 5), start=time(6), capacity=9, now=NOW)
    with pytest.raises(SessionRefused) as twice:
        operator.create_session(
            experience, day=date(2026, 12, 5), start=time(6), capacity=30, now=NOW
        )
    assert twice.value.details["reason"] == "exists"
    with pytest.raises(SessionRefused) as past:
        operator.create_session(
            experience, day=date(2026, 11, 28), start=time(9), capacity=9, now=NOW
        )
    assert past.value.details["reason"] == "past"
    assert len(sessions_of(experience)) == 1


@pytest.mark.parametrize(
    ("weekdays", "first", "last", "expected"),
    [
        # Every day across the end of January: 29, 30, 31, then 1 and 2 February.
        (
            list(range(7)),
            date(2027, 1, 29),
            date(2027, 2, 2),
            ["2027-01-29", "2027-01-30", "2027-01-31", "2027-02-01", "2027-02-02"],
        ),
        # Saturdays and Sundays across the end of February (2027 is not a leap year).
        (
            [5, 6],
            date(2027, 2, 20),
            date(2027, 3, 7),
            ["2027-02-20", "2027-02-21", "2027-02-27", "2027-02-28", "2027-03-06", "2027-03-07"],
        ),
        # Mondays of a 30-day month's end into the next; both ends included.
        ([0], date(2027, 4, 26), date(2027, 5, 3), ["2027-04-26", "2027-05-03"]),
    ],
)
def test_weekly_rules_around_month_ends(app, weekdays, first, last, expected):
    experience = gen_experience()
    result = operator.create_recurring_sessions(
        experience,
        weekdays=weekdays,
        first_day=first,
        last_day=last,
        start=time(6, 0),
        capacity=12,
        now=NOW,
    )
    made = sessions_of(experience)
    assert result.created == len(expected)
    assert [local(s.starts_at).date().isoformat() for s in made] == expected
    # 06:00 local is 23:00 UTC the day before, every time (Việt Nam has no summer time).
    assert {s.starts_at.replace(tzinfo=UTC).strftime("%H:%M") for s in made} == {"23:00"}
    assert all(
        s.starts_at.replace(tzinfo=UTC).date() == date.fromisoformat(d) - timedelta(days=1)
        for s, d in zip(made, expected, strict=True)
    )


def test_a_rule_skips_sessions_that_exist_or_have_passed(app):
    experience = gen_experience()
    gen_session(experience, day=date(2026, 12, 5), at=time(6, 0), capacity=3)
    result = operator.create_recurring_sessions(
        experience,
        weekdays=[5],  # Saturdays: 28 Nov (today, 06:00 passed at NOW=10:00 local), 5, 12 Dec
        first_day=date(2026, 11, 28),
        last_day=date(2026, 12, 12),
        start=time(6, 0),
        capacity=20,
        now=NOW,
    )
    assert (result.created, result.skipped) == (1, 2)
    made = sessions_of(experience)
    assert [(local(s.starts_at).day, s.capacity) for s in made] == [(5, 3), (12, 20)]


@pytest.mark.parametrize(
    ("weekdays", "first", "last", "reason"),
    [
        ([], date(2027, 1, 1), date(2027, 1, 31), "no_days"),
        ([1], date(2027, 2, 1), date(2027, 1, 1), "bad_dates"),
        ([1], date(2027, 1, 1), date(2028, 1, 2), "too_long"),
    ],
)
def test_rules_refused(app, weekdays, first, last, reason):
    with pytest.raises(SessionRefused) as refused:
        operator.create_recurring_sessions(
            gen_experience(),
            weekdays=weekdays,
            first_day=first,
            last_day=last,
            start=time(8),
            capacity=5,
            now=NOW,
        )
    assert refused.value.details["reason"] == reason


def test_capacity_never_below_the_seats_taken(app):
    session = gen_session(gen_experience(), capacity=10)
    gen_booking(session, {"adult": 4, "child": 2})  # 6 seats
    operator.change_capacity(session, 6)
    assert (session.capacity, session.seats_taken) == (6, 6)
    with pytest.raises(CapacityBelowTaken) as below:
        operator.change_capacity(session, 5)
    assert below.value.details["seats_taken"] == 6
    db.session.expire_all()
    assert db.session.get(ExperienceSession, session.id).capacity == 6
    operator.change_capacity(session, 40)
    assert session.capacity == 40


def test_close_reopen_and_cancel_once(app):
    session = gen_session(gen_experience())
    operator.close_sales(session)
    assert session.status == "closed"
    with pytest.raises(SessionStateRefused):
        operator.close_sales(session)
    operator.reopen_sales(session, NOW)
    assert session.status == "open"
    with pytest.raises(SessionRefused):
        operator.cancel_session(session, reason="   ", now=NOW)
    operator.cancel_session(session, reason="Mưa lớn, đường rừng đóng", now=NOW)
    assert (session.status, session.cancel_reason) == ("cancelled", "Mưa lớn, đường rừng đóng")
    for change in (
        lambda: operator.cancel_session(session, reason="again", now=NOW),
        lambda: operator.reopen_sales(session, NOW),
        lambda: operator.change_capacity(session, 5),
    ):
        with pytest.raises(SessionStateRefused):
            change()
    assert session.cancel_reason == "Mưa lớn, đường rừng đóng"


def test_a_started_session_cannot_be_cancelled_or_reopened(app):
    session = gen_session(gen_experience(), status="closed")
    started = session.starts_at.replace(tzinfo=UTC) + timedelta(minutes=1)
    with pytest.raises(SessionStateRefused):
        operator.cancel_session(session, reason="late", now=started)
    with pytest.raises(SessionStateRefused):
        operator.reopen_sales(session, started)


def test_bookings_to_refund_are_the_held_and_confirmed_ones(app):
    session = gen_session(gen_experience())
    confirmed = gen_booking(session)
    held = gen_booking(session, status=BookingStatus.HELD)
    gen_booking(session, status=BookingStatus.CANCELLED)
    assert operator.bookings_to_refund(session.id) == [confirmed.id, held.id]


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        ("ABCDE23456", "ABCDE23456"),
        (" abcde-23456 ", "ABCDE23456"),
        ("https://ocop.example/tickets/ABCDE23456", "ABCDE23456"),
        ("http://127.0.0.1:5000/tickets/ABCDE23456.pdf?lang=en", "ABCDE23456"),
        ("", ""),
    ],
)
def test_ticket_code_from_a_typed_code_or_a_scanned_address(scanned, code):
    assert operator.ticket_code_from(scanned) == code


def test_guest_purge_job_erases_passport_data_30_days_after_the_stay(app):
    from shop.jobs import purge_guest_data

    stay = gen_experience(overnight=True, duration_minutes=24 * 60)
    session = gen_session(stay, day=date(2026, 10, 20), at=time(14, 0))
    booking = gen_booking(
        session,
        {"adult": 1},
        guests=[
            {
                "full_name": "Anna Schmidt",
                "nationality": "DE",
                "date_of_birth": date(1990, 4, 2),
                "passport_number": "C01X00T47",
            }
        ],
    )
    later = gen_booking(gen_session(stay, day=date(2026, 11, 20), at=time(14, 0)), {"adult": 1})
    db.session.add(
        Guest(
            booking_id=later.id,
            full_name="John Smith",
            nationality="GB",
            date_of_birth=date(1985, 1, 1),
            passport_number="123456789",
            consent_at=NOW,
        )
    )
    db.session.commit()
    purge_guest_data.call_local()  # the scheduled job (runs once per day tick)
    db.session.expire_all()
    names = db.session.scalars(select(Guest.full_name)).all()
    assert names == ["John Smith"]  # the stay that ended 21 Oct is over 30 days ago
    assert db.session.get(Booking, booking.id).guests_purged_at is not None
    assert db.session.get(Booking, later.id).guests_purged_at is None
    assert db.session.scalar(select(func.count(Guest.id))) == 1
