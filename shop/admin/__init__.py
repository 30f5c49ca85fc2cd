"""The OCOP office back-office: every order, refunds, cancellations and reviews."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from shop.admin import audit_routes, listing_routes, producer_routes, routes  # noqa: E402, F401
