"""Response hardening: security headers, private pages kept out of caches, refused hosts and
oversized bodies.

* Every response carries a Content-Security-Policy without inline scripts (scripts come from
  ``static/js``; the product page's JSON-LD data block carries the request's nonce),
  ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff`` and a Referrer-Policy;
  Strict-Transport-Security when ``HSTS_SECONDS`` is set (production).
* Pages of the private blueprints (account, cart, checkout and orders, payment, producer and
  admin) are ``Cache-Control: no-store``.
* A Host header outside ``TRUSTED_HOSTS`` gets a bare 400 (Flask raises ``SecurityError``).
* A body over ``MAX_CONTENT_LENGTH`` gets a 413; a view that takes uploads allows more with
  ``@max_body(bytes)``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Request, current_app, g, jsonify, render_template, request
from flask.wrappers import Response
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError

from shop.errors import problem, wants_json, wants_problem

PRIVATE_BLUEPRINTS = frozenset({"accounts", "cart", "checkout", "payments", "producer", "admin"})

F = TypeVar("F", bound=Callable)


NONCE_ENVIRON_KEY = "shop.csp_nonce"


def csp_nonce() -> str:
    """This response's script nonce (made on first use; ``SecurityHeaders`` puts it in the
    policy)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = request.environ[NONCE_ENVIRON_KEY] = secrets.token_urlsafe(16)
    return nonce


_CSP_BEFORE_SCRIPTS = "default-src 'self'; script-src 'self'"
_CSP_AFTER_SCRIPTS = (
    "; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def content_security_policy(nonce: str | None) -> str:
    """The policy: scripts from the shop only, plus the one JSON-LD block carrying ``nonce``."""
    scripts = f" 'nonce-{nonce}'" if nonce else ""
    return _CSP_BEFORE_SCRIPTS + scripts + _CSP_AFTER_SCRIPTS


class SecurityHeaders:
    """WSGI middleware adding the security headers to every response the app makes (static
    files get theirs from WhiteNoise): the Content-Security-Policy with the response's nonce,
    nosniff, Referrer-Policy, X-Frame-Options and, when ``HSTS_SECONDS`` is set,
    Strict-Transport-Security. A header the view set itself (a stricter policy, say) is kept.

    Added to the header list as the response starts, which costs a fraction of setting them on
    the response object (each of those is parsed, validated and looked up by name)."""

    STATIC = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    )

    def __init__(self, app, config) -> None:
        self.app = app
        self.config = config

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            if "content-security-policy" not in present:
                nonce = environ.get(NONCE_ENVIRON_KEY)
                headers.append(("Content-Security-Policy", content_security_policy(nonce)))
            headers.extend(item for item in self.STATIC if item[0].lower() not in present)
            hsts = self.config.get("HSTS_SECONDS")
            if hsts and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", f"max-age={hsts}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def max_body(limit: int) -> Callable[[F], F]:
    """Let one view accept bodies up to ``limit`` bytes (uploads) instead of
    ``MAX_CONTENT_LENGTH``. Applied before any hook reads the form (CSRF, rate limits)."""

    def decorate(view: F) -> F:
        view.max_body = limit  # type: ignore[attr-defined]
        return view

    return decorate


class ShopRequest(Request):
    """A request whose body limit is its view's ``@max_body`` when it has one.

    Decided when the limit is read, so no hook that reads the form first (the edge checks,
    CSRF, rate limits) can apply the application-wide limit to an upload view."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and current_app:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            limit = getattr(view, "max_body", None)
            if limit is not None:
                return limit
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def configure_security(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    app.request_class = ShopRequest

    # ``g`` starts empty on every request (``shop._fresh_g``), so no nonce outlives its page.
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config)  # type: ignore[method-assign]

    def _no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        return response

    for name in PRIVATE_BLUEPRINTS:  # hooks of a blueprint run only for its own requests
        app.after_request_funcs.setdefault(name, []).append(_no_store)

    @app.errorhandler(SecurityError)
    def _unknown_host(_error: SecurityError):
        # No page: links cannot be built for a host the shop does not answer to.
        return Response("Bad Request: unknown host\n", 400, content_type="text/plain")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge):
        limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH")
        if wants_problem():
            return problem(
                413, "payload_too_large", "The request body is too large.", max_bytes=limit
            )
        if wants_json():
            body = {"code": "payload_too_large", "message": "request body too large"}
            return jsonify(error=body, max_bytes=limit), 413
        return render_template("errors/413.html", error_page=True, max_bytes=limit), 413
