"""Words for booking states, in the visitor's language, and the link to a ticket."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from shop.urls import absolute_url

BOOKING_STATUS = {
    "held": _l("Held until payment"),
    "confirmed": _l("Confirmed"),
    "checked_in": _l("Checked in"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired (not paid in time)"),
}


def booking_status_label(status: str) -> str:
    return str(BOOKING_STATUS.get(status, status))


def ticket_link(code: str) -> Markup:
    """The ticket's code, linked to its page (QR code and PDF voucher)."""
    return Markup('<a href="{}"><code>{}</code></a>').format(
        url_for("tickets.ticket", code=code), escape(code)
    )


def ticket_url(code: str) -> str:
    """The ticket page's absolute address (e-mails)."""
    return absolute_url("tickets.ticket", code=code)


def refund_terms(rules: list, starts_at) -> list:
    """The refund deadlines of ``rules`` for a session starting at ``starts_at`` that are still
    ahead, in time order: what cancelling can still give back (a deadline already passed is
    not worth reading)."""
    from shop.db import utcnow
    from shop.tourism.rules import refund_deadlines

    now = utcnow()
    return [
        (until, percent) for until, percent in refund_deadlines(rules, starts_at) if until > now
    ]
