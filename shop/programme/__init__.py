"""The province's OCOP programme in public: ``/ocop`` (certified products by stars, group,
commune and year, certificates expiring soon, progress toward the plan's targets) and its open
data as CSV."""

from flask import Blueprint

bp = Blueprint("programme", __name__)

from shop.programme import routes  # noqa: E402, F401
