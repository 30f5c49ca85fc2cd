"""Plain builder functions for test data; each flushes and returns what it made."""

from __future__ import annotations

import itertools
from datetime import date

from shop.catalog.models import Category, OcopCertificate, Producer, Product, ProductImage
from shop.extensions import db

_seq = itertools.count(1)


def gen_category(slug: str | None = None, parent: Category | None = None, **fields) -> Category:
    n = next(_seq)
    category = Category(
        slug=slug or f"group-{n}",
        name_vi=fields.pop("name_vi", f"Nhóm {n}"),
        name_en=fields.pop("name_en", f"Group {n}"),
        parent=parent,
        **fields,
    )
    db.session.add(category)
    db.session.flush()
    return category


def gen_producer(**fields) -> Producer:
    n = next(_seq)
    values = {
        "slug": f"producer-{n}",
        "name": f"HTX Thử nghiệm {n}",
        "legal_type": "cooperative",
        "tax_code": f"24{n:08d}",
        "province": "Bắc Ninh",
        "commune": "Phường Chũ",
        "story_vi": "Câu chuyện.",
        **fields,
    }
    producer = Producer(**values)
    db.session.add(producer)
    db.session.flush()
    return producer


def gen_product(
    producer: Producer | None = None, category: Category | None = None, **fields
) -> Product:
    n = next(_seq)
    values = {
        "slug": f"product-{n}",
        "name_vi": f"Sản phẩm {n}",
        "name_en": f"Product {n}",
        "description_vi": "Mô tả.",
        "unit_vi": "gói 500 g",
        "unit_en": "500 g pack",
        "origin": "Lục Ngạn",
        "price_vnd": 100_000,
        "vat_rate": 8,
        "stock": 10,
        "weight_g": 600,
        **fields,
    }
    product = Product(
        producer=producer or gen_producer(), category=category or gen_category(), **values
    )
    product.images.append(
        ProductImage(path="img/placeholder-product.svg", alt_vi="Ảnh", position=0)
    )
    db.session.add(product)
    db.session.flush()
    product.refresh_search_text()
    db.session.flush()
    return product


def gen_certificate(product: Product, *, score: int = 80, decision_date: date, **fields):
    n = next(_seq)
    certificate = OcopCertificate.issue(
        product=product,
        score=score,
        decision_date=decision_date,
        certificate_number=fields.pop("certificate_number", f"TEST-{n}"),
        decision_number=fields.pop("decision_number", f"QĐ-{n}"),
        authority=fields.pop("authority", "province"),
        authority_name=fields.pop("authority_name", "UBND tỉnh Bắc Giang"),
        criteria_version=fields.pop("criteria_version", "2023"),
        evaluation_round=fields.pop("evaluation_round", str(decision_date.year)),
        **fields,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate
