"""OCTO conformance: every availability the API gives validates against OCTO's own
``Availability`` schema (vendored in ``data/octo_availability.json`` from octotravel/octo-types),
so a tour reseller's OCTO client can read it."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from shop.extensions import db
from shop.tourism.models import Experience
from tests.factories import gen_experience, gen_session

OCTO = json.loads((Path(__file__).parent / "data" / "octo_availability.json").read_text())


def _json_schema(node):
    """An OpenAPI 3.0 Schema Object as JSON Schema: ``nullable: true`` becomes a null type,
    references point into this document's ``$defs``."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        node["type"] = [node["type"], "null"]
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
    return node


def octo_validator() -> Draft202012Validator:
    definitions = {name: _json_schema(deepcopy(OCTO[name])) for name in OCTO if name[0] != "$"}
    schema = {"$ref": "#/$defs/Availability", "$defs": definitions}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_vendored_schema_is_octos_required_fields():
    assert OCTO["Availability"]["required"] == [
        "id",
        "localDateTimeStart",
        "localDateTimeEnd",
        "utcCutoffAt",
        "allDay",
        "available",
        "status",
        "vacancies",
        "capacity",
        "maxUnits",
        "openingHours",
    ]


def _assert_octo(entries: list[dict]) -> None:
    validator = octo_validator()
    assert entries
    for entry in entries:
        errors = [e.message for e in validator.iter_errors(entry)]
        assert not errors, (entry, errors)
        # What the schema leaves to prose: ISO 8601 local times with Việt Nam's offset, the
        # cut-off in UTC.
        assert entry["localDateTimeStart"].endswith("+07:00")
        assert datetime.fromisoformat(entry["localDateTimeEnd"]) > datetime.fromisoformat(
            entry["localDateTimeStart"]
        )
        assert entry["utcCutoffAt"].endswith("Z")
        assert (entry["vacancies"] or 0) <= (entry["capacity"] or 0)


def test_every_demo_availability_conforms_to_octo(client, demo):
    statuses = set()
    for slug in db.session.scalars(select(Experience.slug)):
        response = client.get(
            f"/api/v1/experiences/{slug}/availability"
            "?localDateStart=2026-11-28&localDateEnd=2027-01-27"
        )
        assert response.status_code == 200
        entries = response.get_json()
        _assert_octo(entries)
        statuses |= {entry["status"] for entry in entries}
    assert {"AVAILABLE", "CLOSED"} <= statuses


@pytest.mark.parametrize("kind", ["start_time", "opening_hours"])
def test_each_status_and_kind_conforms_to_octo(client, app, kind):
    now = datetime.now(UTC).replace(microsecond=0)
    experience = gen_experience(availability_kind=kind)
    base = now + timedelta(days=5)
    for hours, fields in enumerate(
        [
            {"seats_taken": 0},
            {"seats_taken": 18},
            {"seats_taken": 20},
            {"status": "closed"},
            {"status": "cancelled", "cancel_reason": "Mưa lớn"},
        ]
    ):
        gen_session(experience, starts_at=base + timedelta(hours=hours), capacity=20, **fields)
    db.session.commit()
    day = base.astimezone(UTC).date()
    response = client.get(
        f"/api/v1/experiences/{experience.slug}/availability"
        f"?localDateStart={day - timedelta(days=1)}&localDateEnd={day + timedelta(days=1)}"
    )
    entries = response.get_json()
    _assert_octo(entries)
    assert {e["status"] for e in entries} == {"AVAILABLE", "LIMITED", "SOLD_OUT", "CLOSED"}
    if kind == "opening_hours":
        assert all(e["allDay"] and len(e["openingHours"]) == 1 for e in entries)


def test_a_wrong_shape_fails_the_check():
    """The check can fail: OCTO's statuses and required members are enforced."""
    validator = octo_validator()
    good = {
        "id": "2026-12-01T07:30:00+07:00",
        "localDateTimeStart": "2026-12-01T07:30:00+07:00",
        "localDateTimeEnd": "2026-12-01T16:00:00+07:00",
        "utcCutoffAt": "2026-11-30T11:00:00Z",
        "allDay": False,
        "available": True,
        "status": "AVAILABLE",
        "vacancies": 3,
        "capacity": 20,
        "maxUnits": None,
        "openingHours": [],
    }
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({**good, "status": "OPEN"}))
    assert list(validator.iter_errors({**good, "vacancies": "3"}))
    assert list(validator.iter_errors({k: v for k, v in good.items() if k != "maxUnits"}))
    assert list(validator.iter_errors({**good, "openingHours": [{"open": "08:00"}]}))
