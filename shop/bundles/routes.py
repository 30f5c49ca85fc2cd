"""Bundle pages: the bundles on sale, and one bundle with what is inside, its price beside
what the parts cost separately, what can be bought now, a package's dates and the add-to-cart
form (which posts to the cart's ``/cart/add-bundle``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shop.addresses import services as addresses
from shop.bundles import bp
from shop.bundles.giftsets import (
    BANDS_BY_KEY,
    BUDGET_BANDS,
    MAX_ITEMS,
    BudgetBand,
    Constraints,
    budget_band,
    chosen_set,
    eligible_products,
    gift_sets_on_sale,
    propose_sets,
    swap_choices,
)
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
from shop.http import DB_INT_MAX, parse_int
from shop.money import format_vnd as vnd
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


# --- gift sets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftSetCard:
    bundle: Bundle
    availability: BundleAvailability
    band: BudgetBand


@bp.get("/gift-sets")
def gift_sets():
    """Every gift set on sale with its budget band, contents, packaging, card and volume
    prices; ``?band=`` keeps one band."""
    band_key = request.args.get("band", "")
    band = BANDS_BY_KEY.get(band_key)
    error = bool(band_key) and band is None
    today, now = local_today(), utcnow()
    cards = [
        GiftSetCard(b, bundle_availability(b, today=today, now=now), budget_band(b.price_vnd))
        for b in gift_sets_on_sale(band)
    ]
    return render_template(
        "bundles/gift_sets.html", cards=cards, bands=BUDGET_BANDS, band=band, error=error
    ), (400 if error else 200)


@dataclass
class BuilderForm:
    """The builder's GET parameters as typed, and what they mean once checked."""

    band: str = ""
    amount: str = ""
    day: str = ""
    four_stars: bool = False
    province: str = ""
    commune: str = ""
    no_alcohol: bool = False
    no_chilled: bool = False
    errors: dict = field(default_factory=dict)
    constraints: Constraints | None = None
    items: list[int] | None = None


MIN_BUDGET_VND = 50_000
MAX_BUDGET_VND = 50_000_000
MAX_DAYS_AHEAD = 366


def _parse_builder(args) -> BuilderForm:
    form = BuilderForm(
        band=args.get("band", ""),
        amount=args.get("amount", "").strip(),
        day=args.get("date", "").strip(),
        four_stars=args.get("stars") == "4",
        province=args.get("province", ""),
        commune=args.get("commune", ""),
        no_alcohol=args.get("no_alcohol") == "1",
        no_chilled=args.get("no_chilled") == "1",
    )
    asked = any(k in args for k in ("band", "amount", "items"))
    if not asked:
        return form
    budget = None
    if form.amount:
        budget = parse_int(form.amount, MIN_BUDGET_VND, MAX_BUDGET_VND)
        if budget is None:
            form.errors["amount"] = _(
                "Type an amount from %(low)s to %(high)s.",
                low=vnd(MIN_BUDGET_VND),
                high=vnd(MAX_BUDGET_VND),
            )
    elif form.band in BANDS_BY_KEY:
        budget = BANDS_BY_KEY[form.band].target_vnd
    else:
        form.errors["band"] = _("Choose a budget per box or type an amount.")
    today = local_today()
    day = today
    if form.day:
        try:
            day = date.fromisoformat(form.day) if len(form.day) == 10 else None
        except ValueError:
            day = None
        if day is None or not today <= day <= today + timedelta(days=MAX_DAYS_AHEAD):
            form.errors["date"] = _("Choose a delivery date from today to a year ahead.")
    province = commune = None
    if form.province:
        found = parse_int(form.province, 1, 999)
        province = addresses.province(found) if found is not None else None
        if province is None:
            form.errors["province"] = _("Choose a province from the list.")
    if form.commune and not form.errors.get("province"):
        found = parse_int(form.commune, 1, 999_999)
        commune = addresses.commune(found) if found is not None else None
        if commune is None or province is None or commune.province_code != province.code:
            form.errors["commune"] = _("Choose a commune of the province chosen.")
            commune = None
    raw_items = args.getlist("items")
    if raw_items:
        items = [parse_int(raw, 1, DB_INT_MAX) for raw in raw_items]
        if len(items) > MAX_ITEMS or any(i is None for i in items):
            form.errors["chosen"] = _("The products chosen are not ones this builder offers.")
        else:
            form.items = items
    if budget is not None and "date" not in form.errors:
        form.constraints = Constraints(
            budget_vnd=budget,
            day=day,
            four_stars=form.four_stars,
            province_code=province.code if province else None,
            commune_code=commune.code if commune else None,
            no_alcohol=form.no_alcohol,
            no_chilled=form.no_chilled,
        )
    return form


CHOSEN_ERRORS = {
    "count": _l("A box holds from 1 to %(max)d products."),
    "duplicate": _l("Each product can be in the box only once."),
    "ineligible": _l("The products chosen are not ones this builder offers."),
    "budget": _l("With that swap the box no longer fits the budget (±10 %%): choose another."),
}


@bp.get("/gift-sets/builder")
def gift_set_builder():
    """Build a gift box from the catalogue: a budget per box and constraints → up to three
    boxes within ±10 % of the budget; each item can be swapped for another eligible product
    (all in the query string, nothing kept on the server)."""
    form = _parse_builder(request.args)
    proposals, candidates, chosen = [], [], None
    c = form.constraints
    if c is not None and not form.errors:
        candidates = eligible_products(c)
        if form.items is not None:
            try:
                chosen = chosen_set(form.items, candidates, c)
            except ValueError as error:
                message = CHOSEN_ERRORS[str(error)]
                form.errors["chosen"] = str(message) % {"max": MAX_ITEMS}
        proposals = [chosen] if chosen else propose_sets(candidates, c)
    province_code = parse_int(form.province, 1, 999) if form.province else None
    return render_template(
        "bundles/builder.html",
        form=form,
        bands=BUDGET_BANDS,
        provinces=addresses.provinces(),
        communes=addresses.communes(province_code)
        if province_code and addresses.province(province_code)
        else (),
        proposals=[(p, swap_choices(p, candidates, c)) for p in proposals] if c else [],
        max_days=MAX_DAYS_AHEAD,
        today=local_today(),
    ), (400 if form.errors else 200)
