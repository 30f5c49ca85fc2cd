"""The catalogue: producers, OCOP groups, products and certificates."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from shop.catalog import routes  # noqa: E402, F401
