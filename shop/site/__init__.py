"""Site-wide pages: policies, health check, robots.txt."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from shop.site import routes  # noqa: E402, F401
