"""Small HTTP helpers shared by the blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit


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
