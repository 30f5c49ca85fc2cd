"""Batch orders: one order per recipient of an agency's list. For now the recipient list
(reading and checking an uploaded file) and the templates to fill in."""

from flask import Blueprint

bp = Blueprint("batches", __name__, url_prefix="/gift-orders")

from shop.batches import routes  # noqa: E402, F401
