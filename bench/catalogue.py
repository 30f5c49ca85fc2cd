"""A benchmark catalogue: the demo seed (goods and experiences) plus generated products up to a
target size, and generated experiences with a session every day for 60 days."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import func, select

from shop.catalog.models import Category, OcopCertificate, Producer, Product, ProductImage
from shop.demo.seed import seed_demo
from shop.extensions import db
from shop.tourism.models import Experience, ExperienceSession, PriceTier, UnitType
from shop.tourism.rules import utc_from_local

WORDS_VI = ["Chè", "Mật ong", "Mỳ gạo", "Gạo nếp", "Vải", "Măng", "Trà", "Bánh", "Rượu", "Nấm"]
WORDS_EN = ["tea", "honey", "rice noodles", "sticky rice", "lychee", "bamboo", "herbal tea"]


def build(total_products: int, today: date, seed: int = 7) -> int:
    rng = random.Random(seed)
    seed_demo(today)
    db.session.flush()
    producers = db.session.scalars(select(Producer)).all()
    leaves = db.session.scalars(select(Category).where(Category.parent_id.is_not(None))).all()
    images = [p.images[0].path for p in db.session.scalars(select(Product)).all()]
    existing = db.session.scalar(select(func.count(Product.id)))
    for n in range(existing, total_products):
        vi, en = rng.choice(WORDS_VI), rng.choice(WORDS_EN)
        season = rng.random() < 0.3
        product = Product(
            producer=rng.choice(producers),
            category=rng.choice(leaves),
            slug=f"bench-{n}",
            name_vi=f"{vi} đặc sản số {n}",
            name_en=f"Speciality {en} no. {n}",
            description_vi=f"{vi} được làm thủ công theo cách truyền thống. " * 3,
            description_en=f"Hand-made {en}, the traditional way. " * 3,
            unit_vi="gói 500 g",
            unit_en="500 g pack",
            origin="Bắc Ninh",
            price_vnd=rng.randrange(20, 900) * 1000,
            vat_rate=rng.choice([0, 5, 8, 10]),
            stock=rng.randrange(0, 300),
            weight_g=600,
            season_start=rng.choice([301, 501, 1001]) if season else None,
            season_end=rng.choice([630, 831, 1231]) if season else None,
            adult_only=rng.random() < 0.03,
        )
        product.images.append(ProductImage(path=rng.choice(images), alt_vi=vi, position=0))
        db.session.add(product)
        if rng.random() < 0.7:
            decided = today - timedelta(days=rng.randrange(30, 1600))
            db.session.add(
                OcopCertificate.issue(
                    product=product,
                    score=rng.randrange(50, 100),
                    decision_date=decided,
                    certificate_number=f"BENCH-{n}",
                    decision_number=f"BENCH-QĐ-{n}",
                    authority="province",
                    authority_name="UBND tỉnh Bắc Ninh",
                    criteria_version="2023",
                    evaluation_round=str(decided.year),
                )
            )
        if n % 200 == 0:
            db.session.flush()
    db.session.flush()
    for product in db.session.scalars(select(Product).where(Product.slug.like("bench-%"))):
        product.refresh_search_text()
    db.session.commit()
    return db.session.scalar(select(func.count(Product.id)))


def build_experiences(total: int, today: date, days: int = 60, seed: int = 11) -> int:
    """Copies of the demo's Bản Ven day up to ``total`` experiences, each with a 07:30 session
    every day for ``days`` days, some seats taken; returns the number of sessions."""
    rng = random.Random(seed)
    model = db.session.scalar(
        select(Experience).where(Experience.slug == "ban-ven-cao-lan-eco-village-day")
    )
    producers = db.session.scalars(select(Producer)).all()
    existing = db.session.scalar(select(func.count(Experience.id)))
    copied = [
        column.key
        for column in Experience.__table__.columns
        if column.key not in {"id", "slug", "producer_id", "created_at", "updated_at"}
    ]
    for n in range(existing, total):
        experience = Experience(
            **{key: getattr(model, key) for key in copied},
            slug=f"bench-experience-{n}",
            producer=rng.choice(producers),
        )
        experience.name_vi = f"{model.name_vi} số {n}"
        experience.name_en = f"{model.name_en} no. {n}"
        for unit in model.unit_types:
            copy = UnitType(
                code=unit.code,
                name_vi=unit.name_vi,
                name_en=unit.name_en,
                age_min=unit.age_min,
                age_max=unit.age_max,
                seats=unit.seats,
                price_vnd=unit.price_vnd,
                vat_rate=unit.vat_rate,
                min_per_booking=unit.min_per_booking,
                max_per_booking=unit.max_per_booking,
                position=unit.position,
            )
            copy.tiers.extend(
                PriceTier(min_quantity=t.min_quantity, price_vnd=t.price_vnd) for t in unit.tiers
            )
            experience.unit_types.append(copy)
        db.session.add(experience)
        db.session.flush()
        experience.refresh_search_text()
    for experience in db.session.scalars(
        select(Experience).where(Experience.slug.like("bench-experience-%"))
    ):
        for offset in range(1, days + 1):
            starts = utc_from_local(today + timedelta(days=offset), time(7, 30))
            db.session.add(
                ExperienceSession(
                    experience_id=experience.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=experience.duration_minutes),
                    capacity=30,
                    seats_taken=rng.choice([0, 0, 10, 25, 30]),
                )
            )
    db.session.commit()
    return db.session.scalar(select(func.count(ExperienceSession.id)))
