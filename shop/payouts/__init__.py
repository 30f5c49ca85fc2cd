"""Producers' ledger and payouts: what each producer is owed, and payout runs."""

from flask import Blueprint

bp = Blueprint("payouts", __name__)

# The ledger answers the orders domain's signals (payment, refund, delivery).
from shop.payouts import (  # noqa: E402, F401
    bank_routes,
    receivers,
    remittance_routes,
    report_routes,
    routes,
)
