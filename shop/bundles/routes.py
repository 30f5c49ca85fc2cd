"""Bundle pages: the bundles on sale, and one bundle with what is inside, its price beside
what the parts cost separately, what can be bought now, a package's dates and the add-to-cart
form (which posts to the cart's ``/cart/add-bundle``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template, request, url_for

from shop.bundles import bp
from shop.bundles.models import Bundle
from shop.bundles.services import (
    BundleAvailability,
    bundle_availability,
    bundles_on_sale,
    list_price_vnd,
    load_bundle,
    open_sessions,
    saving_vnd,
)
from shop.db import utcnow
from shop.http import parse_int
from shop.templating import local_today


@dataclass(frozen=True)
class BundleCard:
    bundle: Bundle
    availability: BundleAvailability
    list_price_vnd: int
    saving_vnd: int


@dataclass(frozen=True)
class SessionChoice:
    session: object
    count: int  # packages that fit on this date (goods and seats)


def experience_url(slug: str) -> str | None:
    """The experience's page, where the experience pages are served."""
    if "tourism.experience_detail" not in current_app.view_functions:
        return None
    return url_for("tourism.experience_detail", slug=slug)


@bp.get("/bundles")
def bundle_list():
    today, now = local_today(), utcnow()
    cards = [
        BundleCard(
            bundle,
            bundle_availability(bundle, today=today, now=now),
            list_price_vnd(bundle),
            saving_vnd(bundle),
        )
        for bundle in bundles_on_sale()
    ]
    return render_template("bundles/bundle_list.html", cards=cards)


@bp.get("/bundles/<slug>")
def bundle_detail(slug: str):
    bundle = load_bundle(slug=slug)
    if bundle is None or not bundle.active:
        abort(404)
    today, now = local_today(), utcnow()
    goods = bundle_availability(bundle, today=today, now=now)
    choices = []
    if bundle.is_package:
        per = max(bundle.seats_per_bundle, 1)
        choices = [
            SessionChoice(s, min(goods.count, s.seats_left // per))
            for s in open_sessions(bundle, now)
        ]
    # A date asked for in the address (``?session=``) is chosen in the date list.
    chosen = parse_int(request.args.get("session"))
    return render_template(
        "bundles/bundle_detail.html",
        bundle=bundle,
        availability=goods,
        choices=choices,
        chosen=chosen,
        list_price=list_price_vnd(bundle),
        saving=saving_vnd(bundle),
        experience_url=experience_url,
    )
