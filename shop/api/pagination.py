"""Cursor pagination: a page of ``items`` and the opaque ``next_cursor`` of the page after it.

A cursor is the sort key and id of the last item of a page, signed with the secret key (so a
client can neither forge one nor make the server compare a date with a number) and tied to the
listing and its sort order. A cursor that is not one of ours, or was made for another listing,
is a 400 problem ``invalid_cursor``."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from shop.errors import ShopError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 500


class InvalidCursor(ShopError):
    code = "invalid_cursor"
    status = 400


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="shop.api.cursor")


def encode_cursor(listing: str, key: list[Any]) -> str:
    """The cursor of the item whose sort key (its last element the id) is ``key``."""
    return _serializer().dumps([listing, key])


def decode_cursor(raw: str | None, listing: str, length: int) -> list[Any] | None:
    """The sort key a cursor carries (None without a cursor); ``InvalidCursor`` when it was not
    made by this shop for ``listing`` with a key of ``length`` values."""
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("The cursor is not one this API gave out.")
    try:
        made_for, key = _serializer().loads(raw)
    except (BadData, TypeError, ValueError) as error:
        raise InvalidCursor("The cursor is not one this API gave out.") from error
    if made_for != listing or not isinstance(key, list) or len(key) != length:
        raise InvalidCursor("The cursor was made for another listing or sort order.")
    return key
