"""Seed the demo bundles (``shop/demo/bundles.toml``) after the demo goods and experiences.

Idempotent: a bundle is created or updated by slug, its components replaced. A bundle whose
products, experience or unit types are not in the database is skipped (logged), so the seed
works whether or not the demo experiences are there yet."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from sqlalchemy import select

from shop.bundles.giftsets import set_tiers
from shop.bundles.models import Bundle, BundleComponent
from shop.bundles.services import put_on_sale
from shop.catalog.models import Product
from shop.extensions import db
from shop.tourism.models import Experience, UnitType

log = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).parent.parent / "demo" / "bundles.toml"
FIELDS = (
    "kind",
    "goods_handover",
    "price_vnd",
    "image",
    "name_vi",
    "name_en",
    "summary_vi",
    "summary_en",
    "description_vi",
    "description_en",
    "position",
    "licensed_travel",
    "operator_licence",
    "packaging_vi",
    "packaging_en",
    "card_text_vi",
    "card_text_en",
)


def _component(spec: dict, position: int) -> BundleComponent | None:
    if "product" in spec:
        product_id = db.session.scalar(select(Product.id).where(Product.slug == spec["product"]))
        if product_id is None:
            return None
        return BundleComponent(product_id=product_id, quantity=spec["quantity"], position=position)
    unit_type_id = db.session.scalar(
        select(UnitType.id)
        .join(Experience, Experience.id == UnitType.experience_id)
        .where(Experience.slug == spec["experience"], UnitType.code == spec["unit"])
    )
    if unit_type_id is None:
        return None
    return BundleComponent(unit_type_id=unit_type_id, quantity=spec["quantity"], position=position)


def seed_bundles(path: Path = DEMO_FILE) -> int:
    """Create or update the demo bundles whose parts exist; returns how many are on sale."""
    seeded = 0
    specs = tomllib.loads(path.read_text(encoding="utf-8"))["bundles"]
    on_sale: dict[str, Bundle] = {}
    for spec in specs:
        components = [_component(c, i) for i, c in enumerate(spec["components"])]
        if any(c is None for c in components):
            log.info("demo bundle %s skipped: some of its parts are not seeded", spec["slug"])
            continue
        bundle = db.session.scalar(select(Bundle).where(Bundle.slug == spec["slug"]))
        if bundle is None:
            bundle = Bundle(slug=spec["slug"], active=False)
            db.session.add(bundle)
        for field in FIELDS:
            setattr(bundle, field, spec.get(field, False if field == "licensed_travel" else None))
        bundle.summary_vi = bundle.summary_vi or ""
        bundle.description_vi = bundle.description_vi or ""
        bundle.position = bundle.position or 0
        bundle.components.clear()
        db.session.flush()
        bundle.components.extend(components)
        db.session.flush()
        db.session.refresh(bundle)
        bundle.alcohol_free_variant = None
        set_tiers(bundle, [tuple(tier) for tier in spec.get("tiers", [])])
        put_on_sale(bundle)
        on_sale[bundle.slug] = bundle
        seeded += 1
    # Alcohol-free variants once both sets exist; each set is checked again with it.
    for spec in specs:
        bundle, variant = on_sale.get(spec["slug"]), on_sale.get(spec.get("alcohol_free_variant"))
        if bundle is not None and variant is not None:
            bundle.alcohol_free_variant = variant
            db.session.flush()
            put_on_sale(bundle)
    return seeded


def bundles_missing() -> bool:
    return db.session.scalar(select(Bundle.id).limit(1)) is None
