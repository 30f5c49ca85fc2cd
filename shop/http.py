"""Small HTTP helpers shared by the blueprints."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request
from sqlalchemy import Select

from shop.extensions import db


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Only ``/path?query`` is accepted: no scheme or host (``http://…``, ``//evil.com``), no
    backslash (``/\\evil.com``, which browsers read as ``//``), no spaces or control characters
    (browsers drop tabs and newlines, which could join ``/`` and ``/evil.com``).
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items, which page it is, how many pages and items in all."""

    items: list
    page: int
    pages: int
    total: int


# The largest value of an INTEGER column (PostgreSQL int4): ids and amounts in paths and forms.
DB_INT_MAX = 2**31 - 1


def parse_int(raw: str | None, lowest: int = 0, highest: int = DB_INT_MAX) -> int | None:
    """``raw`` as a whole number from ``lowest`` to ``highest``, else None.

    Only ASCII digits count (``"²"`` and ``"٣"`` pass ``str.isdigit`` but are not numbers people
    type), white space around is ignored, and a value beyond the range is refused before
    ``int()`` has to read thousands of digits.
    """
    text = (raw or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 30:
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def requested_page() -> int:
    """``?page=`` as a whole number of at least 1 (anything else is page 1)."""
    return parse_int(request.args.get("page"), 1) or 1


def paginate(stmt: Select, count_stmt: Select, per_page: int) -> Page:
    """Run ``stmt`` for the requested page (clamped to the last one) with ``count_stmt``."""
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, -(-total // per_page))
    page = min(requested_page(), pages)
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), page=page, pages=pages, total=total)
