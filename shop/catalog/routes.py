"""Catalogue pages: home, listing, product, producers, sitemap."""

from __future__ import annotations

from flask import current_app, make_response, render_template, request
from markupsafe import Markup

from shop.cache import catalogue_cache
from shop.catalog import bp
from shop.catalog.forms import LISTING_PARAMETERS, parse_listing_args
from shop.catalog.hooks import call_hook
from shop.catalog.models import Producer
from shop.catalog.reads import CategoryTree, category_tree
from shop.catalog.services import (
    STAR_CHOICES,
    ListingPage,
    get_home_page,
    get_producer_page,
    get_product_page,
    search_products,
    sitemap_entries,
)
from shop.catalog.structured_data import product_jsonld
from shop.db import utcnow
from shop.extensions import db
from shop.templating import (
    current_lang,
    fill_csrf,
    local_today,
    render_shared,
    sees_shared_pages,
)


def _shared_body(key: tuple, render) -> Markup:
    """A page body rendered once per worker for everyone (see shop/cache.py); per-visitor
    bits, the CSRF token of the add-to-cart forms, are filled in afterwards."""
    body = catalogue_cache().get_or_set(key, lambda: render_shared(render))
    return Markup(fill_csrf(body))  # noqa: S704 - our own rendered template


def _shared_page(key: tuple, render, parameters: frozenset[str] = frozenset({"lang"})) -> str:
    """The whole page, header included, rendered once for every visitor who sees shared pages
    (``sees_shared_pages``: not signed in, no cart, no message); anyone else gets ``render()``
    (whose body still comes from the shared body cache). Only pages without a script nonce.

    Only for query strings made of the page's own ``parameters``: its links repeat the whole
    query string, so made-up parameters would each fill the cache with another copy."""
    if not sees_shared_pages() or not parameters.issuperset(request.args.keys()):
        return render()
    page = catalogue_cache().get_or_set(("page", *key), lambda: render_shared(render))
    return fill_csrf(page)


def _categories() -> CategoryTree:
    """The OCOP groups, read once per catalogue version."""
    return catalogue_cache().get_or_set(("category-tree",), category_tree)


def _cache_key(*parts: object) -> tuple:
    """Rendered bodies depend on the endpoint, language, day and the whole query string."""
    args = tuple(sorted(request.args.items(multi=True)))
    return (request.endpoint, current_lang(), local_today(), args, *parts)


@bp.get("/")
def home():
    def render_body() -> str:
        today = local_today()
        page = get_home_page(today=today)
        categories = _categories()
        experiences = call_hook("home_experiences", today=today, now=utcnow())
        # OCOP groups whose tile leads to the experiences rather than to goods.
        experience_groups = set()
        for category_id in experiences.category_ids if experiences else ():
            category = categories.by_id.get(category_id)
            while category is not None:
                experience_groups.add(category.slug)
                category = category.parent
        return render_template(
            "catalog/_home_body.html",
            page=page,
            groups=categories.groups,
            experiences=experiences.cards if experiences else [],
            experience_groups=experience_groups,
            gift_sets=call_hook("home_gift_sets", default=[]),
        )

    key = _cache_key()
    return _shared_page(
        key, lambda: render_template("catalog/home.html", body=_shared_body(key, render_body))
    )


@bp.get("/products")
def product_list():
    categories = _categories()
    filters, errors = parse_listing_args(request.args, categories.slugs)
    per_page = current_app.config["PRODUCTS_PER_PAGE"]

    def render_body(listing: ListingPage) -> str:
        experiences, gift_sets = [], []
        if filters.q and listing.page == 1 and not errors:
            experiences = call_hook(
                "search_experiences", filters.q, today=local_today(), default=[]
            )
            gift_sets = call_hook("search_gift_sets", filters.q, default=[])
        return render_template(
            "catalog/_listing_body.html",
            listing=listing,
            filters=filters,
            errors=errors,
            star_choices=STAR_CHOICES,
            experiences=experiences,
            gift_sets=gift_sets,
        )

    def render_page(body: str) -> str:
        return render_template(
            "catalog/product_list.html",
            body=Markup(body),  # noqa: S704 - our own rendered template (or shared body)
            filters=filters,
            errors=errors,
        )

    if errors:
        empty = ListingPage(cards=[], total=0, page=1, per_page=per_page)
        empty.groups = list(categories.groups)
        return render_page(render_body(empty)), 400
    key = _cache_key(per_page)

    def render_listing() -> str:
        return render_page(
            _shared_body(
                key,
                lambda: render_body(
                    search_products(
                        filters, today=local_today(), per_page=per_page, categories=categories
                    )
                ),
            )
        )

    return _shared_page(key, render_listing, LISTING_PARAMETERS)


@bp.get("/products/<slug>")
def product_detail(slug: str):
    # Stock held by unpaid orders past their payment window counts as available (read only:
    # the checkout that needs it releases it).
    page = get_product_page(slug, today=local_today(), now=utcnow(), categories=_categories())

    # Below the buy box (description, certificate, seller, more from the producer) the page is
    # the same for everyone until the catalogue changes; the buy box with its stock stays live.
    def render_details() -> str:
        producer = page.product.producer
        visits = call_hook(
            "experiences_near",
            producer.id,
            producer.commune,
            today=local_today(),
            now=utcnow(),
            default=[],
        )
        return render_template(
            "catalog/_product_details.html", page=page, product=page.product, visits=visits
        )

    details = _shared_body(_cache_key(page.product.id, slug), render_details)
    return render_template(
        "catalog/product_detail.html",
        page=page,
        product=page.product,
        stock=page.stock,
        jsonld=product_jsonld(page),
        details=details,
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
    others = call_hook("sitemap_entries", default=[])
    response = make_response(
        render_template(
            "catalog/sitemap.xml", products=products, producers=producers, others=others
        )
    )
    response.mimetype = "application/xml"
    return response
