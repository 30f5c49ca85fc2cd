"""Reading the experience pages' query strings, with a message per bad parameter."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from shop.catalog.forms import MAX_PRICE_VND, MAX_QUERY_LENGTH, _whole_number
from shop.tourism.queries import ExperienceFilters

MAX_PARTY = 100
# How far back and ahead dates and months may be asked for.
MAX_DAYS_AHEAD = 730
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)
LISTING_PARAMETERS = frozenset(
    {"q", "from", "to", "party", "language", "max_price", "province", "lang"}
)


def parse_day(raw: str | None, today: date) -> date | None:
    """``YYYY-MM-DD`` (ASCII digits only) within a year back and two years ahead, else None."""
    text = (raw or "").strip()
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    if not today - timedelta(days=366) <= day <= today + timedelta(days=MAX_DAYS_AHEAD):
        return None
    return day


def parse_month(raw: str | None, today: date) -> date | None:
    """``YYYY-MM`` as the month's first day, within the same range as ``parse_day``."""
    text = (raw or "").strip()
    if not _ISO_MONTH.fullmatch(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        return None
    first = date(year, month, 1)
    lowest = today.replace(day=1) - timedelta(days=366)
    if not lowest <= first <= today + timedelta(days=MAX_DAYS_AHEAD):
        return None
    return first


def parse_experience_args(
    args: MultiDict, *, today: date, provinces: list[str], languages: list[str]
) -> tuple[ExperienceFilters, dict[str, str]]:
    """``request.args`` of ``/experiences`` as filters; errors maps a parameter to its message.
    Parameters the listing does not know are ignored."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    q = args.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = _("Search text is too long: %(n)d characters at most.", n=MAX_QUERY_LENGTH)
    else:
        values["q"] = q

    for name, key in (("from", "date_from"), ("to", "date_to")):
        raw = args.get(name, "").strip()
        if not raw:
            continue
        day = parse_day(raw, today)
        if day is None:
            errors[name] = _("Enter a date as YYYY-MM-DD, within the next two years.")
        else:
            values[key] = max(day, today)
    first, last = values.get("date_from"), values.get("date_to")
    if first and last and first > last:  # type: ignore[operator]
        errors["to"] = _("The last date must not be before the first date.")

    raw = args.get("party", "").strip()
    if raw:
        party = _whole_number(raw, 1, MAX_PARTY)
        if party is None:
            errors["party"] = _(
                "Enter the number of people, a whole number from 1 to %(n)d.", n=MAX_PARTY
            )
        else:
            values["party"] = party

    language = args.get("language", "").strip()
    if language:
        if language not in languages:
            errors["language"] = _("No experience is guided in that language.")
        else:
            values["language"] = language

    raw = args.get("max_price", "").strip()
    if raw:
        price = _whole_number(raw, 0, MAX_PRICE_VND)
        if price is None:
            errors["max_price"] = _(
                "Enter a price in đồng, a whole number from 0 to 1.000.000.000."
            )
        else:
            values["max_price"] = price

    province = args.get("province", "").strip()
    if province:
        if province not in provinces:
            errors["province"] = _("There are no experiences in that province.")
        else:
            values["province"] = province

    return ExperienceFilters(**values), errors  # type: ignore[arg-type]
