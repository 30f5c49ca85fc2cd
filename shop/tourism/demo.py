"""The demo experiences: an idempotent seed of ``shop/demo/experiences.toml`` (upsert by slug,
certificate number and session start).

Sessions are made from each experience's schedule (a python-dateutil ``rrule``) over the 60 days
after the seeding date, in local time, stored in UTC. A session that exists already is left as
it is (its seats may have been booked since), so a second run changes nothing and a run on a
later day only adds the days that came into the window.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from dateutil.rrule import DAILY, WEEKLY, rrule, weekday
from dateutil.rrule import weekdays as rrule_weekdays
from sqlalchemy import select

from shop.catalog.models import Category, OcopCertificate, Producer
from shop.demo.loader import Record, load_demo_data
from shop.extensions import db
from shop.tourism.models import (
    Experience,
    ExperienceSession,
    PriceTier,
    SessionStatus,
    UnitType,
)
from shop.tourism.rules import utc_from_local

log = logging.getLogger(__name__)

DEMO_DAYS = 60
_WEEKDAYS: dict[str, weekday] = {day.__repr__(): day for day in rrule_weekdays}


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def session_starts(schedule: Record, today: date, days: int = DEMO_DAYS) -> list[datetime]:
    """Local start moments (naive, Việt Nam's time) of the schedule's sessions from the day
    after ``today`` through ``days`` days later."""
    first = datetime.combine(today + timedelta(days=1), time(0, 0))
    until = datetime.combine(today + timedelta(days=days), time(23, 59))
    weekdays = [_WEEKDAYS[code] for code in schedule["days"]]
    clocks = [_clock(text) for text in schedule["times"]]
    rule = rrule(
        WEEKLY if weekdays else DAILY,
        dtstart=first,
        until=until,
        byweekday=weekdays or None,
        byhour=sorted({c.hour for c in clocks}),
        byminute=sorted({c.minute for c in clocks}),
        bysecond=0,
    )
    wanted = {(c.hour, c.minute) for c in clocks}
    return [moment for moment in rule if (moment.hour, moment.minute) in wanted]


def _upsert_experience(data: Record, producer: Producer, category: Category) -> Experience:
    experience = db.session.scalar(select(Experience).where(Experience.slug == data["slug"]))
    if experience is None:
        experience = Experience(slug=data["slug"])
        db.session.add(experience)
    days_before, cutoff_time = data["cutoff"]
    plain = {
        key: data[key]
        for key in (
            "name_vi",
            "name_en",
            "summary_vi",
            "summary_en",
            "meeting_point_vi",
            "meeting_point_en",
            "meeting_lat",
            "meeting_lng",
            "directions_vi",
            "directions_en",
            "duration_minutes",
            "languages",
            "included_vi",
            "included_en",
            "difficulty",
            "min_age",
            "availability_kind",
            "overnight",
            "cancellation_rules",
        )
    }
    texts = {
        key: data[key] or ""
        for key in (
            "excluded_vi",
            "bring_vi",
            "accessibility_vi",
            "food_notes_vi",
        )
    }
    optional = {key: data[key] for key in ("excluded_en", "bring_en", "accessibility_en")}
    for name, value in {**plain, **texts, **optional}.items():
        setattr(experience, name, value)
    experience.food_notes_en = data["food_notes_en"]
    experience.producer = producer
    experience.category = category
    experience.itinerary = [dict(step) for step in data["itinerary"]]
    experience.cutoff_days_before = days_before
    experience.cutoff_time = _clock(cutoff_time) if cutoff_time else None
    experience.province = producer.province
    experience.commune = producer.commune
    experience.province_code = producer.province_code
    experience.commune_code = producer.commune_code
    experience.image = f"img/experiences/{data['slug']}.svg"
    experience.active = True
    return experience


def _seed_units(experience: Experience, units: list[Record]) -> None:
    by_code = {unit.code: unit for unit in experience.unit_types}
    for position, data in enumerate(units):
        unit = by_code.get(data["code"])
        if unit is None:
            unit = UnitType(code=data["code"])
            experience.unit_types.append(unit)
        unit.name_vi = data["name_vi"]
        unit.name_en = data["name_en"]
        unit.age_min = data["age_min"]
        unit.age_max = data["age_max"]
        unit.seats = data["seats"] or 1
        unit.price_vnd = data["price_vnd"]
        unit.vat_rate = 8  # tourism services: 8 % (the reduced rate of 2025–26)
        unit.min_per_booking = data["min"] or 0
        unit.max_per_booking = data["max"]
        unit.position = position
        tiers = {tier.min_quantity: tier for tier in unit.tiers}
        for min_quantity, price in data["tiers"] or []:
            tier = tiers.get(min_quantity)
            if tier is None:
                unit.tiers.append(PriceTier(min_quantity=min_quantity, price_vnd=price))
            else:
                tier.price_vnd = price


def _seed_certificate(experience: Experience, data: Record | None) -> None:
    if data is None:
        return
    found = db.session.scalar(
        select(OcopCertificate.id).where(OcopCertificate.certificate_number == data["number"])
    )
    if found is None:
        db.session.add(
            OcopCertificate.issue(
                experience_id=experience.id,
                certificate_number=data["number"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                authority=data["authority"],
                authority_name=data["authority_name"],
                criteria_version=data["criteria_version"],
                evaluation_round=data["evaluation_round"],
                score=data["score"],
            )
        )


def _seed_sessions(experience: Experience, data: Record, today: date) -> int:
    """Add the schedule's missing sessions; returns how many were added."""
    schedule = data["schedule"]
    starts = [
        utc_from_local(moment.date(), moment.time()) for moment in session_starts(schedule, today)
    ]
    if not starts:
        return 0
    existing = set(
        db.session.scalars(
            select(ExperienceSession.starts_at).where(
                ExperienceSession.experience_id == experience.id,
                ExperienceSession.starts_at >= starts[0],
            )
        )
    )
    existing = {moment.replace(tzinfo=None) for moment in existing}
    length = timedelta(hours=schedule["hours"])
    capacity = schedule["capacity"]
    nearly_full = set(schedule["nearly_full"] or ())
    sold_out = set(schedule["sold_out"] or ())
    added = 0
    for number, starts_at in enumerate(start for start in starts):
        if starts_at.replace(tzinfo=None) in existing:
            continue
        session = ExperienceSession(
            experience_id=experience.id,
            starts_at=starts_at,
            ends_at=starts_at + length,
            capacity=capacity,
            seats_taken=0,
            status=SessionStatus.OPEN,
        )
        if number in sold_out:
            session.seats_taken = capacity
        elif number in nearly_full:  # at most a fifth left: LIMITED
            session.seats_taken = capacity - max(1, capacity // 8)
        elif number % 3 == 1:  # a few bookings already
            session.seats_taken = capacity // 3
        if number == schedule["cancelled"]:
            session.status = SessionStatus.CANCELLED
            session.cancel_reason = data["cancel_reason"]
            session.seats_taken = 0
        db.session.add(session)
        added += 1
    return added


def seed_experiences(
    producers: dict[str, Producer], categories: dict[str, Category], today: date
) -> tuple[int, int]:
    """Create or update the demo experiences and add their sessions for the 60 days after
    ``today``; returns (experiences, sessions added)."""
    experiences = 0
    sessions = 0
    for data in load_demo_data().experiences:
        experience = _upsert_experience(
            data, producers[data["producer"]], categories[data["category"]]
        )
        _seed_units(experience, data["units"])
        db.session.flush()
        _seed_certificate(experience, data["certificate"])
        sessions += _seed_sessions(experience, data, today)
        experience.refresh_search_text()
        experiences += 1
    db.session.flush()
    log.info("demo experiences: %d experiences, %d new sessions", experiences, sessions)
    return experiences, sessions
