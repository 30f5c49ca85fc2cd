"""VAT invoices: the buyer's invoice data, each producer order's invoice content, issuing it
through an e-invoice provider, and the proforma PDF."""

from flask import Blueprint

bp = Blueprint("invoicing", __name__)

from shop.invoicing import routes  # noqa: E402, F401
