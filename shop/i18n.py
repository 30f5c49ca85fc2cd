"""Locale choice: ``?lang=`` (remembered in a cookie), then the cookie, else Vietnamese.

Chosen lazily: a response that never shows translated text (a redirect, a health check, a
JSON answer) pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, request
from flask.wrappers import Response
from flask_babel import force_locale

from shop.extensions import babel

ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """This request's locale, worked out on first use and kept on ``g``."""
    lang = g.get("lang")
    if lang is None:
        lang = g.lang = _requested_locale()[0]
    return lang


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Everything inside in ``lang``: translations, dates and the localised fields that
    templates pick with ``loc`` (an e-mail in the order's language, whoever's request sends
    it)."""
    had, previous = "lang" in g, g.get("lang")
    g.lang = lang
    try:
        with force_locale(lang):
            yield
    finally:
        if had:
            g.lang = previous
        else:
            g.pop("lang", None)


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

    @app.after_request
    def _remember_locale(response: Response) -> Response:
        asked = b"lang=" in request.query_string
        # A download in another language (``?lang=`` of a statement) leaves the site's alone.
        if asked and not g.get("lang_for_file_only"):
            lang, from_param = _requested_locale()
            cookie_name = app.config["LANG_COOKIE_NAME"]
            if from_param and request.cookies.get(cookie_name) != lang:
                response.set_cookie(
                    cookie_name,
                    lang,
                    max_age=ONE_YEAR,
                    samesite="Lax",
                    httponly=True,
                    secure=app.config["LANG_COOKIE_SECURE"],
                )
        if asked or "lang" in g:  # the language cookie chose what this response says
            response.vary.add("Cookie")
        return response
