"""Payments: providers (Stripe, cash on delivery, demo), webhooks and refunds."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

from shop.payments import routes  # noqa: E402, F401
