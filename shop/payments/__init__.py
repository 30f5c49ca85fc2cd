"""Payments: providers (Stripe, cash on delivery, demo, bank transfer), webhooks, refunds and
the import of incoming bank transfers."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

from shop.payments import bank_routes, routes  # noqa: E402, F401
