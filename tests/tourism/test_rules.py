"""The pure rules, table by table: cut-off, availability status, refund tiers, local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from shop.tourism.rules import (
    AvailabilityStatus,
    availability_status,
    cutoff_at,
    local,
    parse_rules,
    refund_amount,
    refund_deadlines,
    refund_percent,
    utc_from_local,
)

RULES = [{"hours": 168, "percent": 100}, {"hours": 72, "percent": 50}]
# Friday 11 December 2026, 07:30 in Việt Nam = 00:30 UTC.
START = datetime(2026, 12, 11, 0, 30, tzinfo=UTC)


def test_a_0600_local_session_is_the_previous_day_in_utc():
    starts = utc_from_local(date(2026, 12, 5), time(6, 0))
    assert starts == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    assert local(starts).date().isoformat() == "2026-12-05"


@pytest.mark.parametrize(
    ("starts_at", "days", "at", "expected"),
    [
        # 18:00 local the day before = 11:00 UTC the day before.
        (START, 1, time(18, 0), datetime(2026, 12, 10, 11, 0, tzinfo=UTC)),
        # A 06:00 local session (23:00 UTC the day before): the cut-off is by the local date.
        (
            datetime(2026, 12, 4, 23, 0, tzinfo=UTC),
            1,
            time(18, 0),
            datetime(2026, 12, 4, 11, 0, tzinfo=UTC),
        ),
        # Across a month end: 1 January session, cut-off 31 December 18:00 local.
        (
            datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
            1,
            time(18, 0),
            datetime(2026, 12, 31, 11, 0, tzinfo=UTC),
        ),
        # No time: bookable until the start itself.
        (START, 0, None, START),
        # Two days before, same clock time.
        (START, 2, None, datetime(2026, 12, 9, 0, 30, tzinfo=UTC)),
    ],
)
def test_cutoff(starts_at, days, at, expected):
    assert cutoff_at(starts_at, days, at) == expected


CUTOFF = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
BEFORE = datetime(2026, 12, 10, 10, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "capacity", "taken", "now", "expected"),
    [
        ("open", 20, 0, BEFORE, AvailabilityStatus.AVAILABLE),
        ("open", 20, 15, BEFORE, AvailabilityStatus.AVAILABLE),  # 5 left = 25 %
        ("open", 20, 16, BEFORE, AvailabilityStatus.LIMITED),  # 4 left = 20 %
        ("open", 20, 19, BEFORE, AvailabilityStatus.LIMITED),
        ("open", 20, 20, BEFORE, AvailabilityStatus.SOLD_OUT),
        ("open", 20, 0, CUTOFF, AvailabilityStatus.CLOSED),  # at the cut-off: closed
        ("closed", 20, 0, BEFORE, AvailabilityStatus.CLOSED),
        ("cancelled", 20, 0, BEFORE, AvailabilityStatus.CLOSED),
        ("open", 0, 0, BEFORE, AvailabilityStatus.SOLD_OUT),
    ],
)
def test_availability_status(status, capacity, taken, now, expected):
    got = availability_status(
        status=status, capacity=capacity, seats_taken=taken, cutoff=CUTOFF, now=now
    )
    assert got == expected


@pytest.mark.parametrize(
    ("now", "percent"),
    [
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 100),
        (datetime(2026, 12, 4, 0, 30, tzinfo=UTC), 100),  # exactly 168 h before
        (datetime(2026, 12, 4, 0, 30, 1, tzinfo=UTC), 50),  # one second later
        (datetime(2026, 12, 8, 0, 30, tzinfo=UTC), 50),  # exactly 72 h before
        (datetime(2026, 12, 8, 0, 30, 1, tzinfo=UTC), 0),
        (START, 0),
        (datetime(2026, 12, 12, tzinfo=UTC), 0),  # after the start
    ],
)
def test_refund_percent_by_tier(now, percent):
    assert refund_percent(RULES, START, now) == percent


def test_refund_tiers_in_any_order_and_deadlines_in_time_order():
    shuffled = list(reversed(RULES))
    assert refund_percent(shuffled, START, datetime(2026, 12, 1, tzinfo=UTC)) == 100
    assert refund_deadlines(shuffled, START) == [
        (datetime(2026, 12, 4, 0, 30, tzinfo=UTC), 100),
        (datetime(2026, 12, 8, 0, 30, tzinfo=UTC), 50),
    ]


def test_no_rules_means_no_refund():
    assert refund_percent([], START, datetime(2026, 1, 1, tzinfo=UTC)) == 0


@pytest.mark.parametrize(
    "rules",
    [
        [{"hours": -1, "percent": 50}],
        [{"hours": 10, "percent": 101}],
        [{"hours": 10, "percent": 50.5}],
        [{"hours": True, "percent": 50}],
        [{"hours": 10, "percent": 50}, {"hours": 10, "percent": 20}],
    ],
)
def test_bad_rules_are_refused(rules):
    with pytest.raises(ValueError, match="refund tiers"):
        parse_rules(rules)


@pytest.mark.parametrize(
    ("paid", "percent", "back"),
    [(950_000, 50, 475_000), (333_333, 50, 166_666), (100_001, 100, 100_001), (99, 0, 0)],
)
def test_refund_amount_rounds_down_to_the_dong(paid, percent, back):
    assert refund_amount(paid, percent) == back
