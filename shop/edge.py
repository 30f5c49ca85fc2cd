"""Checks at the edge, before any view: ids in paths and control characters in requests.

* ``<int:…>`` in every route is :class:`IdConverter`: ASCII digits only and within the range of
  an ``INTEGER`` column, so ``/producer/orders/99999999999999999999`` is a 404 and never reaches
  the database (SQLite cannot bind it; PostgreSQL refuses it for an ``int4`` column).
* A request whose path, query string or form holds NUL or another control character is answered
  with a 400 page before a view runs (PostgreSQL refuses NUL in text). Form values may hold tab,
  line feed and carriage return (multi-line fields such as notes and reasons).
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from shop.http import DB_INT_MAX
from shop.text import has_control_characters

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
# Views read forms only from these (Flask-WTF's rule too); a GET's body is never read.
FORM_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class IdConverter(IntegerConverter):
    """A database id in a path: ``[0-9]+`` (no Unicode digits), 0 to ``DB_INT_MAX``."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def _bad_request_input() -> bool:
    if has_control_characters(request.path):
        return True
    # A query string holds a control character only raw or percent-encoded: without either, its
    # values need not be decoded and looked at one by one.
    query = request.query_string
    if (b"%" in query or has_control_characters(query.decode("latin-1"))) and any(
        has_control_characters(key) or has_control_characters(value)
        for key, value in request.args.items(multi=True)
    ):
        return True
    if request.method in FORM_METHODS and request.mimetype in FORM_TYPES:
        for key, value in request.form.items(multi=True):
            if has_control_characters(key) or has_control_characters(value, allow_line_breaks=True):
                return True
        for key, upload in request.files.items(multi=True):
            if has_control_characters(key) or has_control_characters(upload.filename or ""):
                return True
    return False


def refuse_control_characters() -> None:
    if _bad_request_input():
        abort(400, description=_("Remove the invisible control characters and try again."))


def init_edge(app: Flask) -> None:
    # Before the blueprints register their rules, which look their converters up by name.
    app.url_map.converters["int"] = IdConverter
    # Right after the locale is chosen (the 400 page is in the visitor's language), before
    # CSRF, rate limits and every other hook read the request.
    app.before_request_funcs.setdefault(None, []).insert(1, refuse_control_characters)
