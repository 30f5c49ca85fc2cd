"""Domain errors and the HTML / JSON error handlers."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _render(status: int, message: str | None = None):
    if _wants_json():
        return jsonify(error={"code": str(status), "message": message or ""}), status
    return render_template(f"errors/{status}.html", message=message, error_page=True), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ShopError)
    def handle_shop_error(error: ShopError):
        if _wants_json():
            return jsonify(error={"code": error.code, "message": error.message}), error.status
        if error.status == 404:
            return render_template("errors/404.html", error_page=True), 404
        return render_template(
            "errors/400.html", message=error.message, error_page=True
        ), error.status

    @app.errorhandler(400)
    def bad_request(error: HTTPException):
        return _render(400, getattr(error, "description", None))

    @app.errorhandler(404)
    def not_found(_error: HTTPException):
        return _render(404)

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException):
        return _render(405)

    @app.errorhandler(429)
    def too_many_requests(_error: HTTPException):
        # Flask-Limiter adds Retry-After; the limit's wording stays out of the page.
        return _render(429)

    @app.errorhandler(500)
    def internal_error(error: Exception):
        db.session.rollback()
        log.error(
            "unhandled error on %s: %r", request.path, getattr(error, "original_exception", error)
        )
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
