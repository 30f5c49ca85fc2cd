"""Jinja filters and globals: money, dates, localised fields, language URLs, hashed static URLs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime, get_locale, get_translations
from jinja2 import BytecodeCache, pass_eval_context
from jinja2.bccache import Bucket
from markupsafe import Markup

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
    return localized_in(obj, field, current_lang())


def localized_in(obj: object, field: str, lang: str) -> str:
    """``localized`` for a page in ``lang`` (a grid of cards asks once for the language)."""
    if lang == "en":
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


WHEN_FORMATS = {"en": "EEE d MMM y, HH:mm", "vi": "EEEE dd/MM/y, HH:mm"}


def localwhen(value: datetime | None) -> str:
    """When something happens, with its weekday, in Vietnam's time: ``Sat 12 Dec 2026, 07:30``
    / ``thứ bảy 12/12/2026, 07:30`` (sessions, cut-offs, refund deadlines)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive UTC
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return format_datetime(
        value.astimezone(LOCAL_TZ), WHEN_FORMATS.get(current_lang(), WHEN_FORMATS["vi"])
    )


def localdate_iso(value: datetime) -> str:
    """A moment's local date as ``2026-12-12`` (for links to a calendar day)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LOCAL_TZ).date().isoformat()


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


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of the process and shared by every app it builds.

    Each app compiles its templates on first use (a tenth of a second for a catalogue page);
    the test suite builds an app per test, and a CLI command one per run. Jinja checks each
    entry against its template's source, so an edited template is compiled again. Every app
    shares the same Jinja settings (``init_templating``), which compiled code depends on.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


BYTECODE_CACHE = ProcessBytecodeCache()


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.bytecode_cache = BYTECODE_CACHE
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(localdate, "localdate")
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(localwhen, "localwhen")
    app.add_template_filter(localdate_iso, "localdate_iso")
    from shop.tourism.labels import booking_status_label, refund_terms, ticket_link, ticket_url

    app.add_template_global(refund_terms, "refund_terms")
    app.add_template_global(booking_status_label, "booking_status_label")
    app.add_template_global(ticket_link, "ticket_link")
    app.add_template_global(ticket_url, "ticket_url")
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
    app.extensions["remembered_urls"] = {}
    app.extensions["shared_fragments"] = {}
    app.add_template_global(shared_fragment, "shared_fragment")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # The same callables without Jinja's layers: ``_()`` went through an alias, a wrapper and
    # the function above, three context calls per string (a page has dozens).
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
    app.jinja_env.globals["url_for"] = remembered_url_for

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


def _translations():
    """The catalogue for the locale in force, looked up once per request and locale.

    Flask-Babel's template callables look it up for every string (a page has dozens). The
    locale Flask-Babel chose lives on ``g._flask_babel.babel_locale``, a new object whenever it
    changes (``force_locale`` for an e-mail in the customer's language), so the catalogue kept
    here is reused only while that object is the same.
    """
    context = g._get_current_object()
    state = context.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    kept = context.get("_translations")
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    context._translations = (
        getattr(context.get("_flask_babel"), "babel_locale", None),
        translations,
    )
    return translations


# Translated strings without values, by catalogue, message and autoescaping: most of a page's
# strings, each the same on every page. Catalogues live as long as the process.
_PLAIN_MESSAGES: dict[tuple[object, str, bool], str] = {}


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables: object) -> str:
    """``_("…", name=value)`` in templates, as Jinja's new-style gettext: marked safe where
    autoescaping (the values are escaped when formatted in), always formatted (``%%`` → ``%``)."""
    translations = _translations()
    if not variables:
        key = (translations, string, eval_ctx.autoescape)
        text = _PLAIN_MESSAGES.get(key)
        if text is None:
            if len(_PLAIN_MESSAGES) > 8192:
                _PLAIN_MESSAGES.clear()
            text = _PLAIN_MESSAGES[key] = _format_message(
                translations.ugettext(string), eval_ctx.autoescape, {}
            )
        return text
    return _format_message(translations.ugettext(string), eval_ctx.autoescape, variables)


def _format_message(text: str, autoescape: bool, variables: dict) -> str:
    if autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja's gettext marks it
    return text % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables: object):
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    return _format_message(text, eval_ctx.autoescape, variables)


def remembered_url_for(endpoint: str, **values: object) -> str:
    """``url_for``, remembered per process for relative URLs (templates and presenters use it).

    A page builds dozens of the same URLs (header, footer, every card's link and image), each a
    walk of the URL map. A relative URL depends only on the endpoint, its values and the script
    root, so the answer is kept; external URLs (host and scheme come from the request), relative
    endpoints (``.name``), the debug server (static hashes change) and calls outside a request
    always build afresh.
    """
    if not has_request_context():
        return url_for(endpoint, **values)
    return url_builder()(endpoint, **values)


def url_builder() -> Callable[..., str]:
    """``remembered_url_for`` for one request, with the app and script root looked up once
    (a grid of cards builds two URLs per card)."""
    app = current_app._get_current_object()  # each proxy access costs a lookup
    if app.debug:
        return url_for
    memo: dict[tuple, str] = app.extensions["remembered_urls"]
    script_root = request.script_root

    def build(endpoint: str, **values: object) -> str:
        if endpoint[0] == "." or any(key[0] == "_" for key in values):
            return url_for(endpoint, **values)
        try:
            key = (script_root, endpoint, *sorted(values.items()))
            return memo[key]
        except KeyError:
            if len(memo) > 8192:
                memo.clear()
            url = memo[key] = url_for(endpoint, **values)
            return url
        except TypeError:  # an unhashable value (a list of query values)
            return url_for(endpoint, **values)

    return build


def shared_fragment(name: str) -> Markup:
    """A template that depends only on the language (the footer), rendered once per process,
    language and script root instead of on every page; the debug server renders it afresh."""
    app = current_app
    if app.debug or not has_request_context():
        return Markup(render_template(name))  # noqa: S704 - our own rendered template
    memo: dict[tuple, Markup] = app.extensions["shared_fragments"]
    key = (name, str(get_locale()), request.script_root)
    fragment = memo.get(key)
    if fragment is None:
        fragment = memo[key] = Markup(render_template(name))  # noqa: S704 - our own template
    return fragment


# Cached page bodies are shared between visitors: their forms carry this placeholder, which
# each response replaces with the visitor's own CSRF token (see fill_csrf).
CSRF_PLACEHOLDER = "__CSRF_TOKEN__"


def cards_csrf_token() -> str:
    from flask_wtf.csrf import generate_csrf

    return CSRF_PLACEHOLDER if g.get("rendering_shared_body") else generate_csrf()


def fill_csrf(body: str) -> str:
    """``body`` with the visitor's CSRF token in place of the placeholder (left in place while
    a shared page around it is being rendered)."""
    from flask_wtf.csrf import generate_csrf

    if CSRF_PLACEHOLDER not in body or g.get("rendering_shared_body"):
        return body
    return body.replace(CSRF_PLACEHOLDER, generate_csrf())


def render_shared(render: Callable[[], str]) -> str:
    """Run ``render`` for a page part shared by every visitor: forms get the CSRF placeholder,
    and nothing may depend on the visitor (``fill_csrf`` puts each visitor's token in)."""
    previous = g.get("rendering_shared_body", False)
    nonce = g.get("csp_nonce")
    g.rendering_shared_body = True
    try:
        html = render()
    finally:
        g.rendering_shared_body = previous
    if g.get("csp_nonce") != nonce:  # kept HTML would carry a nonce later responses lack
        raise RuntimeError("a page part shared between visitors cannot use a script nonce")
    return html


# What a session may hold while every page looks the same for its visitor as for a newcomer:
# the CSRF secret and Flask-Login's bookkeeping, no account, cart or message waiting.
_NEWCOMER_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_id", "_permanent"})


def sees_shared_pages() -> bool:
    """Whether the visitor gets catalogue pages as anyone would: not signed in, and a session
    with nothing of theirs in it (no cart, no flashed message). Their header then says
    "Sign in" and shows an empty cart, so a whole page rendered once can serve them."""
    from flask import session
    from flask_login import current_user

    if current_user.is_authenticated:
        return False
    return _NEWCOMER_SESSION_KEYS.issuperset(session.keys())


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
        "individual": gettext("individual seller"),
    }
    return labels.get(legal_type, legal_type)
