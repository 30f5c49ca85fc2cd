"""What a product card shows, worked out in Python once per card.

A listing renders dozens of cards; doing the lookups here instead of in many small template
calls keeps a page render to a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from markupsafe import Markup

from shop.catalog.availability import Availability, AvailabilityKind, availability
from shop.catalog.models import Product
from shop.catalog.places import place, producer_name
from shop.catalog.services import ProductCard
from shop.money import format_vnd
from shop.templating import current_lang, localized
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
    producer: Markup  # name and commune, Vietnamese names marked lang="vi"
    image_url: str
    image_alt: str
    price: str
    unit: str
    stars: int | None
    availability: Availability
    product_id: int = 0
    # Whether the name has no English version (marked lang="vi" for English pages).
    name_is_vi: bool = False
    # Whether a one-click "add to cart" fits: on sale or on pre-order, not alcohol (which needs
    # the age confirmation on the product page).
    can_add: bool = False
    tags: list[Tag] = field(default_factory=list)


def extra_tags(product: Product, answer: Availability, today: date) -> list[Tag]:
    """What a card or product page says besides its availability: in season, 18+."""
    tags = []
    if answer.kind == AvailabilityKind.ON_SALE and product.in_season_on(today):
        tags.append(Tag("tag-season", gettext("In season")))
    if product.adult_only:
        tags.append(Tag("tag-adult", "18+", gettext("For buyers aged 18 and over")))
    return tags


def card_view(card: ProductCard, today: date) -> CardView:
    product = card.product
    image = product.images[0] if product.images else None
    answer = availability(product, today)
    return CardView(
        url=url_for("catalog.product_detail", slug=product.slug),
        name=localized(product, "name"),
        name_is_vi=current_lang() != "vi" and not product.name_en,
        producer=producer_name(product.producer.name) + " · " + place(product.producer.commune),
        image_url=url_for(
            "static", filename=image.path if image else "img/placeholder-product.svg"
        ),
        image_alt=localized(image, "alt") if image else "",
        price=format_vnd(product.price_vnd),
        unit=localized(product, "unit"),
        stars=card.stars,
        availability=answer,
        product_id=product.id,
        can_add=answer.can_buy and not product.adult_only,
        tags=extra_tags(product, answer, today),
    )
