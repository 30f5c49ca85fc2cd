"""The public experience pages: listing filters (and hostile values), the month calendar's
statuses and local days, JSON-LD, English pages, and experiences on catalogue pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time

import pytest
import time_machine

from shop.extensions import db
from shop.tourism.rules import utc_from_local
from tests.factories import gen_experience, gen_product, gen_session

# 28 Nov 2026 (the tests' FIXED_TODAY), 10:00 in Việt Nam.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: int, hour: int = 8, minute: int = 0, month: int = 12) -> datetime:
    """A local (Việt Nam) moment of December 2026 (or ``month``), in UTC."""
    from datetime import date

    return utc_from_local(date(2026, month, day), time(hour, minute))


def cell(body: str, day: str) -> str:
    """The calendar cell of ``day`` (YYYY-MM-DD): its class and text."""
    match = re.search(r'<td class="(cal-[a-z_]+)"[^>]*>\s*<a href="[^"]*day=' + day, body)
    return match.group(1) if match else "none"


# --- listing --------------------------------------------------------------------------------


@pytest.fixture
def two_experiences(app):
    cheap = gen_experience(slug="cheap-vi", languages="vi", province="Bắc Ninh")
    dear = gen_experience(slug="dear-en", languages="vi,en", province="Thái Nguyên")
    dear.unit_types[0].price_vnd = 600_000
    gen_session(cheap, starts_at=at(5), capacity=4, seats_taken=1)  # 3 left
    gen_session(dear, starts_at=at(12), capacity=20)
    db.session.commit()
    return cheap, dear


def slugs(body: str) -> list[str]:
    return sorted(set(re.findall(r'href="/experiences/([a-z0-9-]+)"', body)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["cheap-vi", "dear-en"]),
        ("?language=en", ["dear-en"]),
        ("?max_price=300.000", ["cheap-vi"]),
        ("?province=Thái+Nguyên", ["dear-en"]),
        ("?party=3", ["cheap-vi", "dear-en"]),
        ("?party=4", ["dear-en"]),
        ("?from=2026-12-10", ["dear-en"]),
        ("?from=2026-12-01&to=2026-12-06", ["cheap-vi"]),
        ("?to=2026-12-04", []),
        ("?q=trai+nghiem", ["cheap-vi", "dear-en"]),
    ],
)
def test_listing_filters(client, frozen, two_experiences, query, expected):
    response = client.get("/experiences" + query)
    assert response.status_code == 200
    assert slugs(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "?party=²",
        "?party=0",
        "?party=١٢",
        "?max_price=12345678901234567890",
        "?max_price=-5",
        "?from=2026-13-01",
        "?from=²⁰²⁶-12-01",
        "?to=2026-12-01&from=2026-12-20",
        "?language=xx",
        "?province=Atlantis",
        "?from=99999-01-01",
    ],
)
def test_bad_filters_get_a_message_not_a_crash(client, frozen, two_experiences, query):
    response = client.get("/experiences" + query + "&lang=en")
    assert response.status_code == 400
    assert "could not be used" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["?_external=1", "?_anchor=x&slug=y", "?page=²", "?party=%00", "?q=%00", "?lang=xx"]
)
def test_hostile_values_never_500(client, frozen, two_experiences, query):
    assert client.get("/experiences" + query).status_code < 500
    assert client.get("/experiences/cheap-vi" + query).status_code < 500


# --- the calendar ---------------------------------------------------------------------------


@pytest.fixture
def calendar_experience(app):
    experience = gen_experience(slug="ban-ven-day")
    gen_session(experience, starts_at=at(10), capacity=20, seats_taken=0)  # AVAILABLE
    gen_session(experience, starts_at=at(11), capacity=20, seats_taken=16)  # 4 left: LIMITED
    gen_session(experience, starts_at=at(12), capacity=20, seats_taken=15)  # 5 left: AVAILABLE
    gen_session(experience, starts_at=at(13), capacity=20, seats_taken=20)  # SOLD_OUT
    gen_session(
        experience, starts_at=at(14), status="cancelled", cancel_reason="Mưa lớn / heavy rain"
    )
    gen_session(experience, starts_at=at(15), status="closed")
    # Tomorrow at 08:00: the cut-off is 18:00 today.
    gen_session(experience, starts_at=at(29, month=11))
    # 06:00 local on the 20th is 23:00 UTC on the 19th.
    gen_session(experience, starts_at=at(20, hour=6))
    db.session.commit()
    return experience


def test_calendar_statuses_in_colour_and_words(client, calendar_experience):
    with time_machine.travel(NOW, tick=False):
        body = client.get("/experiences/ban-ven-day?month=2026-12&lang=en").get_data(as_text=True)
    assert cell(body, "2026-12-10") == "cal-available"
    assert cell(body, "2026-12-11") == "cal-limited"
    assert cell(body, "2026-12-12") == "cal-available"
    assert cell(body, "2026-12-13") == "cal-sold_out"
    assert cell(body, "2026-12-14") == "cal-closed"
    assert cell(body, "2026-12-15") == "cal-closed"
    assert cell(body, "2026-12-16") == "none"
    for words in ("Available", "Limited", "Sold out", "Closed"):
        assert f'<span class="cal-long">{words}</span>' in body
    assert '<th scope="col" abbr="Monday">Mon</th>' in body


def test_cutoff_closes_tomorrows_session_at_18_local(client, calendar_experience):
    before = datetime(2026, 11, 28, 10, 59, tzinfo=UTC)  # 17:59 local
    after = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)  # 18:00 local
    with time_machine.travel(before, tick=False):
        body = client.get("/experiences/ban-ven-day?month=2026-11").get_data(as_text=True)
    assert cell(body, "2026-11-29") == "cal-available"
    with time_machine.travel(after, tick=False):
        body = client.get("/experiences/ban-ven-day?month=2026-11").get_data(as_text=True)
    assert cell(body, "2026-11-29") == "cal-closed"


def test_a_0600_local_session_shows_on_its_local_day(client, frozen, calendar_experience):
    body = client.get("/experiences/ban-ven-day?month=2026-12").get_data(as_text=True)
    assert cell(body, "2026-12-20") == "cal-available"
    assert cell(body, "2026-12-19") == "none"
    day = client.get("/experiences/ban-ven-day?day=2026-12-20&lang=en").get_data(as_text=True)
    assert "Starts 06:00" in day


def test_day_lists_sessions_with_a_seats_form(client, frozen, calendar_experience):
    body = client.get("/experiences/ban-ven-day?month=2026-12&day=2026-12-11&lang=en")
    body = body.get_data(as_text=True)
    assert "Starts 08:00" in body
    assert "4 seats left" in body
    form = re.search(
        r'<form class="seats-form" method="post" action="([^"]+)">(.*?)</form>', body, re.S
    )
    assert form
    assert form.group(1) == "/cart/add-seats"
    assert 'name="csrf_token"' in form.group(2)
    assert re.search(r'name="session_id" value="\d+"', form.group(2))
    units = re.findall(r'name="unit-(\d+)" value="0"', form.group(2))
    assert len(units) == 3
    sold_out = client.get("/experiences/ban-ven-day?day=2026-12-13").get_data(as_text=True)
    assert "seats-form" not in sold_out
    cancelled = client.get("/experiences/ban-ven-day?day=2026-12-14").get_data(as_text=True)
    assert "heavy rain" in cancelled
    assert "seats-form" not in cancelled


@pytest.mark.parametrize(
    "query", ["?month=²⁰²⁶-12", "?month=2026-13", "?day=2026-02-30", "?day=%00", "?month=1-1"]
)
def test_bad_month_or_day_shows_this_month_with_a_note(client, frozen, calendar_experience, query):
    response = client.get("/experiences/ban-ven-day" + query + "&lang=en")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "could not be read" in response.get_data(as_text=True)


def test_month_links_move_a_month(client, frozen, calendar_experience):
    body = client.get("/experiences/ban-ven-day?month=2026-12").get_data(as_text=True)
    assert "month=2026-11#calendar" in body
    assert "month=2027-01#calendar" in body


# --- structured data, languages ------------------------------------------------------------


def test_jsonld_is_a_tourist_trip_with_offers_and_events(client, frozen, calendar_experience):
    body = client.get("/experiences/ban-ven-day").get_data(as_text=True)
    script = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', body)
    data = json.loads(script.group(1))
    assert data["@type"] == "TouristTrip"
    assert {offer["priceCurrency"] for offer in data["offers"]} == {"VND"}
    assert sorted(int(offer["price"]) for offer in data["offers"]) == [150000, 300000, 900000]
    events = data["subEvent"]
    assert events
    assert all(event["@type"] == "Event" for event in events)
    assert events[0]["startDate"].endswith("+07:00")


def test_english_page_is_in_english(client, frozen, calendar_experience):
    body = client.get("/experiences/ban-ven-day?lang=en&month=2026-12").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Experience " in body  # the English name
    assert "Full refund until 7 days before; 50 % until 3 days before; nothing after." in body
    assert "Book by 18:00 the day before." in body
    vi = client.get("/experiences/ban-ven-day?lang=vi&month=2026-12").get_data(as_text=True)
    assert '<html lang="vi">' in vi
    assert "Trải nghiệm " in vi


def test_unknown_experience_is_404(client):
    assert client.get("/experiences/nothing-here").status_code == 404


# --- on catalogue pages ---------------------------------------------------------------------


def test_product_page_offers_a_visit_where_it_is_made(client, frozen, calendar_experience):
    product = gen_product(producer=calendar_experience.producer)
    db.session.commit()
    body = client.get(f"/products/{product.slug}?lang=en").get_data(as_text=True)
    assert "Visit where it is made" in body
    assert "/experiences/ban-ven-day" in body
    assert "Next open:" in body


def test_experience_page_offers_goods_made_here(client, frozen, calendar_experience):
    product = gen_product(producer=calendar_experience.producer, stock=5)
    gen_product(producer=calendar_experience.producer, stock=0, slug="sold-out-thing")
    db.session.commit()
    body = client.get("/experiences/ban-ven-day?lang=en").get_data(as_text=True)
    assert "Goods made here" in body
    assert f"/products/{product.slug}" in body
    assert "/products/sold-out-thing" not in body
    assert 'action="/cart/add"' in body


def test_sitemap_lists_experiences_with_hreflang(client, calendar_experience):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/experiences/ban-ven-day?lang=vi" in body
    assert re.search(r'hreflang="en" href="[^"]*/experiences/ban-ven-day\?lang=en"', body), (
        "English alternate"
    )


def test_the_listing_pages_by_24_and_keeps_its_filters(client, app):
    from shop.tourism.queries import PER_PAGE

    for _ in range(PER_PAGE + 1):
        gen_experience(languages="vi,en")
    db.session.commit()
    first = client.get("/experiences?lang=en&language=en").get_data(as_text=True)
    assert f"{PER_PAGE + 1} experiences" in first
    assert "Page 1 of 2" in first
    assert 'href="/experiences?lang=en&amp;language=en&amp;page=2"' in first
    second = client.get("/experiences?lang=en&language=en&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert client.get("/experiences?page=%C2%B2").status_code == 200  # ² is page 1
