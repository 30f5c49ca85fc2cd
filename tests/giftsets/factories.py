"""A gift set with volume tiers, built through the services."""

from __future__ import annotations

from shop.bundles.giftsets import set_tiers
from shop.bundles.services import put_on_sale
from shop.extensions import db
from tests.bundles.factories import gen_bundle
from tests.factories import gen_producer, gen_product

TIERS = [(1, 500_000), (10, 470_000), (50, 450_000), (200, 420_000)]


def gen_gift_set(parts=None, *, tiers=TIERS, price_vnd=500_000, **fields):
    """A gift set on sale of ``parts`` (default: 2 × 150 000 from one producer and 1 × 250 000
    from another, 550 000 separately) with ``tiers``."""
    if parts is None:
        parts = [
            (gen_product(producer=gen_producer(), price_vnd=150_000, stock=500, vat_rate=5), 2),
            (gen_product(producer=gen_producer(), price_vnd=250_000, stock=500, vat_rate=10), 1),
        ]
    bundle = gen_bundle("gift_set", parts, on_sale=False, price_vnd=price_vnd, **fields)
    set_tiers(bundle, tiers)
    put_on_sale(bundle)
    db.session.flush()
    return bundle
