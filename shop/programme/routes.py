"""``/ocop``: the programme page (server-rendered charts, each with its numbers in a table,
readable without JavaScript), and ``/ocop/open-data.csv``: every rated item."""

from __future__ import annotations

from flask import render_template

from shop.cache import catalogue_cache
from shop.programme import bp
from shop.programme.queries import (
    EXPIRING_MONTHS,
    FIVE_STARS,
    NEW_PER_YEAR,
    TARGET_RATED,
    TARGET_YEAR,
    programme,
)
from shop.spreadsheet import csv_response
from shop.templating import current_lang, local_today

CSV_HEADER = [
    "certificate_number", "kind", "name_vi", "name_en", "producer", "commune", "province",
    "group_vi", "group_en", "stars", "score", "decision_date", "valid_until",
]  # fmt: skip


# The page lists the soonest; the open data holds every rated item with its last valid day.
EXPIRING_SHOWN = 20


def _programme(today):
    """The figures, read once per day and catalogue version (any change to a certificate,
    product, experience, producer or category starts afresh: ``shop.cache``)."""
    return catalogue_cache().get_or_set(("programme", today), lambda: programme(today))


@bp.get("/ocop")
def page():
    view = _programme(local_today())
    return render_template(
        "programme/ocop.html",
        view=view,
        groups=view.groups_in(current_lang()),
        target_rated=TARGET_RATED,
        target_year=TARGET_YEAR,
        new_per_year=NEW_PER_YEAR,
        five_stars=FIVE_STARS,
        expiring_months=EXPIRING_MONTHS,
        expiring_shown=EXPIRING_SHOWN,
    )


@bp.get("/ocop/open-data.csv")
def open_data():
    """Every product and experience rated today, its best certificate in force (formulas
    neutralised by ``shop.spreadsheet``)."""
    today = local_today()
    rows = [
        [
            item.certificate_number,
            item.kind,
            item.name_vi,
            item.name_en or "",
            item.producer,
            item.commune,
            item.province,
            item.group_vi,
            item.group_en,
            item.stars,
            item.score,
            item.decision_date.isoformat(),
            item.valid_until.isoformat(),
        ]  # fmt: skip
        for item in _programme(today).rated
    ]
    response = csv_response([CSV_HEADER, *rows], f"ocop-rated-{today.isoformat()}.csv")
    response.cache_control.public = True
    response.cache_control.max_age = 600
    return response
