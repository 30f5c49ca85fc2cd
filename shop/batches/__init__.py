"""Batch orders: one order per recipient of an organisation's list. The recipient list (read
and checked from a file, a pasted list or one address), the templates to fill in
(``/gift-orders``), and the organisation's batch pages (``/agency/batches``)."""

from flask import Blueprint

bp = Blueprint("batches", __name__, url_prefix="/gift-orders")
pages_bp = Blueprint("gift_batches", __name__)

from shop.batches import claim_pages, pages, routes  # noqa: E402, F401
