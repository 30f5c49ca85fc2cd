"""The demo gift sets load from the demo catalogue: one per budget band, tiers, card texts in
both languages, and the Tết set's alcohol-free variant."""

from __future__ import annotations

from shop.bundles.demo import seed_bundles
from shop.bundles.giftsets import budget_band, gift_sets_on_sale, has_alcohol, tier_price
from shop.demo.seed import seed_demo
from shop.extensions import db
from tests.conftest import DEMO_TODAY


def test_the_demo_gift_sets_load_and_reload(app):
    seed_demo(DEMO_TODAY)
    seed_bundles()
    assert seed_bundles() == 6  # idempotent: the same bundles again
    db.session.commit()
    sets = {b.slug: b for b in gift_sets_on_sale()}
    assert len(sets) == 4
    assert {budget_band(b.price_vnd).key for b in sets.values()} == {"300k", "500k", "1m"}
    for bundle in sets.values():
        assert [t.min_quantity for t in bundle.tiers] == [1, 10, 50, 200]
        assert tier_price(bundle, 1) == bundle.price_vnd > tier_price(bundle, 200)
        assert bundle.card_text_vi
        assert bundle.card_text_en
        assert bundle.packaging_vi
        assert bundle.packaging_en
    tet = sets["tet-kinh-bac-gift-set"]
    assert has_alcohol(tet)
    assert tet.alcohol_free_variant.slug == "tet-kinh-bac-alcohol-free"
    assert not has_alcohol(tet.alcohol_free_variant)
