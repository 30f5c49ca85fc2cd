"""Bundles: packages (goods + one experience) and gift sets (goods only), sold at their own
price, bought as their component lines."""

from flask import Blueprint

bp = Blueprint("bundles", __name__)

from shop.bundles import routes  # noqa: E402, F401
