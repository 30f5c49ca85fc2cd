"""Plain builder functions for test data; each flushes and returns what it made."""

from __future__ import annotations

import itertools
from datetime import date

from shop.accounts.models import Role, User
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


def order_rules(**overrides):
    from datetime import timedelta

    from shop.orders.services import OrderRules

    values = {
        "standard_fee_vnd": 30_000,
        "chilled_fee_vnd": 65_000,
        "payment_ttl": timedelta(minutes=30),
        "max_line_quantity": 50,
        **overrides,
    }
    return OrderRules(**values)


def gen_contact(**fields):
    """A delivery contact; the address codes follow the names from the 2025 address list (a
    province given alone gets its first commune)."""
    from shop.addresses.services import communes, find_commune, find_province
    from shop.orders.services import Contact

    if "province" in fields and "commune" not in fields:
        province = find_province(fields["province"])
        fields["commune"] = communes(province.code)[0].name if province else "?"
    values = {
        "email": "buyer@example.vn",
        "phone": "+84912345678",
        "recipient_name": "Nguyễn Văn An",
        "province": "Hà Nội",
        "commune": "Phường Hoàn Kiếm",
        "street": "12 Hàng Bạc",
        "locale": "vi",
        **fields,
    }
    if "province_code" not in values:
        province = find_province(values["province"])
        matches = find_commune(province.code, values["commune"]) if province else []
        values["province_code"] = province.code if province else 0
        values["commune_code"] = matches[0].code if matches else 0
    return Contact(**values)


def gen_order(items, *, method="demo", now=None, today=None, **kwargs):
    """Place an order through the real service: ``items`` is [(product, quantity), ...]."""
    from datetime import UTC, datetime

    from shop.orders.models import PaymentMethod
    from shop.orders.services import LineRequest, place_order, plan_order

    now = now or datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    plan = plan_order(
        [LineRequest(product.id, quantity) for product, quantity in items],
        kwargs.pop("contact", None) or gen_contact(),
        payment_method=PaymentMethod(method),
        rules=kwargs.pop("rules", None) or order_rules(),
        today=today or now.date(),
        adult_confirmed=kwargs.pop("adult_confirmed", False),
    )
    return place_order(plan, now=now, **kwargs)


DEFAULT_PASSWORD = "correct horse battery"


def gen_user(role: str = Role.CUSTOMER, *, password: str = DEFAULT_PASSWORD, **fields) -> User:
    """A user of ``role``; producer staff get a new producer unless ``producer_id`` is given."""
    n = next(_seq)
    if role == Role.PRODUCER_STAFF and "producer_id" not in fields:
        fields["producer_id"] = gen_producer().id
    values = {
        "email": f"user-{n}@example.com",
        "name": f"Nguyễn Văn Thử {n}",
        "locale": "vi",
        "active": True,
        **fields,
    }
    user = User(role=role, **values)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
