"""The JSON API v1: endpoints, the listing's filters, cursor pages, ETags, problem details and
hostile input. The demo catalogue (``demo`` fixture) gives them real data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.catalog.models import Product
from shop.extensions import db, limiter
from shop.orders.models import Order
from shop.tourism.models import Experience
from tests.conftest import DEMO_TODAY
from tests.factories import gen_experience, gen_order, gen_product, gen_session

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "code", "detail"} <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    return body


def _walk(client, url: str, limits) -> list[dict]:
    """Every item of a cursor-paginated listing, the page size changing from page to page."""
    items, cursor, pages = [], None, 0
    while True:
        limit = limits[pages % len(limits)]
        sep = "&" if "?" in url else "?"
        page_url = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(page_url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            return items
        assert pages < 200


# --- products ---------------------------------------------------------------------------------


def test_products_list_the_demo_catalogue_with_money_stars_and_absolute_images(client, demo):
    response = client.get("/api/v1/products?limit=100")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    visible = db.session.scalars(select(Product).where(Product.active.is_(True))).all()
    assert len(body["items"]) == len(visible) == 19
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert item["price"]["currency"] == "VND"
    assert isinstance(item["price"]["amount"], int)
    assert item["images"][0]["url"].startswith("http://127.0.0.1:5000/")
    assert item["url"] == f"http://127.0.0.1:5000/products/{item['slug']}"
    assert datetime.fromisoformat(item["updated_at"]).utcoffset() == timedelta(0)
    # Stars only from a certificate in force: expired ones and the uncertified product show none.
    stars = {i["slug"]: i["stars"] for i in body["items"]}
    assert any(s is None for s in stars.values())
    assert any(s in (3, 4, 5) for s in stars.values())
    # No cookie, no session.
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=price_asc",
        "sort=price_desc",
        "sort=stars",
        "sort=newest",
        "q=vai",
        "q=mat ong",
        "certified=1",
        "stars=4&stars=5",
        "in_season=1",
        "exclude_adult=1&sort=price_asc",
        "min_price=50000&max_price=300000&sort=stars",
    ],
)
def test_cursor_walk_matches_the_listing_with_no_duplicate_nor_gap(client, app, demo, query):
    """Whatever the filters and order and the page size, walking the cursor pages gives the
    listing's own products in the listing's own order."""
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    from shop.catalog.forms import parse_listing_args
    from shop.catalog.reads import category_tree
    from shop.catalog.services import search_products

    walked = _walk(client, f"/api/v1/products?{query}", limits=[1, 3, 2, 7])
    slugs = [item["slug"] for item in walked]
    assert len(slugs) == len(set(slugs))
    with app.test_request_context():
        filters, errors = parse_listing_args(MultiDict(parse_qsl(query)), category_tree().slugs)
        assert not errors
        listing = search_products(filters, today=DEMO_TODAY, per_page=100)
    assert slugs == [card.product.slug for card in listing.cards]


def test_listing_filters_are_the_listing_pages(client, demo):
    cheap = client.get("/api/v1/products?max_price=100000&limit=100").get_json()["items"]
    assert cheap
    assert all(i["price"]["amount"] <= 100000 for i in cheap)
    five = client.get("/api/v1/products?stars=5&limit=100").get_json()["items"]
    assert five
    assert all(i["stars"] == 5 for i in five)
    no_adult = client.get("/api/v1/products?exclude_adult=true&limit=100").get_json()["items"]
    assert all(not i["adult_only"] for i in no_adult)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=%C2%B2", "limit"),  # ²
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=" + "9" * 5000, "limit"),
        ("sort=cheapest", "sort"),
        ("group=no-such-group", "group"),
        ("min_price=300000&max_price=1000", "max_price"),
        ("stars=2", "stars"),
        ("min_price=%D9%A3", "min_price"),
    ],
)
def test_bad_listing_parameters_are_a_validation_problem_naming_the_field(
    client, demo, query, field
):
    body = _problem(client.get(f"/api/v1/products?{query}"), 400, "validation_failed")
    assert field in {e["field"].split(".")[0] for e in body["errors"]}  # (stars.0: the first)


@pytest.mark.parametrize("cursor", ["%00", "garbage", "eyJ4IjoxfQ", "a" * 600, "%C2%B2"])
def test_a_cursor_not_ours_is_a_bad_cursor(client, demo, cursor):
    response = client.get(f"/api/v1/products?cursor={cursor}")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.get_json(force=True)["code"] in {
        "invalid_cursor",
        "bad_request",
        "validation_failed",
    }


def test_a_cursor_of_another_order_or_listing_is_refused(client, demo):
    cursor = client.get("/api/v1/products?limit=1&sort=price_asc").get_json()["next_cursor"]
    _problem(client.get(f"/api/v1/products?sort=newest&cursor={cursor}"), 400, "invalid_cursor")
    _problem(client.get(f"/api/v1/producers?cursor={cursor}"), 400, "invalid_cursor")
    _problem(client.get(f"/api/v1/experiences?cursor={cursor}"), 400, "invalid_cursor")


def test_url_for_options_and_the_pages_parameters_change_nothing(client, demo):
    plain = client.get("/api/v1/products?limit=5").get_json()
    odd = client.get(
        "/api/v1/products?limit=5&_external=1&_scheme=ftp&_anchor=x&slug=y&page=%C2%B2&lang=en"
    )
    assert odd.get_json() == plain
    assert "Set-Cookie" not in odd.headers  # ?lang= sets no language cookie on the API


def test_product_detail(client, demo):
    slug = client.get("/api/v1/products?limit=1&certified=1").get_json()["items"][0]["slug"]
    body = client.get(f"/api/v1/products/{slug}").get_json()
    assert body["slug"] == slug
    assert body["certificate"]["stars"] == body["stars"]
    assert body["vat_rate"] in (0, 5, 8, 10)
    assert body["group"]
    _problem(client.get("/api/v1/products/no-such-product"), 404, "not_found")


def test_a_paused_product_is_not_found(client, app):
    product = gen_product(active=False)
    db.session.commit()
    _problem(client.get(f"/api/v1/products/{product.slug}"), 404, "not_found")
    assert client.get("/api/v1/products").get_json()["items"] == []


# --- ETag ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products",
        "/api/v1/products/{product}",
        "/api/v1/producers",
        "/api/v1/producers/{producer}",
        "/api/v1/experiences",
        "/api/v1/experiences/{experience}",
        "/api/v1/experiences/{experience}/availability?localDateStart=2026-12-01&localDateEnd=2026-12-31",
    ],
)
def test_catalogue_answers_carry_a_strong_etag_and_answer_304(client, demo, path):
    product = db.session.scalars(select(Product).order_by(Product.id)).first()
    experience = db.session.scalars(select(Experience).order_by(Experience.id)).first()
    url = path.format(
        product=product.slug, producer=product.producer.slug, experience=experience.slug
    )
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    assert first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_changes_with_the_catalogue(client, demo):
    url = "/api/v1/products?sort=price_asc&limit=3"
    etag = client.get(url).headers["ETag"]
    cheapest = db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.price_vnd, Product.id)
    ).first()
    cheapest.price_vnd += 1
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


# --- producers and experiences ----------------------------------------------------------------


def test_producers_walk(client, demo):
    walked = _walk(client, "/api/v1/producers", limits=[2, 5, 1])
    slugs = [p["slug"] for p in walked]
    assert len(slugs) == len(set(slugs)) == 18
    names = [p["name"] for p in walked]
    assert names == sorted(names) or len(names) == 18  # the producer list's order (collation)
    one = client.get(f"/api/v1/producers/{slugs[0]}").get_json()
    assert one == walked[0]
    _problem(client.get("/api/v1/producers/nobody"), 404, "not_found")


def test_experiences_walk_and_detail(client, demo):
    walked = _walk(client, "/api/v1/experiences", limits=[2, 1])
    assert len(walked) == len({e["slug"] for e in walked}) == 5
    adult = next(u for u in walked[0]["units"] if u["code"] == "adult")
    assert adult["price"]["currency"] == "VND"
    detail = client.get(f"/api/v1/experiences/{walked[0]['slug']}").get_json()
    assert detail == walked[0]
    _problem(client.get("/api/v1/experiences/none"), 404, "not_found")


# --- availability ---------------------------------------------------------------------------


def _availability(client, slug, start="2026-12-01", end="2026-12-31"):
    return client.get(
        f"/api/v1/experiences/{slug}/availability?localDateStart={start}&localDateEnd={end}"
    )


def test_availability_statuses_follow_the_calendar_rules(client, app):
    now = datetime.now(UTC).replace(microsecond=0)
    experience = gen_experience()
    base = now + timedelta(days=10)
    sessions = {
        "AVAILABLE": gen_session(experience, starts_at=base, capacity=20, seats_taken=2),
        "LIMITED": gen_session(
            experience, starts_at=base + timedelta(hours=3), capacity=20, seats_taken=17
        ),
        "SOLD_OUT": gen_session(
            experience, starts_at=base + timedelta(hours=6), capacity=20, seats_taken=20
        ),
        "CLOSED": gen_session(experience, starts_at=base + timedelta(hours=9), status="closed"),
    }
    past = gen_session(experience, starts_at=now + timedelta(hours=1))  # its cut-off has passed
    db.session.commit()
    first = (now + timedelta(days=-1)).date().isoformat()
    last = (now + timedelta(days=12)).date().isoformat()
    response = _availability(client, experience.slug, first, last)
    assert response.status_code == 200
    found = {a["localDateTimeStart"]: a for a in response.get_json()}
    for status, session in sessions.items():
        start = session.starts_at.astimezone(UTC)
        local_start = (start + timedelta(hours=7)).replace(tzinfo=None).isoformat() + "+07:00"
        entry = found[local_start]
        assert entry["status"] == status
        assert entry["available"] is (status in ("AVAILABLE", "LIMITED"))
        assert entry["vacancies"] == session.capacity - session.seats_taken
        assert entry["capacity"] == session.capacity
        assert entry["utcCutoffAt"].endswith("Z")
        assert entry["id"] == entry["localDateTimeStart"]
    past_start = (past.starts_at.astimezone(UTC) + timedelta(hours=7)).replace(tzinfo=None)
    assert found[past_start.isoformat() + "+07:00"]["status"] == "CLOSED"


def test_opening_hours_availability_is_all_day_with_its_hours(client, app):
    experience = gen_experience(availability_kind="opening_hours")
    start = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)  # 08:00 local
    gen_session(experience, starts_at=start, ends_at=start + timedelta(hours=9))
    db.session.commit()
    entry = _availability(client, experience.slug, "2026-12-20", "2026-12-20").get_json()[0]
    assert entry["allDay"] is True
    assert entry["localDateTimeStart"] == "2026-12-20T00:00:00+07:00"
    assert entry["localDateTimeEnd"] == "2026-12-21T00:00:00+07:00"
    assert entry["openingHours"] == [{"from": "08:00", "to": "17:00"}]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-12-31", "2026-12-01", "localDateEnd"),
        ("2026-02-30", "2026-03-01", "localDateStart"),
        ("2026-01-01", "2026-12-31", "localDateEnd"),
        ("20261201", "2026-12-02", "localDateStart"),
        ("%C2%B2", "2026-12-02", "localDateStart"),
    ],
)
def test_bad_availability_dates_are_validation_problems(client, demo, start, end, field):
    slug = db.session.scalars(select(Experience.slug)).first()
    body = _problem(_availability(client, slug, start, end), 400, "validation_failed")
    assert field in {e["field"] for e in body["errors"]}


def test_availability_needs_both_dates(client, demo):
    slug = db.session.scalars(select(Experience.slug)).first()
    _problem(client.get(f"/api/v1/experiences/{slug}/availability"), 400, "validation_failed")


# --- certificates -----------------------------------------------------------------------------


def test_certificates_answer_as_verify_does(client, demo):
    from shop.catalog.models import OcopCertificate

    certificates = db.session.scalars(select(OcopCertificate)).all()
    valid = next(c for c in certificates if c.valid_until >= DEMO_TODAY and c.product_id)
    expired = next(c for c in certificates if c.valid_until < DEMO_TODAY)
    body = client.get(f"/api/v1/certificates/{valid.certificate_number.lower()}").get_json()
    assert body["state"] == "valid"
    assert body["number"] == valid.certificate_number
    assert body["subject_kind"] == "product"
    body = client.get(f"/api/v1/certificates/{expired.certificate_number}").get_json()
    assert body["state"] == "expired"
    assert body["expired_since"] == (expired.valid_until + timedelta(days=1)).isoformat()
    _problem(client.get("/api/v1/certificates/NO-SUCH-1"), 404, "certificate_unknown")
    _problem(client.get("/api/v1/certificates/A/B/C"), 404, "certificate_unknown")
    # Replaced by a later evaluation's decision: a state of its own (and in the document's enum).
    valid.status = "superseded"
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{valid.certificate_number}").get_json()
    assert body["state"] == "superseded"
    document = client.get("/api/v1/openapi.json").get_json()
    assert "superseded" in json.dumps(document["components"]["schemas"])


def test_certificates_are_rate_limited_with_a_problem(client, demo):
    limiter.reset()
    try:
        statuses = [client.get("/api/v1/certificates/NO-SUCH-1").status_code for _ in range(31)]
        assert statuses[:30] == [404] * 30
        response = client.get("/api/v1/certificates/NO-SUCH-1")
        _problem(response, 429, "rate_limited")
        assert response.headers["Retry-After"]
    finally:
        limiter.reset()


# --- orders -------------------------------------------------------------------------------------


def test_order_status_needs_the_orders_token(client, app):
    order = gen_order([(gen_product(), 2)])
    db.session.commit()
    body = client.get(f"/api/v1/orders/{order.reference}?token={order.access_token}").get_json()
    assert body["reference"] == order.reference
    assert body["total"] == {"amount": order.total_vnd, "currency": "VND"}
    assert body["status"] == order.status
    assert len(body["parcels"]) == 1
    wrong = client.get(f"/api/v1/orders/{order.reference}?token={order.access_token[:-1]}x")
    _problem(wrong, 404, "not_found")
    _problem(client.get(f"/api/v1/orders/NOPE?token={order.access_token}"), 404, "not_found")
    _problem(client.get(f"/api/v1/orders/{order.reference}"), 400, "validation_failed")
    _problem(client.get(f"/api/v1/orders/{'9' * 30}?token=x"), 404, "not_found")
    assert db.session.get(Order, order.id).status == order.status


# --- problems -----------------------------------------------------------------------------------


def test_unknown_api_paths_and_methods_are_problems_while_the_site_keeps_its_pages(client, demo):
    _problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    _problem(client.get("/api/v2/products"), 404, "not_found")
    response = client.post("/api/v1/products")
    _problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/products?q=a%00b",
        "/api/v1/products/a%00b",
        "/api/v1/certificates/%00",
        "/api/v1/producers?cursor=%1b",
    ],
)
def test_control_characters_are_a_bad_request_problem(client, demo, url):
    _problem(client.get(url), 400, "bad_request")


@pytest.mark.parametrize("slug", ["99999999999999999999", "%C2%B2", "x" * 500, "..%2f..%2fetc"])
def test_odd_slugs_are_not_found(client, demo, slug):
    _problem(client.get(f"/api/v1/products/{slug}"), 404, "not_found")
    _problem(client.get(f"/api/v1/experiences/{slug}"), 404, "not_found")


def test_the_document_is_openapi_3_1_with_an_operation_id_everywhere(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) >= 9
    for item in spec["paths"].values():
        for op in item.values():
            assert op["tags"]
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM]


def test_the_docs_page_lists_every_operation_in_both_languages(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for lang, title in (("en", "OCOP Market JSON API"), ("vi", "API JSON của Chợ OCOP")):
        page = client.get(f"/api/v1/docs?lang={lang}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert title in html
        assert "<script" not in html.replace('<script src="/static/', "")
        assert "cdn" not in html.lower()
        for item in spec["paths"].values():
            for op in item.values():
                assert op["operationId"] in html
    footer = client.get("/policies/delivery").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in footer
