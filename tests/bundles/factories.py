"""Builders for bundles: a package (goods + seats of one experience) and a gift set."""

from __future__ import annotations

from datetime import UTC, datetime

from shop.bundles.models import Bundle, BundleComponent
from shop.bundles.services import put_on_sale
from shop.extensions import db
from tests.factories import gen_contact, gen_experience, gen_product, gen_session, unit

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
# Saturday 12 December 2026, 07:30 local.
STARTS = datetime(2026, 12, 12, 0, 30, tzinfo=UTC)


def gen_bundle(kind: str, parts, *, on_sale: bool = True, **fields) -> Bundle:
    """A bundle of ``parts`` ([(product or unit type, quantity)]), put on sale through the
    service unless ``on_sale`` is False."""
    from shop.catalog.models import Product

    n = len(db.session.scalars(db.select(Bundle.id)).all()) + 1
    values = {
        "slug": f"bundle-{n}",
        "kind": kind,
        "name_vi": f"Gói {n}",
        "name_en": f"Bundle {n}",
        "summary_vi": "Một gói quà.",
        "price_vnd": 500_000,
        "goods_handover": "delivery" if kind == "package" else None,
        **fields,
    }
    bundle = Bundle(active=False, **values)
    for position, (target, quantity) in enumerate(parts):
        key = "product" if isinstance(target, Product) else "unit_type"
        bundle.components.append(
            BundleComponent(**{key: target}, quantity=quantity, position=position)
        )
    db.session.add(bundle)
    db.session.flush()
    if on_sale:
        put_on_sale(bundle)
    return bundle


def gen_package(*, capacity: int = 20, seats_taken: int = 0, stock: int = 10, **fields):
    """A package of 2 adults (300 000 each) on an experience and 2 boxes (150 000 each) of its
    operator's goods at 700 000 (900 000 separately); returns (bundle, session, product)."""
    experience = fields.pop("experience", None) or gen_experience()
    starts_at = fields.pop("starts_at", STARTS)
    session = gen_session(
        experience, starts_at=starts_at, capacity=capacity, seats_taken=seats_taken
    )
    box = fields.pop("product", None) or gen_product(
        producer=experience.producer, price_vnd=150_000, stock=stock, vat_rate=5
    )
    bundle = gen_bundle(
        "package",
        [(unit(experience, "adult"), 2), (box, 2)],
        price_vnd=fields.pop("price_vnd", 700_000),
        **fields,
    )
    return bundle, session, box


def no_address():
    return gen_contact(province=None, commune=None, street=None, province_code=0, commune_code=0)


def buy(lines, *, contact=None, now=NOW, adult_confirmed=False, method="demo"):
    """Place an order of ``lines`` (LineRequests) through the real services."""
    from shop.orders.models import PaymentMethod
    from shop.orders.services import place_order, plan_order
    from tests.factories import order_rules

    plan = plan_order(
        lines,
        contact or gen_contact(),
        payment_method=PaymentMethod(method),
        rules=order_rules(),
        today=now.date(),
        now=now,
        adult_confirmed=adult_confirmed,
    )
    return place_order(plan, now=now)
