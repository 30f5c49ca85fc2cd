"""Partners' API keys (the office's pages under /admin/api-keys), their bookings through the
API and the idempotency of their requests."""

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/admin/api-keys")

from shop.partners import routes  # noqa: E402, F401
