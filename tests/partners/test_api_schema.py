"""Schemathesis over the partner operations of the OpenAPI document, with a valid key: valid
and invalid data (and a hold of a real session, so success answers are checked too) — never a
server error, and every answer as the document says: status, content type, headers, body.
Run on SQLite and PostgreSQL like every test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from shop.extensions import db, limiter
from shop.templating import LOCAL_TZ
from tests.factories import gen_experience, gen_session
from tests.partners.factories import gen_api_key

OPERATIONS = ("createBooking", "confirmBooking", "releaseBooking", "getBooking")


@pytest.fixture
def partner(app):
    """A key allowed the most requests a minute and an experience with a session to hold."""
    limiter.reset()
    created = gen_api_key(rate_limit_per_minute=6000)
    experience = gen_experience(slug="ban-ven")
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=20)
    gen_session(experience, starts_at=start, capacity=1000)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(
        tag="Partner bookings"
    )
    return {
        "schema": schema,
        "auth": {"Authorization": f"Bearer {created.secret}"},
        "hold": {
            "experience": "ban-ven",
            "availability_id": start.astimezone(LOCAL_TZ).isoformat(),
            "units": [{"unit": "adult", "quantity": 1}],
            "guest": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+33612345678"},
        },
    }


def _operation(schema, operation_id: str):
    return next(
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId") == operation_id
    )


def _run(strategy, auth: dict, examples: int) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        # A body the document allows may still be refused for what no JSON Schema says: a
        # phone number that is no one's, a unit the experience does not offer, more tickets
        # than a booking takes (400 with its code). Everything else is checked.
        case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])

    check()


@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_partner_operations_answer_as_documented(partner, operation_id, mode):
    operation = _operation(partner["schema"], operation_id)
    _run(operation.as_strategy(mode), partner["auth"], 30)


def test_real_holds_and_their_bookings_answer_as_documented(partner, client):
    create = _operation(partner["schema"], "createBooking")
    _run(create.as_strategy(body=partner["hold"]), partner["auth"], 15)
    # A real booking's id for the operations on one booking.
    booking = client.post(
        "/api/v1/bookings",
        json=partner["hold"],
        headers={**partner["auth"], "Idempotency-Key": "seed"},
    ).get_json()
    for operation_id in ("getBooking", "confirmBooking", "releaseBooking"):
        operation = _operation(partner["schema"], operation_id)
        _run(
            operation.as_strategy(path_parameters={"booking_id": booking["id"]}),
            partner["auth"],
            10,
        )
