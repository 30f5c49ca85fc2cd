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
    if "status" not in fields and fields.get("active") is False:
        values["status"] = "suspended"  # off sale is suspended (a CHECK holds them together)
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


# --- experiences ---------------------------------------------------------------------------


def gen_experience(producer: Producer | None = None, **fields):
    """An experience with adult (300k, 10+ at 250k), child 6–11 (150k) and family-of-4
    (900k, 4 seats) unit types; cut-off 18:00 the day before; 100 % back until 7 days before,
    50 % until 3 days before."""
    from datetime import time

    from shop.tourism.models import Experience, PriceTier, UnitType

    n = next(_seq)
    units = fields.pop("unit_types", None)
    values = {
        "slug": f"experience-{n}",
        "name_vi": f"Trải nghiệm {n}",
        "name_en": f"Experience {n}",
        "summary_vi": "Một ngày ở bản.",
        "duration_minutes": 480,
        "languages": "vi,en",
        "cutoff_days_before": 1,
        "cutoff_time": time(18, 0),
        "cancellation_rules": [{"hours": 168, "percent": 100}, {"hours": 72, "percent": 50}],
        "province": "Bắc Ninh",
        "commune": "Xã Xuân Lương",
        **fields,
    }
    experience = Experience(
        producer=producer or gen_producer(),
        category=values.pop("category", None) or gen_category(),
        **values,
    )
    if units is None:
        adult = UnitType(
            code="adult",
            name_vi="Người lớn",
            name_en="Adult",
            price_vnd=300_000,
            vat_rate=8,
            max_per_booking=40,
            position=0,
        )
        adult.tiers.append(PriceTier(min_quantity=10, price_vnd=250_000))
        units = [
            adult,
            UnitType(
                code="child",
                name_vi="Trẻ em",
                name_en="Child",
                age_min=6,
                age_max=11,
                price_vnd=150_000,
                vat_rate=8,
                max_per_booking=20,
                position=1,
            ),
            UnitType(
                code="family",
                name_vi="Gia đình 4 người",
                name_en="Family of 4",
                seats=4,
                price_vnd=900_000,
                vat_rate=8,
                max_per_booking=2,
                position=2,
            ),
        ]
    experience.unit_types.extend(units)
    db.session.add(experience)
    db.session.flush()
    experience.refresh_search_text()
    db.session.flush()
    return experience


def gen_session(experience, *, starts_at, capacity: int = 20, seats_taken: int = 0, **fields):
    """A session starting at ``starts_at`` (an aware datetime) and lasting the experience's
    duration."""
    from datetime import timedelta

    from shop.tourism.models import ExperienceSession

    session = ExperienceSession(
        experience=experience,
        starts_at=starts_at,
        ends_at=fields.pop("ends_at", starts_at + timedelta(minutes=experience.duration_minutes)),
        capacity=capacity,
        seats_taken=seats_taken,
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


def unit(experience, code: str):
    return next(u for u in experience.unit_types if u.code == code)


def gen_booking_order(
    party, *, goods=(), method="demo", now=None, contact=None, guests=None, **kwargs
):
    """Place an order of seats (``party`` is [(session, unit_type, quantity), ...]) and
    optionally goods ([(product, quantity)]) through the real service. Without goods the
    contact has no address."""
    from datetime import UTC, datetime

    from shop.orders.models import PaymentMethod
    from shop.orders.services import LineRequest, place_order, plan_order

    now = now or datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    if contact is None:
        contact = (
            gen_contact()
            if goods
            else gen_contact(
                province=None, commune=None, street=None, province_code=0, commune_code=0
            )
        )
    lines = [LineRequest(product.id, quantity) for product, quantity in goods]
    lines += [LineRequest.seats(s.id, u.id, q) for s, u, q in party]
    plan = plan_order(
        lines,
        contact,
        payment_method=PaymentMethod(method),
        rules=kwargs.pop("rules", None) or order_rules(),
        today=now.date(),
        now=now,
        guests=guests,
    )
    return place_order(plan, now=now, **kwargs)
