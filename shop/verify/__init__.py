"""Certificate verification: ``/verify`` and ``/verify/<certificate number>``, the answer a
consumer needs when a package carries an OCOP logo."""

from flask import Blueprint

bp = Blueprint("verify", __name__)

from shop.verify import routes  # noqa: E402, F401
