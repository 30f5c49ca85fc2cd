"""Jinja filters and globals: money, dates, localised fields, language URLs, hashed static URLs."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context, request, url_for
from flask_babel import format_date, format_datetime, get_locale

from shop.money import format_vnd, usd_reference
from shop.urls import absolute_url, on_site

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Today's date in Vietnam, the calendar OCOP certificates and seasons follow.

    ``FIXED_TODAY`` (a ``date``, set by tests only) pins the calendar so date-dependent pages
    can be checked against known data.
    """
    if has_app_context() and current_app.config.get("FIXED_TODAY"):
        return current_app.config["FIXED_TODAY"]
    return datetime.now(LOCAL_TZ).date()


def current_lang() -> str:
    return getattr(g, "lang", None) or str(get_locale() or "vi")


def localized(obj: object, field: str) -> str:
    """``obj.<field>_en`` for English shoppers when filled, else the Vietnamese ``<field>_vi``."""
    if current_lang() == "en":
        value = getattr(obj, f"{field}_en", None)
        if value:
            return value
    return getattr(obj, f"{field}_vi", "") or ""


# One date format per language (STYLE: dates through one ``|localdate`` filter).
DATE_FORMATS = {"en": "d MMM y", "vi": "dd/MM/y"}
TIME_FORMATS = {"en": "d MMM y, HH:mm", "vi": "dd/MM/y HH:mm"}


def localdate(value: date | datetime | None) -> str:
    """``5 Jun 2027`` in English, ``05/06/2027`` in Vietnamese; a moment by Vietnam's calendar."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite returns naive UTC
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        value = value.astimezone(LOCAL_TZ).date()
    return format_date(value, DATE_FORMATS.get(current_lang(), DATE_FORMATS["vi"]))


def localtime(value: datetime | None) -> str:
    """A moment in Vietnam's time: ``28 Nov 2026, 10:30`` / ``28/11/2026 10:30``."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive UTC
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return format_datetime(
        value.astimezone(LOCAL_TZ), TIME_FORMATS.get(current_lang(), TIME_FORMATS["vi"])
    )


def month_name(value: date) -> str:
    """The month's name within a sentence (``November`` / ``tháng 11``)."""
    return format_date(value, "MMMM")


def query_string(**overrides: object) -> str:
    """``?…`` of the current request with ``overrides`` replacing parameters (None drops one).

    Encoded like Werkzeug's ``url_for`` does; empty when nothing is left.
    """
    args = request.args.to_dict(flat=False)
    for key, value in overrides.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    pairs = [(key, value) for key, values in args.items() for value in values]
    return "?" + urlencode(pairs, safe="!$'()*,/:;?@") if pairs else ""


def url_with_args(endpoint: str, **overrides: object) -> str:
    """``url_for(endpoint)`` with the current query string merged in (for pagination links).

    Query parameters are never passed to ``url_for`` as keywords, where ``?_external=1``,
    ``?_anchor=x`` or ``?slug=x`` would be read as its own options or the route's values.
    """
    return url_for(endpoint) + query_string(**overrides)


def url_with_lang(lang: str, **overrides: object) -> str:
    """The current page's path in another language (query string kept), for switches; hreflang
    and canonical links put it on ``SITE_URL`` with ``|on_site``. Query parameters are never
    passed to ``url_for`` as keywords (``?_external=1`` or ``?slug=x`` would be read as its own
    options or the route's values)."""
    endpoint = request.endpoint or "catalog.home"
    return url_for(endpoint, **(request.view_args or {})) + query_string(**overrides, lang=lang)


@lru_cache(maxsize=1024)
def _file_hash(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_version(filename: str) -> str | None:
    """A short content hash of a static file (re-read when the file's mtime changes)."""
    path = Path(current_app.static_folder or "") / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _file_hash(str(path), stat.st_mtime_ns)


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(localdate, "localdate")
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(localized, "loc")
    app.add_template_global(url_with_lang, "url_with_lang")
    app.add_template_global(url_with_args, "url_with_args")
    app.add_template_global(absolute_url, "absolute_url")
    app.add_template_filter(on_site, "on_site")
    app.add_template_global(current_lang, "current_lang")
    app.add_template_global(local_today, "local_today")
    app.add_template_global(month_name, "month_name")
    app.add_template_global(season_text, "season_text")
    app.add_template_global(cards_csrf_token, "cards_csrf_token")
    app.add_template_global(legal_type_label, "legal_type_label")

    @app.template_filter("usd_ref")
    def _usd_ref(amount_vnd: int) -> int:
        return usd_reference(amount_vnd, current_app.config["USD_VND_RATE"])

    versions: dict[str, str | None] = {}

    @app.url_defaults
    def _hash_static_urls(endpoint: str, values: dict) -> None:
        # A content hash in the query string: WhiteNoise serves static files with a one-year
        # lifetime, and a changed file gets a new URL, so browsers never keep a stale copy.
        if endpoint == "static" and "v" not in values:
            filename = values.get("filename", "")
            if app.debug:
                version = static_version(filename)
            else:  # static files do not change under a running production server
                version = versions.get(filename) or versions.setdefault(
                    filename, static_version(filename)
                )
            if version:
                values["v"] = version


# Cached page bodies are shared between visitors: their forms carry this placeholder, which
# each response replaces with the visitor's own CSRF token (see fill_csrf).
CSRF_PLACEHOLDER = "__CSRF_TOKEN__"


def cards_csrf_token() -> str:
    from flask_wtf.csrf import generate_csrf

    return CSRF_PLACEHOLDER if g.get("rendering_shared_body") else generate_csrf()


def fill_csrf(body: str) -> str:
    from flask_wtf.csrf import generate_csrf

    return body.replace(CSRF_PLACEHOLDER, generate_csrf()) if CSRF_PLACEHOLDER in body else body


def season_text(product) -> str:
    """``Season: 25 May – 31 Jul`` in the shopper's language; empty for all-year products."""
    from flask_babel import gettext

    if product.season_start is None or product.season_end is None:
        return ""

    def md(value: int) -> str:
        return format_date(date(2000, value // 100, value % 100), "d MMM")

    return gettext(
        "Season: %(start)s – %(end)s", start=md(product.season_start), end=md(product.season_end)
    )


def legal_type_label(legal_type: str) -> str:
    from flask_babel import gettext

    labels = {
        "cooperative": gettext("cooperative"),
        "enterprise": gettext("enterprise"),
        "cooperative_group": gettext("cooperative group"),
        "household": gettext("household business"),
    }
    return labels.get(legal_type, legal_type)
