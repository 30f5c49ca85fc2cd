"""Volume price tiers, budget bands and the alcohol-free variant: the service's checks and
the database's constraints behind them."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from shop.bundles.giftsets import BUDGET_BANDS, budget_band, set_tiers, tier_price
from shop.bundles.models import GiftSetTier
from shop.bundles.services import put_on_sale
from shop.errors import BundleUnavailable
from shop.extensions import db
from tests.bundles.factories import gen_bundle, gen_package
from tests.factories import gen_product
from tests.giftsets.factories import gen_gift_set


@pytest.mark.parametrize(
    ("quantity", "price"),
    [
        (1, 500_000),
        (9, 500_000),
        (10, 470_000),
        (49, 470_000),
        (50, 450_000),
        (199, 450_000),
        (200, 420_000),
        (5000, 420_000),
    ],
)
def test_tier_price_at_the_boundaries(app, quantity, price):
    assert tier_price(gen_gift_set(), quantity) == price


def test_no_tiers_and_packages_keep_the_bundle_price(app):
    assert tier_price(gen_gift_set(tiers=[]), 300) == 500_000
    package, _session, _box = gen_package()
    assert tier_price(package, 100) == package.price_vnd
    with pytest.raises(ValueError, match="at least 1"):
        tier_price(package, 0)


@pytest.mark.parametrize(
    ("tiers", "reason"),
    [
        ([(2, 500_000), (10, 470_000)], "tier_first"),  # does not start at 1 box
        ([(1, 480_000), (10, 470_000)], "tier_first"),  # tier 1 is not the set's price
        ([(1, 500_000), (10, 500_000)], "tier_price"),  # not cheaper with more boxes
        ([(1, 500_000), (10, 470_000), (50, 480_000)], "tier_price"),
        ([(1, 500_000), (10, 1)], "tier_too_low"),  # 3 units cannot each get 1 đồng
    ],
)
def test_a_bad_tier_table_is_refused(app, tiers, reason):
    bundle = gen_gift_set(tiers=[])
    with pytest.raises(BundleUnavailable) as error:
        set_tiers(bundle, tiers)
    assert error.value.details["reason"] == reason
    assert bundle.tiers == []


def test_only_gift_sets_have_tiers(app):
    package, _session, _box = gen_package()
    with pytest.raises(BundleUnavailable):
        set_tiers(package, [(1, package.price_vnd), (10, 600_000)])


def test_the_database_refuses_two_tiers_at_one_quantity(app):
    bundle = gen_gift_set()
    db.session.add(GiftSetTier(bundle_id=bundle.id, min_quantity=10, unit_price_vnd=460_000))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("min_quantity", "price"), [(0, 400_000), (20, 0), (-5, 400_000), (20, -1)]
)
def test_the_database_refuses_impossible_tiers(app, min_quantity, price):
    bundle = gen_gift_set()
    db.session.add(
        GiftSetTier(bundle_id=bundle.id, min_quantity=min_quantity, unit_price_vnd=price)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("price", "key"),
    [
        (1, "300k"),
        (299_000, "300k"),
        (399_999, "300k"),
        (400_000, "500k"),
        (620_000, "500k"),
        (749_999, "500k"),
        (750_000, "1m"),
        (5_000_000, "1m"),
    ],
)
def test_budget_bands(price, key):
    assert budget_band(price).key == key
    assert sum(band.contains(price) for band in BUDGET_BANDS) == 1


def _wine():
    return gen_product(price_vnd=250_000, adult_only=True, stock=100)


def test_a_set_with_rice_wine_points_to_its_alcohol_free_variant(app):
    variant = gen_gift_set()
    with_wine = gen_gift_set([(_wine(), 1), (gen_product(stock=100), 2)], tiers=[])
    with_wine.alcohol_free_variant = variant
    put_on_sale(with_wine)
    assert with_wine.alcohol_free_variant_id == variant.id


def test_the_variant_must_be_without_alcohol_and_named_by_a_set_with_alcohol(app):
    plain = gen_gift_set()
    other = gen_gift_set()
    plain.alcohol_free_variant = other
    with pytest.raises(BundleUnavailable):  # nothing to take out of ``plain``
        put_on_sale(plain)
    plain.alcohol_free_variant = None
    wine_a = gen_gift_set([(_wine(), 1)], tiers=[], price_vnd=240_000)
    wine_b = gen_gift_set([(_wine(), 1)], tiers=[], price_vnd=230_000)
    wine_a.alcohol_free_variant = wine_b
    with pytest.raises(BundleUnavailable):  # the variant holds alcohol too
        put_on_sale(wine_a)


def test_the_database_refuses_gift_set_fields_on_a_package_and_a_set_as_its_own_variant(app):
    package, _session, _box = gen_package()
    package.card_text_vi = "Chúc mừng"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    bundle = gen_bundle("gift_set", [(gen_product(), 1)])
    bundle.alcohol_free_variant_id = bundle.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
