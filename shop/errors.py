"""Domain errors and the HTML / JSON error handlers."""

from __future__ import annotations

import logging

from flask import Flask, current_app, json, jsonify, render_template, request
from flask.wrappers import Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from shop.extensions import db

log = logging.getLogger(__name__)


class ShopError(Exception):
    """A domain rule said no. ``code`` is stable for the API; ``message`` is for people."""

    code = "shop_error"
    status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ShopError):
    code = "not_found"
    status = 404


class InvalidQuery(ShopError):
    code = "invalid_query"


class InvalidTransition(ShopError):
    code = "invalid_transition"
    status = 409


# The database is down, frozen, locked or too slow: a connection refused or timed out, a
# statement cancelled by statement_timeout, a connection lost, no free connection in the pool.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = "30"


def _database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset anyway
        log.debug("rollback failed while answering an error", exc_info=True)


def unavailable_response():
    """503 "back in a moment", rendered without the database.

    ``render_template`` would run the context processors, which load the signed-in user and the
    cart; this page is rendered straight from the Jinja environment with the language chosen
    from the request alone.
    """
    from shop.templating import current_lang

    headers = {"Retry-After": RETRY_AFTER_SECONDS, "Cache-Control": "no-store"}
    if wants_problem():
        response = problem(503, "unavailable", "The database is unavailable, retry later.")
        response.headers.update(headers)
        return response
    if wants_json():
        body = {"code": "unavailable", "message": "the database is unavailable, retry later"}
        return jsonify(error=body), 503, headers
    page = current_app.jinja_env.get_template("errors/503.html").render(lang=current_lang())
    return page, 503, headers


# Endpoints that answer JSON, so their errors are JSON too.
JSON_PATH_PREFIXES = ("/api/", "/webhooks/", "/addresses/")
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
    500: "server_error",
}


# The JSON API: its errors are RFC 9457 problem details (``application/problem+json``).
API_PATH_PREFIX = "/api/"
PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def wants_problem() -> bool:
    return request.path.startswith(API_PATH_PREFIX)


def problem(status: int, code: str, detail: str = "", **extra: object) -> Response:
    """An API error: ``{"type", "title", "status", "code", "detail"}`` and any ``extra``
    members (``errors`` for a validation failure), as ``application/problem+json``. ``code`` is
    stable (clients branch on it); ``title`` and ``detail`` are for people."""
    body = {
        "type": f"https://ocop.example/problems/{code.replace('_', '-')}",
        "title": PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail or PROBLEM_TITLES.get(status, "Error"),
        **extra,
    }
    return Response(
        json.dumps(body),
        status=status,
        mimetype=PROBLEM_MIMETYPE,
        headers={"Cache-Control": "no-store"},
    )


def wants_json() -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES) or (
        request.accept_mimetypes.best == "application/json"
    )


def _error_page(template: str, status: int, **context):
    """An error page in the site's layout; the 503 page when the layout cannot load the
    signed-in user or the cart because the database is unavailable."""
    try:
        return render_template(template, error_page=True, **context), status
    except DATABASE_UNAVAILABLE as error:
        _rollback_quietly()
        log.error("database unavailable for the %d page on %s: %s", status, request.path, error)
        return unavailable_response()


def _render(status: int, message: str | None = None):
    if wants_problem():
        return problem(status, ERROR_CODES.get(status, f"http_{status}"), message or "")
    if wants_json():
        code = ERROR_CODES.get(status, str(status))
        return jsonify(error={"code": code, "message": message or ""}), status
    return _error_page(f"errors/{status}.html", status, message=message)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ShopError)
    def handle_shop_error(error: ShopError):
        if wants_problem():
            return problem(error.status, error.code, error.message)
        if wants_json():
            return jsonify(error={"code": error.code, "message": error.message}), error.status
        if error.status == 404:
            return _error_page("errors/404.html", 404)
        return _error_page("errors/400.html", error.status, message=error.message)

    @app.errorhandler(400)
    def bad_request(error: HTTPException):
        return _render(400, getattr(error, "description", None))

    @app.errorhandler(404)
    def not_found(_error: HTTPException):
        return _render(404)

    @app.errorhandler(405)
    def method_not_allowed(error: HTTPException):
        response = _render(405)
        if wants_problem():  # the API says which methods the resource takes
            for name, value in error.get_headers():
                if name.lower() == "allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(429)
    def too_many_requests(_error: HTTPException):
        # Flask-Limiter adds Retry-After; the limit's wording stays out of the page.
        return _render(429)

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException):
        # The codes without a page of their own: a problem under /api/, Werkzeug's page elsewhere.
        if wants_problem() and error.code is not None:
            response = problem(error.code, ERROR_CODES.get(error.code, f"http_{error.code}"))
            for name, value in error.get_headers():
                if name.lower() not in ("content-type", "content-length"):
                    response.headers[name] = value
            return response
        return error

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        _rollback_quietly()
        log.error("database unavailable on %s: %s", request.path, error)
        return unavailable_response()

    @app.errorhandler(500)
    def internal_error(error: Exception):
        _rollback_quietly()
        original = getattr(error, "original_exception", error)
        if _database_unavailable(original):
            log.error("database unavailable on %s: %s", request.path, original)
            return unavailable_response()
        log.error("unhandled error on %s: %r", request.path, original)
        return _render(500)


class OutOfStock(ShopError):
    code = "out_of_stock"
    status = 409


class ProductUnavailable(ShopError):
    code = "product_unavailable"
    status = 409


class InvalidQuantity(ShopError):
    code = "invalid_quantity"


class AgeConfirmationRequired(ShopError):
    code = "age_confirmation_required"


class InvalidAddress(ShopError):
    code = "invalid_address"


class DeliveryNotPossible(ShopError):
    code = "delivery_not_possible"


class PaymentNotAllowed(ShopError):
    code = "payment_not_allowed"


class PaymentMismatch(ShopError):
    code = "payment_mismatch"
    status = 409


class RefundNotAllowed(ShopError):
    code = "refund_not_allowed"
    status = 409


class CartChanged(ShopError):
    code = "cart_changed"
    status = 409


class TooEarlyToShip(InvalidTransition):
    """A pre-order parcel before its ships-from date, without the office's leave."""

    code = "too_early_to_ship"


class SessionFull(ShopError):
    """Not enough seats left in the session's pool."""

    code = "session_full"
    status = 409


class SessionUnavailable(ShopError):
    """The session cannot be booked: closed, cancelled, past its cut-off, or unknown.
    ``reason`` says which (``closed``, ``cancelled``, ``cutoff``, ``unknown``)."""

    code = "session_unavailable"
    status = 409


class BookingNotAllowed(ShopError):
    """A booking change the rules refuse (cancel too late, move to a full session…);
    ``reason`` says which."""

    code = "booking_not_allowed"
    status = 409


class CheckInRefused(ShopError):
    """A ticket that cannot be checked in here; ``reason`` says why (``unknown``,
    ``cancelled``, ``replaced``, ``wrong_session``, ``other_operator``, ``already``)."""

    code = "check_in_refused"
    status = 409


class BundleUnavailable(ShopError):
    """A bundle that cannot be sold or bought as asked; ``reason`` says why (``unknown``,
    ``paused``, ``session`` — a package bought without one of its experience's sessions —,
    or one of ``validate_bundle``'s reasons)."""

    code = "bundle_unavailable"
    status = 409
