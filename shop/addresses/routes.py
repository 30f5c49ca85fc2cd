"""``GET /addresses/communes?province=<code>&q=<text>``: the checkout's suggestions.

Answers from the list in memory (no database, no session) with a day-long public cache and an
ETag, so browsers and proxies keep the answers.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from shop.addresses import bp
from shop.addresses.services import DATA_VERSION, province, search_communes

QUERY_MAX = 80
CACHE_SECONDS = 86400


def _error(code: str, message: str, status: int):
    return jsonify(error={"code": code, "message": message}), status


@bp.get("/communes")
def communes():
    code = request.args.get("province", "")
    query = request.args.get("q", "")
    if len(query) > QUERY_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in query + code):
        return _error("invalid_query", _("The search text is not valid."), 400)
    found = province(code)
    if found is None:
        return _error("unknown_province", _("Choose a province or city from the list."), 404)
    matches = search_communes(found.code, query)
    response = jsonify(
        province={"code": found.code, "name": found.name},
        query=query,
        communes=[{"code": c.code, "name": c.name} for c in matches],
        version=DATA_VERSION,
    )
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.add_etag()
    return response.make_conditional(request)
