"""What a product card shows, worked out in Python once per card.

A listing renders dozens of cards; doing the lookups here instead of in many small template
calls keeps a page render to a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext

from shop.catalog.models import Product
from shop.catalog.services import ProductCard
from shop.money import format_vnd
from shop.templating import localdate, localized
from shop.templating import remembered_url_for as url_for


@dataclass
class Tag:
    css: str
    label: str
    title: str = ""


@dataclass
class CardView:
    url: str
    name: str
    producer: str
    image_url: str
    image_alt: str
    price: str
    unit: str
    stars: int | None
    product_id: int = 0
    # Whether a one-click "add to cart" fits: on sale, in stock, not alcohol (which needs the
    # age confirmation on the product page).
    can_add: bool = False
    tags: list[Tag] = field(default_factory=list)


def availability_tags(product: Product, today: date) -> list[Tag]:
    """Pre-order, season and stock tags, then the 18+ tag."""
    tags = []
    season = product.in_season_on(today)
    if product.preorder and product.preorder_ships_from:
        date_text = localdate(product.preorder_ships_from, "d MMM")
        tags.append(Tag("tag-preorder", gettext("Pre-order · ships from %(date)s", date=date_text)))
    elif product.stock == 0 and season is False:
        tags.append(Tag("tag-muted", gettext("Out of season")))
    elif product.stock == 0:
        tags.append(Tag("tag-muted", gettext("Out of stock")))
    elif season:
        tags.append(Tag("tag-season", gettext("In season")))
    if product.adult_only:
        tags.append(Tag("tag-adult", "18+", gettext("For buyers aged 18 and over")))
    return tags


def card_view(card: ProductCard, today: date) -> CardView:
    product = card.product
    image = product.images[0] if product.images else None
    return CardView(
        url=url_for("catalog.product_detail", slug=product.slug),
        name=localized(product, "name"),
        producer=f"{product.producer.name} · {product.producer.commune}",
        image_url=url_for(
            "static", filename=image.path if image else "img/placeholder-product.svg"
        ),
        image_alt=localized(image, "alt") if image else "",
        price=format_vnd(product.price_vnd),
        unit=localized(product, "unit"),
        stars=card.stars,
        product_id=product.id,
        can_add=product.stock > 0
        and not product.adult_only
        and (product.preorder or product.in_season_on(today) is not False),
        tags=availability_tags(product, today),
    )
