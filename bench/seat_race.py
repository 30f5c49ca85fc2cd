"""Booking under contention on PostgreSQL: N tourists race for the last M seats of one session
through the real pages (experience page → add seats → checkout, paid online with the demo
provider). Exactly M bookings must be placed and the pool must end full, never over."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import create_engine, text

from bench.racing import at_once, checkout_form, csrf, seeded_app, serving, temporary_database

EXPERIENCE = "ban-ven-cao-lan-eco-village-day"


def prepare(url: str, seats: int) -> tuple[int, int]:
    """Seed the demo and give one Bản Ven session two weeks ahead a pool of ``seats``; returns
    the session and the adult unit type."""
    from sqlalchemy import select

    from shop.db import utcnow
    from shop.extensions import db
    from shop.tourism.models import Experience, ExperienceSession

    with seeded_app(url):
        experience = db.session.scalar(select(Experience).where(Experience.slug == EXPERIENCE))
        session = db.session.scalar(
            select(ExperienceSession)
            .where(
                ExperienceSession.experience_id == experience.id,
                ExperienceSession.status == "open",
                ExperienceSession.starts_at > utcnow() + timedelta(days=7),
            )
            .order_by(ExperienceSession.starts_at)
        )
        session.capacity, session.seats_taken = seats, 0
        adult = next(u for u in experience.unit_types if u.code == "adult")
        db.session.commit()
        return session.id, adult.id


def run(tourists: int, seats: int, workers: int, server_url: str, port: int) -> dict:
    with temporary_database(server_url) as url:
        session_id, adult_id = prepare(url, seats)
        with serving(url, workers, port) as base:

            def prepare_tourist(i: int):
                http = requests.Session()
                page = http.get(f"{base}/account/login", timeout=30)  # any form gives the token
                http.post(
                    f"{base}/cart/add-seats",
                    data={
                        "csrf_token": csrf(page.text),
                        "session_id": session_id,
                        f"unit-{adult_id}": "1",
                    },
                    allow_redirects=False,
                    timeout=30,
                )
                data = {
                    **checkout_form(http, base),
                    "email": f"tourist{i}@example.com",
                    "phone": "0912345678",
                    "recipient_name": f"Du khách {i}",
                    "payment_method": "demo",
                    "agree": "y",
                }
                return lambda: http.post(
                    f"{base}/checkout", data=data, allow_redirects=False, timeout=60
                )

            def outcome(response) -> str:
                location = response.headers.get("Location", "")
                if response.status_code == 302 and "/pay/demo/" in location:
                    return "booked"
                if response.status_code in (302, 409):
                    return "full"
                return f"HTTP {response.status_code}"

            result = at_once(tourists, prepare_tourist, outcome)
        check = create_engine(url)
        with check.connect() as conn:
            taken, capacity = conn.execute(
                text("SELECT seats_taken, capacity FROM experience_session WHERE id = :id"),
                {"id": session_id},
            ).one()
            booked = conn.execute(
                text("SELECT coalesce(sum(seats), 0) FROM booking WHERE session_id = :id"),
                {"id": session_id},
            ).scalar()
        check.dispose()
    outcomes = result["outcomes"]
    return {
        "tourists": tourists,
        "seats": seats,
        "booked": outcomes.count("booked"),
        "full": outcomes.count("full"),
        "errors": [o for o in outcomes if o not in ("booked", "full")],
        "seats_taken": taken,
        "capacity": capacity,
        "seats_in_bookings": booked,
        "slowest_checkout_s": result["slowest_checkout_s"],
    }
