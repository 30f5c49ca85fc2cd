"""The gift sets a recipient list may name: looked up by code (slug) or by name in either
language, accents and case ignored (read-only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.batches.recipients import GiftSet, Season
from shop.bundles.models import Bundle, BundleComponent, BundleKind
from shop.catalog.models import ShippingClass
from shop.extensions import db
from shop.text import fold


def _as_gift_set(bundle: Bundle) -> GiftSet:
    seasons = tuple(
        Season(product=c.product.name_vi, start=c.product.season_start, end=c.product.season_end)
        for c in bundle.goods
        if c.product.shipping_class == ShippingClass.FRESH_PERISHABLE
        and c.product.season_start is not None
        and c.product.season_end is not None
    )
    return GiftSet(
        id=bundle.id, slug=bundle.slug, name=bundle.name_vi, on_sale=bundle.active, seasons=seasons
    )


def lookup_gift_set(text: str) -> GiftSet | None:
    """The gift set whose slug is ``text``, else the one whose Vietnamese or English name
    matches it (accents and case aside); None when there is none."""
    wanted = text.strip()
    query = (
        select(Bundle)
        .where(Bundle.kind == BundleKind.GIFT_SET)
        .options(selectinload(Bundle.components).selectinload(BundleComponent.product))
    )
    by_slug = db.session.scalars(query.where(Bundle.slug == wanted.lower())).first()
    if by_slug is not None:
        return _as_gift_set(by_slug)
    folded = fold(wanted)
    for bundle in db.session.scalars(query.order_by(Bundle.id)):
        if folded in (fold(bundle.name_vi), fold(bundle.name_en)):
            return _as_gift_set(bundle)
    return None
