"""The public traceability page ``/trace/<code>``: what the QR of an OCOP stamp opens.

Anyone may read it (the code is printed on the goods), so it shows nothing personal: the
product, its producer and commune, the lot's dates and origin, the product's OCOP certificate
as it stood on the harvest date, and how many orders the lot went into. Rate-limited per
address like the ticket page; a code that is not a lot's is a 404.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.wrappers import Response

from shop.extensions import limiter
from shop.lots import bp
from shop.lots.queries import trace_view
from shop.lots.services import normalise_lot_code
from shop.templating import local_today

TRACE_LIMITS = "30 per minute;300 per hour"


@bp.after_request
def _not_indexed(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/trace/<code>")
@limiter.limit(TRACE_LIMITS)
def trace(code: str):
    wanted = normalise_lot_code(code)
    if not wanted:
        abort(404)
    view = trace_view(wanted, local_today())
    if view is None:
        abort(404)
    if code != wanted:  # typed in lower case or with dashes: one address per lot
        lang = request.args.get("lang")
        return redirect(
            url_for("lots.trace", code=wanted, lang=lang if lang in ("vi", "en") else None), 301
        )
    return render_template("lots/trace.html", view=view)
