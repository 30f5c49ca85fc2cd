"""A benchmark catalogue: the demo seed plus generated products up to a target size."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from shop.catalog.demo import seed_demo
from shop.catalog.models import Category, OcopCertificate, Producer, Product, ProductImage
from shop.extensions import db

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
