"""The pure rules of experiences: local time, booking cut-off, availability status, refund
tiers and unit prices. No database here, so they are tested table by table with a frozen clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A session with at most this share of its seats left shows as LIMITED (OCTO's word).
LIMITED_SHARE = 0.20


class AvailabilityStatus(StrEnum):
    """OCTO's availability statuses, as the calendar and the API show them."""

    AVAILABLE = "AVAILABLE"
    LIMITED = "LIMITED"
    SOLD_OUT = "SOLD_OUT"
    CLOSED = "CLOSED"


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment in Việt Nam's time."""
    return aware(moment).astimezone(LOCAL_TZ)


def utc_from_local(day: date, at: time) -> datetime:
    """The UTC moment of a local date and time (06:00 on the 5th is 23:00 on the 4th in UTC)."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def cutoff_at(starts_at: datetime, days_before: int, at: time | None) -> datetime:
    """When bookings for a session starting at ``starts_at`` close: ``days_before`` days before
    its local date at local time ``at``; with no time, ``days_before`` days before the start
    itself (0 days: at the start)."""
    start = local(starts_at)
    if at is None:
        return (start - timedelta(days=days_before)).astimezone(UTC)
    return utc_from_local(start.date() - timedelta(days=days_before), at)


def availability_status(
    *, status: str, capacity: int, seats_taken: int, cutoff: datetime, now: datetime
) -> AvailabilityStatus:
    """CLOSED when the session is not open or its cut-off has passed; SOLD_OUT with no seat
    left; LIMITED with at most a fifth of the pool left; AVAILABLE otherwise."""
    if status != "open" or aware(now) >= aware(cutoff):
        return AvailabilityStatus.CLOSED
    left = capacity - seats_taken
    if left <= 0:
        return AvailabilityStatus.SOLD_OUT
    if left <= capacity * LIMITED_SHARE:
        return AvailabilityStatus.LIMITED
    return AvailabilityStatus.AVAILABLE


@dataclass(frozen=True)
class RefundTier:
    """From ``hours`` before the start onward (and until the next tier), ``percent`` back."""

    hours: int
    percent: int

    @property
    def as_json(self) -> dict:
        return {"hours": self.hours, "percent": self.percent}


def parse_rules(rules: list | None) -> list[RefundTier]:
    """Refund tiers from their stored form, most generous (earliest) first. Refuses tiers that
    are not whole hours ≥ 0 and percentages 0–100."""
    tiers = []
    for item in rules or []:
        hours, percent = item["hours"], item["percent"]
        for value in (hours, percent):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("refund tiers need whole numbers")
        if hours < 0 or not 0 <= percent <= 100:
            raise ValueError("refund tiers need hours ≥ 0 and 0–100 %")
        tiers.append(RefundTier(hours, percent))
    tiers.sort(key=lambda tier: -tier.hours)
    if len({tier.hours for tier in tiers}) != len(tiers):
        raise ValueError("two refund tiers start at the same hour")
    return tiers


def refund_percent(rules: list | None, starts_at: datetime, now: datetime) -> int:
    """The share of the price refunded when cancelling at ``now``: the first tier whose
    deadline (``hours`` before the start) has not passed; 0 once every deadline has."""
    remaining = aware(starts_at) - aware(now)
    for tier in parse_rules(rules):
        if remaining >= timedelta(hours=tier.hours):
            return tier.percent
    return 0


def refund_deadlines(rules: list | None, starts_at: datetime) -> list[tuple[datetime, int]]:
    """Each tier as (the last moment it applies, UTC; percent), in time order — what the
    booking page spells out: "100 % back until Fri 18:00; 50 % until …; nothing after"."""
    return [
        (aware(starts_at) - timedelta(hours=tier.hours), tier.percent)
        for tier in parse_rules(rules)
    ]


def refund_amount(paid_vnd: int, percent: int) -> int:
    """``percent`` of ``paid_vnd`` in whole đồng, rounded down (never more than the rules)."""
    return paid_vnd * percent // 100
