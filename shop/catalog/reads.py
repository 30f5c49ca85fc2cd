"""Read models of the catalogue pages: small frozen objects filled by Core queries.

Catalogue pages only read. Loading ORM entities for them (identity map, loader options,
relationship loaders) cost several times more than the queries themselves, so cards, the product
page and the listing's facets are read as plain rows into the objects below. Every write still
goes through the ORM models of ``shop.catalog.models``; these mirror their fields (same names,
so templates and presenters take either) and share their rules (``season_contains``,
``certificate_in_force``, ``best_certificate``, ``join_address``).

Statements are built once per process with bound parameters: building one costs about as much
as running it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.sql import Subquery

from shop.catalog.models import (
    NOT_IN_FORCE,
    Category,
    OcopCertificate,
    Producer,
    Product,
    ProductImage,
    best_certificate,
    certificate_in_force,
    join_address,
    season_contains,
)
from shop.extensions import db


def run(statement, parameters: dict | None = None):
    """Execute a Core statement on the session's connection (in its transaction), without the
    ORM's per-statement handling, which these reads do not need."""
    return db.session.connection().execute(statement, parameters)


product_t = Product.__table__
producer_t = Producer.__table__
image_t = ProductImage.__table__
certificate_t = OcopCertificate.__table__
category_t = Category.__table__


@dataclass(frozen=True, slots=True)
class ImageView:
    path: str
    alt_vi: str
    alt_en: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProducerView:
    id: int
    slug: str
    name: str
    commune: str
    active: bool = True
    # The product page's seller box only.
    legal_type: str = ""
    tax_code: str = ""
    province: str = ""
    street: str | None = None
    legacy_address: str | None = None

    @property
    def address(self) -> str:
        return join_address(self.street, self.commune, self.province)


@dataclass(slots=True, kw_only=True)
class CategoryView:
    id: int
    slug: str
    name_vi: str
    name_en: str
    parent_id: int | None = None
    parent: CategoryView | None = None
    children: list[CategoryView] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateView:
    certificate_number: str
    decision_number: str
    decision_date: date
    authority_name: str
    criteria_version: str
    evaluation_round: str
    score: int
    stars: int
    valid_until: date
    status: str

    def is_valid_on(self, today: date) -> bool:
        return certificate_in_force(self.status, self.valid_until, today)


@dataclass(frozen=True, slots=True)
class CardProduct:
    """What a product card (and ``availability()``) reads of a product. Its first fields are
    ``card_select``'s first columns, in order."""

    id: int
    slug: str
    name_vi: str
    name_en: str | None
    unit_vi: str
    unit_en: str | None
    price_vnd: int
    stock: int
    season_start: int | None
    season_end: int | None
    preorder: bool
    preorder_ships_from: date | None
    adult_only: bool
    producer: ProducerView
    images: tuple[ImageView, ...]
    active: bool

    def in_season_on(self, day: date) -> bool | None:
        return season_contains(self.season_start, self.season_end, day)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductView(CardProduct):
    """The product page's product: a card's fields and the rest of the page's."""

    description_vi: str
    description_en: str | None
    origin: str
    vat_rate: int
    shipping_class: str
    category: CategoryView
    certificates: tuple[CertificateView, ...] = ()
    updated_at: datetime | None = None

    def valid_certificate(self, today: date) -> CertificateView | None:
        return best_certificate(self.certificates, today)


# ---------------------------------------------------------------------------------------------
# Statements

_CARD_FIELDS = (
    "id",
    "slug",
    "name_vi",
    "name_en",
    "unit_vi",
    "unit_en",
    "price_vnd",
    "stock",
    "season_start",
    "season_end",
    "preorder",
    "preorder_ships_from",
    "adult_only",
)
_PRODUCT_PAGE_FIELDS = (
    "description_vi",
    "description_en",
    "origin",
    "vat_rate",
    "shipping_class",
    "category_id",
    "updated_at",
)
_CARD_PRODUCER_FIELDS = ("id", "slug", "name", "commune")
_PAGE_PRODUCER_FIELDS = ("legal_type", "tax_code", "province", "street", "legacy_address")
_CERTIFICATE_FIELDS = tuple(f for f in CertificateView.__dataclass_fields__)


def visible() -> list:
    """Products shown in the catalogue: active, by an active producer."""
    return [product_t.c.active.is_(True), producer_t.c.active.is_(True)]


def best_stars(today: object, producer_id: object = None) -> Subquery:
    """Subquery: each product's best star rating among certificates in force on ``today``.

    Joined once per query (not correlated per row), so listing 2,000 products stays cheap;
    ``producer_id`` narrows it to one producer's products. The rule is
    ``models.certificate_in_force``: not revoked, and valid through ``valid_until``.
    """
    stmt = select(certificate_t.c.product_id, func.max(certificate_t.c.stars).label("stars"))
    if producer_id is not None:
        stmt = stmt.join(product_t, product_t.c.id == certificate_t.c.product_id).where(
            product_t.c.producer_id == producer_id
        )
    return (
        stmt.where(
            certificate_t.c.status.not_in(NOT_IN_FORCE),
            certificate_t.c.valid_until >= today,
        )
        .group_by(certificate_t.c.product_id)
        .subquery("best")
    )


def _producer_columns(names: tuple[str, ...]) -> list:
    return [producer_t.c[name].label(f"producer_{name}") for name in names]


def card_select(best: Subquery) -> Select:
    """Card rows (``card_rows``) of visible products, with their best stars as ``stars``."""
    return (
        select(
            *(product_t.c[name] for name in _CARD_FIELDS),
            *_producer_columns(_CARD_PRODUCER_FIELDS),
            best.c.stars,
        )
        .select_from(
            product_t.join(producer_t, producer_t.c.id == product_t.c.producer_id).outerjoin(
                best, best.c.product_id == product_t.c.id
            )
        )
        .where(*visible())
    )


@cache
def _images_statement() -> Select:
    return (
        select(image_t.c.product_id, image_t.c.path, image_t.c.alt_vi, image_t.c.alt_en)
        .where(image_t.c.product_id.in_(bindparam("ids", expanding=True)))
        .order_by(image_t.c.product_id, image_t.c.position, image_t.c.id)
    )


def images_of(product_ids: list[int]) -> dict[int, tuple[ImageView, ...]]:
    """Each product's images, first image first (one query)."""
    if not product_ids:
        return {}
    found: dict[int, list[ImageView]] = {}
    for product_id, path, alt_vi, alt_en in run(_images_statement(), {"ids": list(product_ids)}):
        found.setdefault(product_id, []).append(ImageView(path, alt_vi, alt_en))
    return {product_id: tuple(images) for product_id, images in found.items()}


def _producer(row, names: tuple[str, ...] = _CARD_PRODUCER_FIELDS) -> ProducerView:
    mapping = row._mapping
    return ProducerView(**{name: mapping[f"producer_{name}"] for name in names})


def card_products(rows, images: dict[int, tuple[ImageView, ...]] | None = None) -> list:
    """``(CardProduct, stars)`` pairs from ``card_select`` rows, with their images (one query
    unless ``images`` is given)."""
    rows = list(rows)
    if images is None:
        images = images_of([row.id for row in rows])
    fields = len(_CARD_FIELDS)
    pairs = []
    for row in rows:  # positionally: a listing builds dozens
        producer_id, producer_slug, producer_name, commune = row[fields : fields + 4]
        producer = ProducerView(
            id=producer_id, slug=producer_slug, name=producer_name, commune=commune
        )
        product = CardProduct(*row[:fields], producer, images.get(row[0], ()), True)
        pairs.append((product, row.stars))
    return pairs


@cache
def _category_statement() -> Select:
    return select(
        category_t.c.id,
        category_t.c.slug,
        category_t.c.name_vi,
        category_t.c.name_en,
        category_t.c.parent_id,
    ).order_by(category_t.c.position, category_t.c.id)


@dataclass(frozen=True, slots=True)
class CategoryTree:
    """Every OCOP group: the top-level ones with their children, and each by id and slug."""

    groups: tuple[CategoryView, ...]
    by_id: dict[int, CategoryView]
    slugs: frozenset[str]


def category_tree() -> CategoryTree:
    """The OCOP groups, in one query."""
    by_id = {
        row.id: CategoryView(
            id=row.id,
            slug=row.slug,
            name_vi=row.name_vi,
            name_en=row.name_en,
            parent_id=row.parent_id,
        )
        for row in run(_category_statement())
    }
    groups = []
    for category in by_id.values():  # in position order, so children are too
        parent = by_id.get(category.parent_id) if category.parent_id is not None else None
        if parent is None:
            groups.append(category)
        else:
            category.parent = parent
            parent.children.append(category)
    return CategoryTree(tuple(groups), by_id, frozenset(c.slug for c in by_id.values()))


@cache
def _communes_statement() -> Select:
    has_products = (
        select(product_t.c.id)
        .where(product_t.c.producer_id == producer_t.c.id, product_t.c.active.is_(True))
        .exists()
    )
    return (
        select(producer_t.c.commune)
        .where(producer_t.c.active.is_(True), has_products)
        .distinct()
        .order_by(producer_t.c.commune)
    )


def communes_with_products() -> list[str]:
    """Communes of active producers with a product on show (the listing's place filter)."""
    return list(run(_communes_statement()).scalars())


@cache
def _product_page_statements() -> tuple[Select, Select, Select]:
    """The product, its certificates, and up to four more cards of its producer."""
    product = (
        select(
            *(product_t.c[name] for name in (*_CARD_FIELDS, *_PRODUCT_PAGE_FIELDS)),
            *_producer_columns((*_CARD_PRODUCER_FIELDS, *_PAGE_PRODUCER_FIELDS)),
        )
        .select_from(product_t.join(producer_t, producer_t.c.id == product_t.c.producer_id))
        .where(product_t.c.slug == bindparam("slug"), *visible())
    )
    certificates = (
        select(*(certificate_t.c[name] for name in _CERTIFICATE_FIELDS))
        .where(certificate_t.c.product_id == bindparam("product_id"))
        .order_by(certificate_t.c.decision_date.desc(), certificate_t.c.id.desc())
    )
    producer_id = bindparam("producer_id")
    best = best_stars(bindparam("today"), producer_id)
    more = (
        card_select(best)
        .where(product_t.c.producer_id == producer_id, product_t.c.id != bindparam("product_id"))
        .order_by(best.c.stars.is_(None), best.c.stars.desc(), product_t.c.id)
        .limit(4)
    )
    return product, certificates, more


@dataclass(frozen=True, slots=True)
class ProductRead:
    product: ProductView
    more: list  # (CardProduct, stars) of up to four other products of the producer


def read_product_page(slug: str, today: date, categories: CategoryTree) -> ProductRead | None:
    """A visible product with everything its page shows but live stock (four queries)."""
    product_stmt, certificates_stmt, more_stmt = _product_page_statements()
    row = run(product_stmt, {"slug": slug}).first()
    if row is None:
        return None
    more_rows = run(
        more_stmt, {"today": today, "producer_id": row.producer_id, "product_id": row.id}
    ).all()
    images = images_of([row.id, *(r.id for r in more_rows)])
    certificates = tuple(
        CertificateView(**dict(r._mapping)) for r in run(certificates_stmt, {"product_id": row.id})
    )
    mapping = row._mapping
    product = ProductView(
        **{name: mapping[name] for name in _CARD_FIELDS},
        active=True,
        **{name: mapping[name] for name in _PRODUCT_PAGE_FIELDS if name != "category_id"},
        producer=_producer(row, (*_CARD_PRODUCER_FIELDS, *_PAGE_PRODUCER_FIELDS)),
        images=images.get(row.id, ()),
        category=categories.by_id[row.category_id],
        certificates=certificates,
    )
    return ProductRead(product, card_products(more_rows, images))
