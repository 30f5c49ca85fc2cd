"""Words for tickets, check-in and participant lists, in the language in force: how many of
each unit type ("2 adults + 1 child"), a session's local date and time, a ticket's state, and
the cancellation rules spelled out ("100 % back until …; 50 % back until …; no refund after").
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _

from shop.templating import current_lang
from shop.tourism.models import UnitCode
from shop.tourism.queries import BookedUnits, TicketState, TicketView
from shop.tourism.rules import local, refund_deadlines

DAY_FORMATS = {"en": "EEEE d MMMM y", "vi": "EEEE, dd/MM/y"}
SHORT_DAY_FORMATS = {"en": "EEE d MMM", "vi": "EEE dd/MM"}


def session_day(moment: datetime) -> str:
    """``Saturday 5 December 2026`` / ``Thứ Bảy, 05/12/2026``: the local date."""
    lang = current_lang()
    return format_date(local(moment).date(), DAY_FORMATS.get(lang, DAY_FORMATS["vi"]))


def short_day(moment: datetime) -> str:
    lang = current_lang()
    return format_date(local(moment).date(), SHORT_DAY_FORMATS.get(lang, SHORT_DAY_FORMATS["vi"]))


def clock(moment: datetime) -> str:
    """``06:00``: the local time of day."""
    return format_time(local(moment).timetz(), "HH:mm")


def units_count(code: str, quantity: int, name: str) -> str:
    if code == UnitCode.ADULT:
        return ngettext("%(num)d adult", "%(num)d adults", quantity)
    if code == UnitCode.CHILD:
        return ngettext("%(num)d child", "%(num)d children", quantity)
    if code == UnitCode.SENIOR:
        return ngettext("%(num)d senior", "%(num)d seniors", quantity)
    if code == UnitCode.FAMILY:
        return ngettext("%(num)d family ticket", "%(num)d family tickets", quantity)
    return f"{quantity} × {name}"


def units_summary(units: list[BookedUnits]) -> str:
    """``2 adults + 1 child`` (unit types with nothing left are left out)."""
    lang = current_lang()
    parts = [
        units_count(unit.code, unit.quantity, unit.name(lang)) for unit in units if unit.quantity
    ]
    return " + ".join(parts)


def ticket_state_text(view: TicketView) -> str:
    state = view.state
    if state == TicketState.CHECKED_IN:
        return _("Checked in at %(time)s", time=clock(view.checked_in_at))
    if state == TicketState.CANCELLED:
        return _("Cancelled")
    if state == TicketState.EXPIRED:
        return _("Not valid: the order was never paid")
    if state == TicketState.REPLACED:
        return _("Replaced by a newer ticket")
    return _("Valid")


def cancellation_words(rules: list | None, starts_at: datetime) -> list[str]:
    """The booking's refund tiers as sentences, in time order, and what happens after."""
    deadlines = [(moment, percent) for moment, percent in refund_deadlines(rules, starts_at)]
    sentences = []
    for moment, percent in deadlines:
        if percent <= 0:
            continue
        when = f"{short_day(moment)} {clock(moment)}"
        if percent >= 100:
            sentences.append(_("Free cancellation (full refund) until %(when)s.", when=when))
        else:
            sentences.append(_("%(percent)d %% back until %(when)s.", percent=percent, when=when))
    if sentences:
        sentences.append(_("No refund after that."))
    else:
        sentences.append(_("This booking cannot be refunded if you cancel."))
    return sentences


def time_range(starts_at: datetime, ends_at: datetime) -> str:
    """``06:00–14:00``; a session that ends on another day says that day: ``14:00 – Sun 6 Dec
    12:00`` (an overnight stay)."""
    if local(starts_at).date() == local(ends_at).date():
        return f"{clock(starts_at)}–{clock(ends_at)}"
    return f"{clock(starts_at)} – {short_day(ends_at)} {clock(ends_at)}"
