"""What a product card shows, worked out in Python once per card.

A listing renders dozens of cards; doing the lookups here instead of in many small template
calls keeps a page render to a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import get_locale, gettext
from markupsafe import Markup

from shop.catalog.availability import Availability, AvailabilityKind, availability
from shop.catalog.models import Product
from shop.catalog.places import place_in, producer_name_in
from shop.catalog.reads import CardProduct
from shop.catalog.services import ProductCard
from shop.media import picture_target
from shop.money import format_vnd
from shop.templating import current_lang, localdate, localized_in, url_builder


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


class CardContext:
    """What every card of one grid shares, looked up once per grid: the language, the day and
    the words of the tags (each translation lookup costs more than the rest of a card)."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today
        self.lang = current_lang()
        self.locale = str(get_locale())
        self.url_for = url_builder()
        self.in_season = gettext("In season")
        self.adult = gettext("For buyers aged 18 and over")
        self.sold_out = Tag("tag-muted", gettext("Sold out"))
        self.preorder_full = Tag("tag-muted", gettext("Pre-order full"))
        self.paused = Tag("tag-muted", gettext("Not on sale"))


def availability_tag(answer: Availability, context: CardContext | None = None) -> Tag | None:
    """The short availability tag of a card or cart line (none while simply on sale)."""
    kind = answer.kind
    if kind == AvailabilityKind.ON_SALE:
        return None
    if kind == AvailabilityKind.PREORDER:
        label = gettext("Pre-order · ships from %(date)s", date=localdate(answer.date))
        return Tag("tag-preorder", label)
    if kind == AvailabilityKind.OUT_OF_SEASON:
        label = gettext("Out of season · back %(date)s", date=localdate(answer.date))
        return Tag("tag-muted", label)
    context = context or CardContext()
    if kind == AvailabilityKind.SOLD_OUT:
        return context.preorder_full if answer.preorder else context.sold_out
    return context.paused


def extra_tags(
    product: Product | CardProduct,
    answer: Availability,
    today: date,
    context: CardContext | None = None,
) -> list[Tag]:
    """What a card or product page says besides its availability: in season, 18+."""
    tags = []
    if answer.kind == AvailabilityKind.ON_SALE and product.in_season_on(today):
        tags.append(Tag("tag-season", context.in_season if context else gettext("In season")))
    if product.adult_only:
        title = context.adult if context else gettext("For buyers aged 18 and over")
        tags.append(Tag("tag-adult", "18+", title))
    return tags


def card_view(card: ProductCard, context: CardContext) -> CardView:
    product = card.product
    image = product.images[0] if product.images else None
    today = context.today
    answer = availability(product, today)
    tag = availability_tag(answer, context)
    tags = extra_tags(product, answer, today, context)
    return CardView(
        url=context.url_for("catalog.product_detail", slug=product.slug),
        name=localized_in(product, "name", context.lang),
        name_is_vi=context.lang != "vi" and not product.name_en,
        producer=producer_name_in(product.producer.name, context.lang, context.locale)
        + " · "
        + place_in(product.producer.commune, context.lang, context.locale),
        image_url=_picture_url(context, image.path if image else None),
        image_alt=localized_in(image, "alt", context.lang) if image else "",
        price=format_vnd(product.price_vnd),
        unit=localized_in(product, "unit", context.lang),
        stars=card.stars,
        availability=answer,
        product_id=product.id,
        can_add=answer.can_buy and not product.adult_only,
        tags=[tag, *tags] if tag else tags,
    )


def _picture_url(context, path: str | None) -> str:
    """A card's picture: an upload's thumbnail, or the static file."""
    endpoint, filename = picture_target(path, "thumb")
    return context.url_for(endpoint, filename=filename)
