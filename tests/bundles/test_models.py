"""What a bundle may be: the database's CHECKs and the service that puts one on sale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from shop.bundles.models import Bundle, BundleComponent
from shop.bundles.services import put_on_sale
from shop.errors import BundleUnavailable
from shop.extensions import db
from shop.lines import CART_LINE_KINDS, line_target_check
from tests.bundles.factories import gen_bundle
from tests.factories import gen_experience, gen_product, unit


def _flush_fails():
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_licensed_travel_package_cannot_go_on_sale_without_a_licence(app):
    experience = gen_experience()
    bundle = gen_bundle(
        "package",
        [(unit(experience, "adult"), 2), (gen_product(), 1)],
        on_sale=False,
        licensed_travel=True,
    )
    with pytest.raises(BundleUnavailable) as refused:
        put_on_sale(bundle)
    assert refused.value.details["reason"] == "licence"
    assert not bundle.active
    bundle.operator_licence = "01-234/2024/TCDL-GP LHQT"
    put_on_sale(bundle)
    assert bundle.active


def test_the_database_refuses_an_active_licensed_package_without_a_licence(app):
    experience = gen_experience()
    bundle = gen_bundle(
        "package",
        [(unit(experience, "adult"), 2), (gen_product(), 1)],
        licensed_travel=True,
        operator_licence="01-234/2024/TCDL-GP LHQT",
    )
    db.session.commit()
    bundle.operator_licence = "  "
    _flush_fails()


def test_a_gift_set_with_an_experience_is_refused(app):
    experience = gen_experience()
    bundle = gen_bundle(
        "gift_set", [(gen_product(), 1), (unit(experience, "adult"), 1)], on_sale=False
    )
    with pytest.raises(BundleUnavailable) as refused:
        put_on_sale(bundle)
    assert refused.value.details["reason"] == "gift_set_experience"


def test_a_package_holds_exactly_one_experience_and_goods(app):
    one, two = gen_experience(), gen_experience()
    two_experiences = gen_bundle(
        "package",
        [(unit(one, "adult"), 1), (unit(two, "adult"), 1), (gen_product(), 1)],
        on_sale=False,
    )
    no_experience = gen_bundle("package", [(gen_product(), 1)], on_sale=False)
    no_goods = gen_bundle("package", [(unit(one, "adult"), 2)], on_sale=False)
    for bundle, reason in (
        (two_experiences, "package_experience"),
        (no_experience, "package_experience"),
        (no_goods, "no_goods"),
    ):
        with pytest.raises(BundleUnavailable) as refused:
            put_on_sale(bundle)
        assert refused.value.details["reason"] == reason


def test_a_price_below_one_dong_per_unit_is_refused(app):
    bundle = gen_bundle("gift_set", [(gen_product(), 3)], on_sale=False, price_vnd=2)
    with pytest.raises(BundleUnavailable) as refused:
        put_on_sale(bundle)
    assert refused.value.details["reason"] == "price_too_low"


def test_a_component_is_a_product_or_a_unit_type_never_both(app):
    experience = gen_experience()
    bundle = gen_bundle("gift_set", [(gen_product(), 1)])
    bundle.components.append(
        BundleComponent(product=gen_product(), unit_type=unit(experience, "adult"), quantity=1)
    )
    _flush_fails()


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "gift_set", "goods_handover": "pickup"},
        {"kind": "package", "goods_handover": None},
        {"kind": "gift_set", "goods_handover": None, "licensed_travel": True},
        {"kind": "hamper", "goods_handover": None},
        {"kind": "gift_set", "goods_handover": None, "price_vnd": 0},
    ],
)
def test_checks_on_the_bundle_row(app, fields):
    values = {"slug": "x", "name_vi": "X", "price_vnd": 100, "active": False, **fields}
    db.session.add(Bundle(**values))
    _flush_fails()


def test_the_migration_writes_the_cart_lines_check_the_models_declare():
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0010_bundles.py"
    spec = importlib.util.spec_from_file_location("m0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert line_target_check(CART_LINE_KINDS) == module.CART_KIND_TARGET
