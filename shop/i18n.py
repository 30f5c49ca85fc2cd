"""Locale choice: ``?lang=`` (remembered in a cookie), then the cookie, else Vietnamese."""

from __future__ import annotations

from flask import Flask, g, request
from flask.wrappers import Response
from flask_babel import refresh

from shop.extensions import babel

ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    return _requested_locale()[0]


def _requested_locale() -> tuple[str, bool]:
    """The locale for this request, and whether the ``lang`` parameter asked for it."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    arg = request.args.get("lang", "")
    if arg in languages:
        return arg, True
    cookie = request.cookies.get(current_app.config["LANG_COOKIE_NAME"], "")
    if cookie in languages:
        return cookie, False
    return current_app.config["BABEL_DEFAULT_LOCALE"], False


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")

    def _choose_locale() -> None:
        g.lang, g.lang_from_param = _requested_locale()
        # Flask-Babel caches the locale on the application context, which a test (or a CLI
        # command) may keep open across requests: start each request from a clean cache.
        refresh()

    # First of all before-request hooks, so pages that CSRF or rate-limit checks answer with
    # (400, 429) are in the visitor's language too.
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_locale)

    @app.after_request
    def _remember_locale(response: Response) -> Response:
        if getattr(g, "lang_from_param", False):
            cookie_name = app.config["LANG_COOKIE_NAME"]
            if request.cookies.get(cookie_name) != g.lang:
                response.set_cookie(
                    cookie_name,
                    g.lang,
                    max_age=ONE_YEAR,
                    samesite="Lax",
                    httponly=True,
                    secure=app.config["LANG_COOKIE_SECURE"],
                )
        response.vary.add("Cookie")
        return response
