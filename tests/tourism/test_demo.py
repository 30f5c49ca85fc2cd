"""The demo seed brings the experiences of the demo catalogue with their sessions, idempotently,
and the shop's search finds them without accents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from shop.catalog.models import OcopCertificate
from shop.demo.seed import demo_is_missing, seed_demo
from shop.extensions import db
from shop.tourism.models import Experience, ExperienceSession, SessionStatus
from tests.conftest import DEMO_TODAY

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def seeded(app):
    with time_machine.travel(NOW, tick=False):
        counts = seed_demo(DEMO_TODAY)
        db.session.commit()
        yield counts


def test_seed_brings_experiences_and_sessions(seeded):
    assert seeded["experiences"] == 5
    experiences = {e.slug: e for e in db.session.scalars(select(Experience))}
    assert {
        "ban-ven-cao-lan-eco-village-day",
        "ban-ven-stilt-house-homestay",
        "luc-ngan-lychee-garden-day",
        "bau-tien-lake-day",
        "tho-ha-pottery-van-village-wine",
    } == set(experiences)
    assert experiences["ban-ven-stilt-house-homestay"].overnight
    assert experiences["luc-ngan-lychee-garden-day"].availability_kind == "opening_hours"
    assert experiences["tho-ha-pottery-van-village-wine"].min_age == 6
    assert all(e.search_text.strip() for e in experiences.values())
    sessions = list(db.session.scalars(select(ExperienceSession)))
    assert len(sessions) == seeded["sessions"] > 100
    cancelled = [s for s in sessions if s.status == SessionStatus.CANCELLED]
    assert len(cancelled) == 2
    assert all(s.cancel_reason for s in cancelled)
    assert any(s.seats_taken == s.capacity for s in sessions)  # sold out
    assert any(0 < s.capacity - s.seats_taken <= s.capacity * 0.2 for s in sessions)  # limited
    first = min(s.starts_at for s in sessions).replace(tzinfo=UTC)
    last = max(s.starts_at for s in sessions).replace(tzinfo=UTC)
    assert first > NOW
    assert (last - NOW).days <= 60
    certified = db.session.scalars(
        select(OcopCertificate).where(OcopCertificate.experience_id.is_not(None))
    ).all()
    assert sorted(c.stars for c in certified) == [3, 3]
    assert all(c.product_id is None for c in certified)
    assert not demo_is_missing()


def test_seed_twice_changes_nothing(seeded):
    before = db.session.scalar(select(func.count(ExperienceSession.id)))
    with time_machine.travel(NOW, tick=False):
        again = seed_demo(DEMO_TODAY)
        db.session.commit()
    assert again["sessions"] == 0
    assert db.session.scalar(select(func.count(ExperienceSession.id))) == before
    assert db.session.scalar(select(func.count(Experience.id))) == 5


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("ban ven", "ban-ven-cao-lan-eco-village-day"),
        ("vuon vai", "luc-ngan-lychee-garden-day"),
        ("du lich", "bau-tien-lake-day"),
        ("BẢN VEN homestay", "ban-ven-stilt-house-homestay"),
        ("gom tho ha", "tho-ha-pottery-van-village-wine"),
    ],
)
def test_search_finds_experiences_without_accents(client, seeded, query, slug):
    body = client.get("/products", query_string={"q": query}).get_data(as_text=True)
    assert f'href="/experiences/{slug}"' in body


def test_home_tile_of_community_tourism_leads_to_experiences(client, seeded):
    body = client.get("/?lang=en").get_data(as_text=True)
    assert '<a href="/experiences">Community &amp; eco-tourism</a>' in body
    assert "group=du-lich-cong-dong" not in body
    assert 'href="/experiences/ban-ven-cao-lan-eco-village-day"' in body


def test_seed_demo_if_empty_adds_experiences_to_an_older_demo(app, runner):
    from shop.catalog.demo import seed_demo as seed_catalogue

    seed_catalogue(DEMO_TODAY)
    db.session.commit()
    assert demo_is_missing()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "5 experiences" in result.output
    assert db.session.scalar(select(func.count(Experience.id))) == 5
