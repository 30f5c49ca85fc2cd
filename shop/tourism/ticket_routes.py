"""The ticket page ``/tickets/<code>`` and its PDF voucher ``/tickets/<code>.pdf``.

The code is the secret (10 characters of a 31-letter alphabet: about 50 bits), so the pages
are rate-limited per address, never cached (``no-store``) and never indexed. Both speak the
booking's language unless ``?lang=`` asks for another.
"""

from __future__ import annotations

import segno
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import force_locale
from markupsafe import Markup

from shop.extensions import limiter
from shop.templating import local_today
from shop.tourism.queries import TicketState, TicketView, goods_from, ticket_view
from shop.tourism.services import TICKET_CODE_LENGTH, normalise_code
from shop.tourism.ticket_text import (
    cancellation_words,
    clock,
    session_day,
    short_day,
    ticket_state_text,
    time_range,
    units_summary,
)
from shop.urls import absolute_url

bp = Blueprint("tickets", __name__)

# The ticket words, for the ticket page and the operator's pages alike.
for _helper in (
    cancellation_words,
    clock,
    session_day,
    short_day,
    ticket_state_text,
    time_range,
    units_summary,
):
    bp.add_app_template_global(_helper)

TICKET_LIMITS = "30 per minute;300 per hour"


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _load(code: str) -> tuple[TicketView, str]:
    """The ticket and the language to show it in; 404 for a code that is not a ticket."""
    wanted = normalise_code(code)
    if len(wanted) != TICKET_CODE_LENGTH:
        abort(404)
    view = ticket_view(wanted)
    if view is None:
        abort(404)
    lang = request.args.get("lang", "")
    if lang not in ("vi", "en"):
        lang = view.booking.locale
    g.lang = lang
    return view, lang


def _canonical(endpoint: str, code: str) -> str:
    """The ticket's one address; only ``lang`` is carried over from the query (never keys
    ``url_for`` itself reads, such as ``_external``)."""
    lang = request.args.get("lang")
    return url_for(endpoint, code=code, lang=lang if lang in ("vi", "en") else None)


def qr_svg(data: str) -> Markup:
    """The QR code as inline SVG (no script, no style element: nothing the CSP refuses)."""
    return Markup(  # noqa: S704 - segno's own SVG markup of an URL we built
        segno.make(data, error="m").svg_inline(scale=5, border=2, title=data, dark="#111")
    )


@bp.get("/tickets/<code>")
@limiter.limit(TICKET_LIMITS)
def ticket(code: str):
    view, lang = _load(code)
    if code != view.ticket.code:  # typed in lower case or with dashes: one address per ticket
        return redirect(_canonical("tickets.ticket", view.ticket.code), 301)
    url = absolute_url("tickets.ticket", code=view.ticket.code)
    # After the visit: "send home what you tasted" — the goods of the producer visited and of
    # its commune, to be delivered wherever the tourist likes.
    visited = view.state == TicketState.CHECKED_IN or view.booking.status == "completed"
    goods = goods_from(view.experience, today=local_today()) if visited else []
    with force_locale(lang):
        return render_template(
            "tourism/ticket.html", view=view, qr=qr_svg(url), ticket_url=url, goods=goods
        )


@bp.get("/tickets/<code>.pdf")
@limiter.limit(TICKET_LIMITS)
def ticket_pdf(code: str):
    from shop.tourism.pdf import ticket_pdf as render_pdf

    view, lang = _load(code)
    if code != view.ticket.code:
        return redirect(_canonical("tickets.ticket_pdf", view.ticket.code), 301)
    with force_locale(lang):
        body = render_pdf(view, absolute_url("tickets.ticket", code=view.ticket.code))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="ticket-{view.ticket.code}.pdf"'
    return response
