"""The public JSON API v1 (``/api/v1``): the catalogue, experiences with their availability in
OCTO's shape, certificate verification and order status, described by an OpenAPI 3.1 document
generated from the code (``/api/v1/openapi.json``) and a docs page rendered from it
(``/api/v1/docs``). Errors are problem details (``shop.api.problems``)."""

from apiflask import APIBlueprint
from flask import Blueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Catalogue")
# The docs page: HTML in the site's layout, not an operation of the API.
docs_bp = Blueprint("api_docs", __name__)

from shop.api import docs, partner, routes  # noqa: E402, F401
