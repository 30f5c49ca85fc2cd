"""Quotes for gift batches: requested by the organisation's buyer, priced and sent by the
office, accepted by the organisation before it expires (the stock reserved then, the batch's
orders created at the quote's prices); the quote as PDF with its VietQR."""

from flask import Blueprint

bp = Blueprint("quotes", __name__)

from shop.quotes import routes  # noqa: E402, F401
