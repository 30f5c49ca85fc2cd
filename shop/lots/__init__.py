"""Harvest lots and traceability: a lot's public page ``/trace/<code>`` (the OCOP stamp's QR
leads there). The producer side lives in ``shop.producer.lots``."""

from flask import Blueprint

bp = Blueprint("lots", __name__)

from shop.lots import routes  # noqa: E402, F401
