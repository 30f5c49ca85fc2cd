"""Words for a quote's statuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.quotes.models import QuoteStatus

QUOTE_STATUS = {
    QuoteStatus.REQUESTED: _l("Quote requested"),
    QuoteStatus.SENT: _l("Quote sent"),
    QuoteStatus.ACCEPTED: _l("Quote accepted"),
    QuoteStatus.DECLINED: _l("Quote declined"),
    QuoteStatus.EXPIRED: _l("Quote expired"),
    QuoteStatus.WITHDRAWN: _l("Quote withdrawn"),
    QuoteStatus.SUPERSEDED: _l("Quote replaced"),
}


def status_label(status: str):
    return QUOTE_STATUS.get(status, status)
