"""The demo catalogue: an idempotent seed of the data files in ``shop/demo`` (upsert by slug /
number)."""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

from sqlalchemy import select

from shop.accounts.models import Role, User, hash_password
from shop.catalog.models import Category, OcopCertificate, Producer, Product, ProductImage
from shop.demo.loader import load_demo_data
from shop.extensions import db

log = logging.getLogger(__name__)


def next_occurrence(month: int, day: int, today: date) -> date:
    """The next ``month``/``day`` on or after ``today`` (this year or the next)."""
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)


def _upsert(model, key: str, value: object, **fields):
    instance = db.session.scalar(select(model).where(getattr(model, key) == value))
    if instance is None:
        instance = model(**{key: value})
        db.session.add(instance)
    for name, field_value in fields.items():
        setattr(instance, name, field_value)
    return instance


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, group in enumerate(load_demo_data().categories):
        parent = _upsert(
            Category,
            "slug",
            group["slug"],
            name_vi=group["name_vi"],
            name_en=group["name_en"],
            position=position,
            parent=None,
        )
        categories[parent.slug] = parent
        for child_position, child in enumerate(group["children"]):
            categories[child["slug"]] = _upsert(
                Category,
                "slug",
                child["slug"],
                name_vi=child["name_vi"],
                name_en=child["name_en"],
                position=child_position,
                parent=parent,
            )
    return categories


def seed_producers() -> dict[str, Producer]:
    demo = load_demo_data()
    return {
        data["slug"]: _upsert(
            Producer,
            "slug",
            data["slug"],
            fresh_delivery_provinces=";".join(demo.fresh_delivery_provinces),
            **{k: v for k, v in data.items() if k != "slug"},
        )
        for data in demo.producers
    }


def seed_products(
    producers: dict[str, Producer], categories: dict[str, Category], today: date
) -> list[Product]:
    demo = load_demo_data()
    products = []
    for data in demo.products:
        season = data["season"]
        preorder = data["preorder"]
        product = _upsert(
            Product,
            "slug",
            data["slug"],
            producer=producers[data["producer"]],
            category=categories[data["category"]],
            name_vi=data["name_vi"],
            name_en=data["name_en"],
            description_vi=data["description_vi"],
            description_en=data["description_en"],
            unit_vi=data["unit_vi"],
            unit_en=data["unit_en"],
            origin=data["origin"],
            price_vnd=data["price_vnd"],
            vat_rate=data["vat_rate"],
            stock=data["stock"],
            weight_g=data["weight_g"],
            shipping_class=data["shipping_class"],
            season_start=season[0] if season else None,
            season_end=season[1] if season else None,
            preorder=bool(preorder),
            preorder_ships_from=next_occurrence(*preorder["ships_on"], today) if preorder else None,
            preorder_cap=preorder["cap"] if preorder else None,
            adult_only=bool(data["adult_only"]),
            active=True,
        )
        if not product.images:
            product.images.append(
                ProductImage(
                    path=f"img/products/{data['slug']}.svg",
                    position=0,
                    alt_vi=data["image_alt_vi"],
                    alt_en=data["image_alt_en"],
                )
            )
        db.session.flush()
        for cert in demo.certificates_of(data["slug"]):
            existing = db.session.scalar(
                select(OcopCertificate).where(OcopCertificate.certificate_number == cert["number"])
            )
            if existing is None:
                db.session.add(
                    OcopCertificate.issue(
                        product=product,
                        certificate_number=cert["number"],
                        decision_number=cert["decision_number"],
                        decision_date=cert["decision_date"],
                        authority=cert["authority"],
                        authority_name=cert["authority_name"],
                        criteria_version=cert["criteria_version"],
                        evaluation_round=cert["evaluation_round"],
                        score=cert["score"],
                    )
                )
        product.refresh_search_text()
        products.append(product)
    return products


@lru_cache(maxsize=8)
def _demo_password_hash(password: str) -> str:
    """scrypt is slow on purpose; the demo's few shared passwords are hashed once per process."""
    return hash_password(password)


def seed_users(producers: dict[str, Producer]) -> None:
    """The demo accounts; each producer's first staff account (in the file's order) is the
    producer's admin, who invites and removes its other staff."""
    admins: set[str] = set()
    for data in load_demo_data().users:
        first_staff = data["role"] == Role.PRODUCER_STAFF and data["producer"] not in admins
        if first_staff:
            admins.add(data["producer"])
        user = _upsert(
            User,
            "email",
            data["email"],
            name=data["name"],
            role=data["role"],
            locale=data["locale"] or "vi",
            producer_id=producers[data["producer"]].id if data["producer"] else None,
            producer_admin=first_staff,
            province_code=data["province_code"],
        )
        if not user.password_hash:
            user.password_hash = _demo_password_hash(data["password"])


def seed_demo(today: date) -> dict[str, int]:
    """Create or update the demo catalogue; running it twice changes nothing the second time."""
    categories = seed_categories()
    producers = seed_producers()
    db.session.flush()
    products = seed_products(producers, categories, today)
    seed_users(producers)
    db.session.flush()
    log.info("demo catalogue: %d producers, %d products", len(producers), len(products))
    return {"categories": len(categories), "producers": len(producers), "products": len(products)}


def catalogue_is_empty() -> bool:
    return db.session.scalar(select(Product.id).limit(1)) is None
