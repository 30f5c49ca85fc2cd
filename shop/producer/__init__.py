"""The producer portal: a producer's staff fulfil their parcels of each order."""

from flask import Blueprint

bp = Blueprint("producer", __name__, url_prefix="/producer")

from shop.producer import routes  # noqa: E402, F401
