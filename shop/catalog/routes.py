"""Catalogue pages: home, listing, product, producers, sitemap."""

from __future__ import annotations

from flask import current_app, make_response, render_template, request
from markupsafe import Markup

from shop.cache import catalogue_cache
from shop.catalog import bp
from shop.catalog.forms import parse_listing_args
from shop.catalog.models import Producer
from shop.catalog.services import (
    STAR_CHOICES,
    ListingPage,
    all_group_slugs,
    get_home_page,
    get_producer_page,
    get_product_page,
    search_products,
    sitemap_entries,
    top_level_groups,
)
from shop.catalog.structured_data import product_jsonld
from shop.extensions import db
from shop.templating import current_lang, local_today


def _cache_key(*parts: object) -> tuple:
    """Rendered bodies depend on the endpoint, language, day and the whole query string."""
    args = tuple(sorted(request.args.items(multi=True)))
    return (request.endpoint, current_lang(), local_today(), args, *parts)


@bp.get("/")
def home():
    def render_body() -> str:
        page = get_home_page(today=local_today())
        return render_template("catalog/_home_body.html", page=page, groups=top_level_groups())

    body = catalogue_cache().get_or_set(_cache_key(), render_body)
    return render_template("catalog/home.html", body=Markup(body))  # noqa: S704 - our own rendered template


@bp.get("/products")
def product_list():
    group_slugs = catalogue_cache().get_or_set(("group-slugs",), all_group_slugs)
    filters, errors = parse_listing_args(request.args, group_slugs)
    per_page = current_app.config["PRODUCTS_PER_PAGE"]

    def render_body(listing: ListingPage) -> str:
        return render_template(
            "catalog/_listing_body.html",
            listing=listing,
            filters=filters,
            errors=errors,
            star_choices=STAR_CHOICES,
        )

    if errors:
        empty = ListingPage(cards=[], total=0, page=1, per_page=per_page)
        empty.groups = top_level_groups()
        body, status = render_body(empty), 400
    else:
        body = catalogue_cache().get_or_set(
            _cache_key(per_page),
            lambda: render_body(search_products(filters, today=local_today(), per_page=per_page)),
        )
        status = 200
    page = render_template(
        "catalog/product_list.html",
        body=Markup(body),  # noqa: S704 - our own rendered template
        filters=filters,
        errors=errors,
    )
    return page, status


@bp.get("/products/<slug>")
def product_detail(slug: str):
    page = get_product_page(slug, today=local_today())
    return render_template(
        "catalog/product_detail.html",
        page=page,
        product=page.product,
        jsonld=product_jsonld(page),
    )


@bp.get("/producers")
def producer_list():
    producers = db.session.scalars(
        db.select(Producer).where(Producer.active.is_(True)).order_by(Producer.name)
    ).all()
    return render_template("catalog/producer_list.html", producers=producers)


@bp.get("/producers/<slug>")
def producer_detail(slug: str):
    page = get_producer_page(slug, today=local_today())
    return render_template("catalog/producer_detail.html", page=page, producer=page.producer)


@bp.get("/sitemap.xml")
def sitemap():
    products, producers = sitemap_entries()
    response = make_response(
        render_template("catalog/sitemap.xml", products=products, producers=producers)
    )
    response.mimetype = "application/xml"
    return response
