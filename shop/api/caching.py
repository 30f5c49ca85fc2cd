"""Conditional GETs: a strong ``ETag`` over the serialised body, ``If-None-Match`` → 304."""

from __future__ import annotations

import hashlib

from flask import current_app, json, request
from flask.wrappers import Response

# Catalogue answers may be reused for a minute; any change shows on the next revalidation.
CATALOGUE_CACHE_CONTROL = "public, max-age=60"


def json_response(data: object, *, status: int = 200, cache_control: str = "no-store") -> Response:
    body = json.dumps(data)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = cache_control
    return response


def etag_response(data: object, *, cache_control: str = CATALOGUE_CACHE_CONTROL) -> Response:
    """``data`` as JSON with a strong ETag (a hash of the body); a request whose
    ``If-None-Match`` names it gets a 304 without the body."""
    response = json_response(data, cache_control=cache_control)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:40])
    return response.make_conditional(request)
