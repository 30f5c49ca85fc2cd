"""Reading the listing's query string into filters, with a message per bad parameter."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from shop.catalog.services import SORTS, STAR_CHOICES, ListingFilters
from shop.http import parse_int

MAX_QUERY_LENGTH = 200
MAX_PRICE_VND = 1_000_000_000
MAX_PAGE = 10_000
TRUE_VALUES = {"1", "on", "true", "yes"}
# Every parameter the listing reads (and ``lang``, which any page takes).
LISTING_PARAMETERS = frozenset(
    {
        "q",
        "group",
        "stars",
        "certified",
        "commune",
        "min_price",
        "max_price",
        "in_season",
        "exclude_adult",
        "sort",
        "page",
        "lang",
    }
)


def _whole_number(raw: str, lowest: int, highest: int) -> int | None:
    """A whole number typed with or without thousands separators (``285.000``)."""
    return parse_int(raw.replace(".", "").replace(",", "") if raw else "", lowest, highest)


def parse_listing_args(
    args: MultiDict, group_slugs: frozenset[str]
) -> tuple[ListingFilters, dict[str, str]]:
    """Turn ``request.args`` into ``ListingFilters``; errors maps a parameter to its message."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    q = args.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = _("Search text is too long: %(n)d characters at most.", n=MAX_QUERY_LENGTH)
    else:
        values["q"] = q

    group = args.get("group", "").strip()
    if group:
        if group not in group_slugs:
            errors["group"] = _("There is no such product group.")
        else:
            values["group"] = group

    stars: list[int] = []
    for raw in args.getlist("stars"):
        if raw.strip() in {str(s) for s in STAR_CHOICES}:
            stars.append(int(raw))
        elif raw.strip():
            errors["stars"] = _("OCOP stars can be 3, 4 or 5.")
    values["stars"] = tuple(sorted(set(stars)))

    values["certified"] = args.get("certified", "").lower() in TRUE_VALUES
    values["in_season"] = args.get("in_season", "").lower() in TRUE_VALUES
    values["exclude_adult"] = args.get("exclude_adult", "").lower() in TRUE_VALUES

    commune = args.get("commune", "").strip()
    if len(commune) > 80:
        errors["commune"] = _("There is no such commune.")
    elif commune:
        values["commune"] = commune

    for name in ("min_price", "max_price"):
        raw = args.get(name, "").strip()
        if not raw:
            continue
        price = _whole_number(raw, 0, MAX_PRICE_VND)
        if price is None:
            errors[name] = _("Enter a price in đồng, a whole number from 0 to 1.000.000.000.")
        else:
            values[name] = price
    low, high = values.get("min_price"), values.get("max_price")
    if low is not None and high is not None and low > high:
        errors["max_price"] = _("The highest price must not be below the lowest price.")

    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        errors["sort"] = _("Unknown sort order.")
    else:
        values["sort"] = sort

    raw_page = args.get("page", "").strip()
    if raw_page:
        page = _whole_number(raw_page, 1, MAX_PAGE)
        if page is None:
            errors["page"] = _("The page must be a whole number from 1 to %(n)d.", n=MAX_PAGE)
        else:
            values["page"] = page

    return ListingFilters(**values), errors  # type: ignore[arg-type]
