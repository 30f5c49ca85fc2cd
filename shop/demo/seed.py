"""``flask seed-demo``: the demo catalogue (goods) and the demo experiences, idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shop.catalog.demo import seed_demo as seed_catalogue
from shop.catalog.models import Category, Producer, Product
from shop.demo.loader import load_demo_data
from shop.demo.organisations import seed_organisations
from shop.evaluations.authorities import link_certificates, seed_authorities
from shop.extensions import db
from shop.tourism.demo import seed_experiences
from shop.tourism.models import Experience


def seed_demo(today: date) -> dict[str, int]:
    """Create or update the whole demo; running it twice changes nothing the second time."""
    counts = seed_catalogue(today)
    producers = {p.slug: p for p in db.session.scalars(select(Producer))}
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    experiences, sessions = seed_experiences(producers, categories, today)
    organisations = seed_organisations()
    seed_authorities()  # a database made without the migrations (the tests) has none
    link_certificates()
    return counts | {
        "experiences": experiences,
        "sessions": sessions,
        "organisations": organisations,
    }


def demo_is_missing() -> bool:
    """Whether ``seed-demo --if-empty`` should seed: no products at all, or the demo catalogue
    without experiences (a demo database seeded before experiences existed gets them on the
    next ``make run``). A shop with its own products is left alone."""
    if db.session.scalar(select(Product.id).limit(1)) is None:
        return True
    if db.session.scalar(select(Experience.id).limit(1)) is not None:
        return False
    demo_slugs = [product["slug"] for product in load_demo_data().products]
    return (
        db.session.scalar(select(Product.id).where(Product.slug.in_(demo_slugs)).limit(1))
        is not None
    )
