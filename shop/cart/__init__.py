"""The cart: database-backed, found by a token in the signed session cookie."""

from flask import Blueprint

bp = Blueprint("cart", __name__)

from shop.cart import routes  # noqa: E402, F401
