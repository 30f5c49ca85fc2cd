"""Vietnam's two-level addresses since July 2025 (34 provinces, 3,321 communes and wards): the
list, lookups and search, and a small JSON endpoint for the checkout's suggestions."""

from flask import Blueprint

bp = Blueprint("addresses", __name__, url_prefix="/addresses")

from shop.addresses import routes  # noqa: E402, F401
