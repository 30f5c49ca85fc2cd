"""Catalogue pages: home, listing, product, producers, sitemap."""

from __future__ import annotations

from flask import current_app, make_response, render_template, request

from shop.catalog import bp
from shop.catalog.forms import parse_listing_args
from shop.catalog.models import Producer
from shop.catalog.services import (
    STAR_CHOICES,
    ListingPage,
    get_home_page,
    get_producer_page,
    get_product_page,
    search_products,
    sitemap_entries,
    top_level_groups,
)
from shop.catalog.structured_data import product_jsonld
from shop.extensions import db
from shop.templating import local_today


@bp.get("/")
def home():
    page = get_home_page(today=local_today())
    return render_template("catalog/home.html", page=page, groups=top_level_groups())


@bp.get("/products")
def product_list():
    filters, errors = parse_listing_args(request.args)
    per_page = current_app.config["PRODUCTS_PER_PAGE"]
    if errors:
        listing = ListingPage(cards=[], total=0, page=1, per_page=per_page)
        listing.groups = top_level_groups()
        status = 400
    else:
        listing = search_products(filters, today=local_today(), per_page=per_page)
        status = 200
    return (
        render_template(
            "catalog/product_list.html",
            listing=listing,
            filters=filters,
            errors=errors,
            star_choices=STAR_CHOICES,
        ),
        status,
    )


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
