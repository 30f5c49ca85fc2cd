"""The API's quality gate: Schemathesis generates requests for every operation of the OpenAPI
document and runs them in-process against the app with the demo data (on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set): no server error, every response's status code,
content type and body as the document says.

One test per operation (by its operationId), each drawing ``EXAMPLES`` cases with Hypothesis,
deterministically. (Schemathesis' own ``from_fixture`` pytest loader does not run under this
pytest, so the operations are driven through ``as_strategy`` with Hypothesis' ``given``.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from config import TestConfig
from shop import create_app
from shop.extensions import limiter

EXAMPLES = 30


def _checks() -> list:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


def _operation_ids() -> list[str]:
    """Every operation of the document (read from an app made for the purpose)."""
    config = type("SpecConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    spec = create_app(config).test_client().get("/api/v1/openapi.json").get_json()
    return sorted(op["operationId"] for item in spec["paths"].values() for op in item.values())


OPERATION_IDS = _operation_ids()


def test_every_operation_is_exercised():
    assert len(OPERATION_IDS) >= 9


# The partners' operations (``shop/api/partner.py``): exercised with a valid key of their own.
PARTNER_OPERATION_IDS = ("createBooking", "confirmBooking", "releaseBooking", "getBooking")


def _partner_headers() -> dict:
    """A fixture partner key (the most requests a minute) for the operations that need one."""
    from shop.extensions import db
    from tests.partners.factories import gen_api_key

    created = gen_api_key(rate_limit_per_minute=6000)
    db.session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_operation_keeps_to_the_document(demo, operation_id):
    limiter.reset()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    operation = schema.find_operation_by_id(operation_id)
    checks = _checks()
    headers = _partner_headers() if operation.definition.raw.get("security") else None

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(checks=checks, headers=headers)

    try:
        run()
    finally:
        limiter.reset()


def _real_cases(app) -> dict[str, list[tuple[dict, dict]]]:
    """(path parameters, query) of requests on the demo's real data for each operation, so the
    document's 200 answers are checked too (generated slugs mostly find nothing)."""
    from sqlalchemy import select

    from shop.catalog.models import OcopCertificate, Product
    from shop.extensions import db
    from shop.tourism.models import Experience
    from tests.factories import gen_order

    products = db.session.scalars(select(Product).where(Product.active.is_(True))).all()
    experiences = db.session.scalars(select(Experience)).all()
    certificates = db.session.scalars(select(OcopCertificate)).all()
    order = gen_order([(products[0], 1)])
    db.session.commit()
    window = {"localDateStart": "2026-11-28", "localDateEnd": "2027-01-27"}
    return {
        "listProducts": [({}, {"limit": 100}), ({}, {"q": "vải", "sort": "stars"})],
        "getProduct": [({"slug": p.slug}, {}) for p in products],
        "listProducers": [({}, {"limit": 100})],
        "getProducer": [({"slug": p.producer.slug}, {}) for p in products],
        "listExperiences": [({}, {"limit": 100})],
        "getExperience": [({"slug": e.slug}, {}) for e in experiences],
        "listAvailability": [({"slug": e.slug}, window) for e in experiences],
        "verifyCertificate": [({"number": c.certificate_number}, {}) for c in certificates],
        "getOrderStatus": [({"reference": order.reference}, {"token": order.access_token})],
    }


@pytest.mark.parametrize(
    "operation_id", [op for op in OPERATION_IDS if op not in PARTNER_OPERATION_IDS]
)
def test_real_answers_keep_to_the_document(demo, operation_id):
    limiter.reset()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    operation = schema.find_operation_by_id(operation_id)
    cases = _real_cases(demo)[operation_id]
    assert cases
    try:
        for path_parameters, query in cases:
            case = operation.Case(path_parameters=path_parameters, query=query)
            response = case.call_and_validate(checks=_checks())
            assert response.status_code == 200, (path_parameters, query)
    finally:
        limiter.reset()


def test_real_partner_answers_keep_to_the_document(demo, client):
    """A hold of a real demo session, read, confirmed, and another released: every answer as
    the document says."""
    from datetime import timedelta

    from sqlalchemy import select

    from shop.db import utcnow
    from shop.extensions import db
    from shop.templating import LOCAL_TZ
    from shop.tourism.models import Experience, ExperienceSession, SessionStatus

    limiter.reset()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    headers = _partner_headers()
    session, slug = db.session.execute(
        select(ExperienceSession, Experience.slug)
        .join(Experience, Experience.id == ExperienceSession.experience_id)
        .where(
            ExperienceSession.status == SessionStatus.OPEN,
            ExperienceSession.starts_at > utcnow() + timedelta(days=3),
            ExperienceSession.capacity - ExperienceSession.seats_taken >= 4,
        )
        .order_by(ExperienceSession.starts_at)
    ).first()
    hold = {
        "experience": slug,
        "availability_id": session.starts_at.astimezone(LOCAL_TZ).isoformat(),
        "units": [{"unit": session.experience.unit_types[0].code, "quantity": 1}],
        "guest": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+33612345678"},
    }
    ids = []
    try:
        for n in range(2):
            case = schema.find_operation_by_id("createBooking").Case(
                body=hold, headers={**headers, "Idempotency-Key": f"real-{n}"}
            )
            response = case.call_and_validate(checks=_checks())
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        for operation_id, booking_id, status in (
            ("getBooking", ids[0], 200),
            ("confirmBooking", ids[0], 200),
            ("getBooking", ids[0], 200),
            ("releaseBooking", ids[1], 200),
            ("confirmBooking", ids[1], 409),
        ):
            operation = schema.find_operation_by_id(operation_id)
            extra = (
                {}
                if operation_id == "getBooking"
                else {"Idempotency-Key": operation_id + booking_id}
            )
            case = operation.Case(
                path_parameters={"booking_id": booking_id}, headers={**headers, **extra}
            )
            response = case.call_and_validate(checks=_checks())
            assert response.status_code == status, (operation_id, response.text)
    finally:
        limiter.reset()
