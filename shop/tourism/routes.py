"""Public experience pages: the listing with its filters, and an experience with its month
calendar and the sessions of a chosen day."""

from __future__ import annotations

from flask import render_template, request

from shop.db import utcnow
from shop.http import requested_page
from shop.templating import local_today
from shop.tourism import bp
from shop.tourism.forms import parse_day, parse_experience_args, parse_month
from shop.tourism.queries import (
    ExperienceListing,
    facet_values,
    get_experience_page,
    list_experiences,
)
from shop.tourism.structured_data import experience_jsonld


@bp.get("/experiences")
def experience_list():
    today = local_today()
    provinces, languages = facet_values()
    filters, errors = parse_experience_args(
        request.args, today=today, provinces=provinces, languages=languages
    )
    if errors:
        listing = ExperienceListing(cards=[], provinces=provinces, languages=languages)
        status = 400
    else:
        listing = list_experiences(filters, today=today, now=utcnow(), page=requested_page())
        status = 200
    return (
        render_template(
            "tourism/experience_list.html", listing=listing, filters=filters, errors=errors
        ),
        status,
    )


@bp.get("/experiences/<slug>")
def experience_detail(slug: str):
    today = local_today()
    problems: list[str] = []
    raw_month, raw_day = request.args.get("month"), request.args.get("day")
    month = parse_month(raw_month, today) if raw_month else today.replace(day=1)
    if month is None:
        problems.append("month")
        month = today.replace(day=1)
    day = parse_day(raw_day, today) if raw_day else None
    if raw_day and day is None:
        problems.append("day")
    elif day is not None and not raw_month:
        month = day.replace(day=1)
    elif day is not None and day.replace(day=1) != month:
        problems.append("day")
        day = None
    page = get_experience_page(slug, month=month, day=day, today=today, now=utcnow())
    return render_template(
        "tourism/experience_detail.html",
        page=page,
        experience=page.experience,
        problems=problems,
        chosen_day=day,
        jsonld=experience_jsonld(page),
    )
