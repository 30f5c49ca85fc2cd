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


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_operation_keeps_to_the_document(demo, operation_id):
    limiter.reset()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    operation = schema.find_operation_by_id(operation_id)
    checks = _checks()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(checks=checks)

    try:
        run()
    finally:
        limiter.reset()
