"""The OCOP office back-office: every order, refunds, cancellations and reviews."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from shop.admin import (  # noqa: E402, F401
    audit_routes,
    evaluation_routes,
    listing_routes,
    producer_routes,
    report_routes,
    routes,
)
