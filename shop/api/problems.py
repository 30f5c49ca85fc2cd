"""The API's error layer and the finishing of its OpenAPI document.

Every error under ``/api/`` is a problem (``shop.errors.problem``): the shop's own handlers
answer with one there (404, 405, 429, a ``ShopError``…), and APIFlask's ``HTTPError`` — a query
that does not validate — becomes ``validation_failed`` with one ``errors`` entry per field.
The OpenAPI document says so: every error response of every operation is
``application/problem+json`` with the ``Problem`` schema."""

from __future__ import annotations

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask.wrappers import Response

from shop.errors import ERROR_CODES, problem, wants_problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# RFC 9457 problem details, with the shop's stable ``code`` (``shop.errors.problem``).
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {
            "type": "string",
            "description": "Stable and machine-readable: not_found, validation_failed, "
            "invalid_cursor, bad_request, method_not_allowed, rate_limited, "
            "certificate_unknown, payload_too_large, unavailable…",
        },
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "validation_failed: one entry per field",
            "items": {
                "type": "object",
                "required": ["location", "field", "message"],
                "properties": {
                    "location": {"type": "string"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "max_bytes": {"type": ["integer", "null"]},
    },
}
PROBLEM_DESCRIPTIONS = {
    "304": "Not modified: the ETag given in If-None-Match is still current",
    "400": "Bad request: a parameter that does not validate (validation_failed), a bad cursor "
    "(invalid_cursor) or control characters (bad_request)",
    "404": "Not found (not_found)",
    "429": "Too many requests (rate_limited); Retry-After says when to come back",
}


def _field_errors(messages: object, location: str = "", field: str = "") -> list[dict]:
    """webargs' nested ``{location: {field: [message, …]}}`` as a flat list."""
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            if not location:
                found += _field_errors(value, str(key), "")
            else:
                found += _field_errors(value, location, f"{field}.{key}" if field else str(key))
        return found
    if isinstance(messages, list | tuple):
        found = []
        for item in messages:
            found += _field_errors(item, location, field)
        return found
    return [{"location": location, "field": field, "message": str(messages)}]


def api_error(error: HTTPError) -> Response:
    """APIFlask's errors (a query that does not validate) as problems."""
    if error.status_code == 400 and isinstance(error.detail, dict):
        errors = _field_errors(error.detail)
        response = problem(
            400,
            "validation_failed",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Validation failed.",
            errors=errors,
        )
    else:
        code = ERROR_CODES.get(error.status_code, f"http_{error.status_code}")
        response = problem(error.status_code, code, str(error.message or ""))
    response.headers.update(error.headers or {})
    return response


def _no_cookies(response: Response) -> Response:
    """API answers set no cookie (no language cookie for ``?lang=``, no session)."""
    if wants_problem():
        response.headers.pop("Set-Cookie", None)
        response.vary.discard("Cookie")
    return response


def _schema_name(schema) -> str:
    """``ProductItemSchema`` is ``ProductItem`` in the document."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def finish_spec(spec: dict) -> dict:
    """Every error response a problem; the Problem schema among the components; the ETag
    operations' 304; 400 on every operation that takes parameters (the edge refuses control
    characters in any of them)."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for _method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            takes_parameters = bool(operation.get("parameters")) or "{" in path
            if takes_parameters:
                responses.setdefault("400", {})
            for status, response in list(responses.items()):
                if status == "304":
                    response.pop("content", None)
                    response["description"] = PROBLEM_DESCRIPTIONS["304"]
                    continue
                if int(status) >= 400:
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
                    if not response.get("description") or status in ("400",):
                        response["description"] = PROBLEM_DESCRIPTIONS.get(status, "Error")
    return spec


def init_api(app: APIFlask) -> None:
    """The problem layer and the document's finishing, CSRF exemption of the API (its clients
    send no form token; nothing in it reads a session cookie)."""
    from shop.api import bp
    from shop.extensions import csrf

    csrf.exempt(bp)
    app.error_processor(api_error)
    app.schema_name_resolver = _schema_name
    app.spec_processor(finish_spec)
    # Run last among the after-request hooks (they run in reverse order of registration).
    app.after_request_funcs.setdefault(None, []).insert(0, _no_cookies)
