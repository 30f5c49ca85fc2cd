"""Booking under contention on PostgreSQL: N tourists race for the last M seats of one session
through the real pages (experience page → add seats → checkout, paid online with the demo
provider). Exactly M bookings must be placed and the pool must end full, never over."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import requests
from sqlalchemy import create_engine, text

from bench.checkout_race import _csrf, serving, temporary_database

EXPERIENCE = "ban-ven-cao-lan-eco-village-day"


def prepare(url: str, seats: int) -> tuple[int, int]:
    """Seed the demo and give one Bản Ven session two weeks ahead a pool of ``seats``; returns
    the session and the adult unit type."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import Config
    from shop import create_app
    from shop.db import utcnow
    from shop.demo.seed import seed_demo
    from shop.extensions import db
    from shop.templating import local_today
    from shop.tourism.models import Experience, ExperienceSession

    app = create_app(type("RaceConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
        seed_demo(local_today())
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
        ids = session.id, adult.id
        db.engine.dispose()
    return ids


def tourist(base: str, session_id: int, adult_id: int, barrier, results: list, i: int) -> None:
    http = requests.Session()
    try:
        page = http.get(f"{base}/account/login", timeout=30)  # any form gives the token
        http.post(
            f"{base}/cart/add-seats",
            data={
                "csrf_token": _csrf(page.text),
                "session_id": session_id,
                f"unit-{adult_id}": "1",
            },
            allow_redirects=False,
            timeout=30,
        )
        form = http.get(f"{base}/checkout", timeout=30)
        token = _csrf(form.text)
        submission = re.search(r'name="checkout_token"[^>]*value="([^"]+)"', form.text)
    except (requests.RequestException, RuntimeError) as exc:
        barrier.abort()
        results[i] = f"setup error: {exc}"
        return
    data = {
        "csrf_token": token,
        "checkout_token": submission.group(1) if submission else "",
        "email": f"tourist{i}@example.com",
        "phone": "0912345678",
        "recipient_name": f"Du khách {i}",
        "payment_method": "demo",
        "agree": "y",
    }
    barrier.wait()
    started = time.perf_counter()
    response = http.post(f"{base}/checkout", data=data, allow_redirects=False, timeout=60)
    elapsed = time.perf_counter() - started
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/pay/demo/" in location:
        results[i] = ("booked", elapsed)
    elif response.status_code in (302, 409):
        results[i] = ("full", elapsed)
    else:
        results[i] = (f"HTTP {response.status_code}", elapsed)


def run(tourists: int, seats: int, workers: int, server_url: str, port: int) -> dict:
    with temporary_database(server_url) as url:
        session_id, adult_id = prepare(url, seats)
        with serving(url, workers, port) as base:
            results: list = [None] * tourists
            barrier = threading.Barrier(tourists)
            threads = [
                threading.Thread(
                    target=tourist, args=(base, session_id, adult_id, barrier, results, i)
                )
                for i in range(tourists)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
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
    outcomes = [r[0] if isinstance(r, tuple) else str(r) for r in results]
    times = [r[1] for r in results if isinstance(r, tuple)]
    return {
        "tourists": tourists,
        "seats": seats,
        "booked": outcomes.count("booked"),
        "full": outcomes.count("full"),
        "errors": [o for o in outcomes if o not in ("booked", "full")],
        "seats_taken": taken,
        "capacity": capacity,
        "seats_in_bookings": booked,
        "slowest_checkout_s": max(times) if times else None,
    }
