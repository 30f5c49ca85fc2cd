"""Products as their producer edits them: create, change, pause and resume sale.

Only the fields a producer owns are written (``EDITABLE``): stars and certificates belong to
the OCOP office and are never touched here, so a certified product keeps its certificate link
whatever is edited. Each change is recorded in the audit log with the values before and after.
"""

from __future__ import annotations

from sqlalchemy import select

from shop.audit.services import changed_values, record
from shop.catalog.models import Category, Producer, Product, ReviewStatus, lot_always_required
from shop.errors import ShopError
from shop.extensions import db
from shop.text import slugify

SLUG_MAX = 120
EDITABLE = (
    "category_id",
    "name_vi",
    "name_en",
    "description_vi",
    "description_en",
    "unit_vi",
    "unit_en",
    "origin",
    "price_vnd",
    "vat_rate",
    "weight_g",
    "shipping_class",
    "season_start",
    "season_end",
    "preorder",
    "preorder_ships_from",
    "preorder_cap",
    "adult_only",
    "lot_required",
)


class NotReviewed(ShopError):
    """The listing waits for (or failed) the office's review: only approval puts it on sale."""

    code = "not_reviewed"
    status = 409


def product_values(product: Product) -> dict:
    return {name: getattr(product, name) for name in (*EDITABLE, "active", "stock")}


def unique_slug(name_vi: str, *, keep_id: int | None = None) -> str:
    """A slug from the Vietnamese name, numbered (``-2``, ``-3``…) when already taken."""
    base = (slugify(name_vi) or "san-pham")[: SLUG_MAX - 8].strip("-")
    taken = set(
        db.session.scalars(
            select(Product.slug).where(Product.slug.like(f"{base}%"), Product.id != (keep_id or -1))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(product: Product, values: dict) -> None:
    for name in EDITABLE:
        if name in values:
            setattr(product, name, values[name])
    if lot_always_required(product.shipping_class):
        product.lot_required = True  # fresh fruit: always, whatever the form said
    if not product.preorder:
        product.preorder_ships_from = None
        product.preorder_cap = None
    product.category = db.session.get(Category, product.category_id)
    product.refresh_search_text()


def create_product(
    producer_id: int, values: dict, *, stock: int, actor_id: int | None, review: bool = False
) -> Product:
    """A new product of ``producer_id`` with its opening stock: on sale at once, or off sale
    waiting for the office's review (``review``; see ``shop.moderation``)."""
    product = Product(
        producer_id=producer_id,
        stock=stock,
        active=not review,
        review_status=ReviewStatus.PENDING if review else ReviewStatus.APPROVED,
    )
    _apply(product, values)
    product.slug = unique_slug(product.name_vi)
    product.producer = db.session.get(Producer, producer_id)
    product.refresh_search_text()
    db.session.add(product)
    db.session.flush()
    record(
        actor_id,
        "product.create",
        "product",
        product.id,
        {},
        product_values(product),
        producer_id=producer_id,
    )
    return product


def update_product(product: Product, values: dict, *, actor_id: int | None) -> bool:
    """Write the producer's fields; returns whether anything changed (then audited). The slug
    stays: links already shared keep working."""
    before = product_values(product)
    _apply(product, values)
    db.session.flush()
    old, new = changed_values(before, product_values(product))
    if not new:
        return False
    record(
        actor_id, "product.update", "product", product.id, old, new, producer_id=product.producer_id
    )
    return True


def set_product_active(product: Product, active: bool, *, actor_id: int | None) -> bool:
    """Pause (``False``) or resume (``True``) sale; returns whether it changed. A listing the
    office has not approved is off sale until it does (``NotReviewed``)."""
    if product.review_status != ReviewStatus.APPROVED:
        raise NotReviewed(f"product {product.id} is {product.review_status}")
    if product.active == active:
        return False
    product.active = active
    db.session.flush()
    record(
        actor_id,
        "product.resume" if active else "product.pause",
        "product",
        product.id,
        {"active": not active},
        {"active": active},
        producer_id=product.producer_id,
    )
    return True
