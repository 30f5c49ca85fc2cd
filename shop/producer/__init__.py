"""The producer portal: a producer's staff fulfil their parcels of each order, and run their
experiences' sessions (calendar, participant lists, check-in)."""

from flask import Blueprint

bp = Blueprint("producer", __name__, url_prefix="/producer")

from shop.producer import (  # noqa: E402, F401
    catalogue,
    dashboard,
    lots,
    money,
    routes,
    sessions,
    staff,
    statements,
)
