"""Catalogue reads: the faceted listing, product and producer pages, the home page, sitemaps.

Every function runs a fixed number of SQL queries whatever the catalogue size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop.catalog.availability import Availability, AvailabilityKind, availability
from shop.catalog.models import (
    Category,
    CertificateStatus,
    OcopCertificate,
    Producer,
    Product,
)
from shop.catalog.signals import lapsed_stock
from shop.errors import NotFound, ProductUnavailable
from shop.extensions import db
from shop.text import search_terms

SORTS = ("relevance", "price_asc", "price_desc", "stars", "newest")
STAR_CHOICES = (3, 4, 5)


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    group: str | None = None
    stars: tuple[int, ...] = ()
    certified: bool = False
    commune: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_season: bool = False
    exclude_adult: bool = False
    sort: str = "relevance"
    page: int = 1

    @property
    def active_count(self) -> int:
        """How many filters (not search, sort or page) narrow the listing."""
        return sum(
            bool(v)
            for v in (
                self.group,
                self.stars,
                self.certified,
                self.commune,
                self.min_price is not None,
                self.max_price is not None,
                self.in_season,
                self.exclude_adult,
            )
        )


@dataclass
class ProductCard:
    product: Product
    stars: int | None


@dataclass
class ListingPage:
    cards: list[ProductCard]
    total: int
    page: int
    per_page: int
    groups: list[Category] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def month_day(day: date) -> int:
    return day.month * 100 + day.day


def season_overlaps(first_md: int, last_md: int):
    """SQL: the product's season window overlaps the month-day range [first_md, last_md]."""
    start, end = Product.season_start, Product.season_end
    return and_(
        start.is_not(None),
        case(
            (start <= end, and_(start <= last_md, end >= first_md)),
            else_=or_(start <= last_md, end >= first_md),
        ),
    )


def _visible() -> list:
    return [Product.active.is_(True), Producer.active.is_(True)]


def check_purchasable(product: Product | None, today: date) -> None:
    """Raise ``ProductUnavailable`` unless the product can be bought today (paused and
    out-of-season products cannot; a sold-out one only needs fewer)."""
    answer = availability(product, today) if product is not None else None
    if answer is None or answer.kind == AvailabilityKind.PAUSED:
        raise ProductUnavailable("this product is no longer on sale")
    if answer.kind == AvailabilityKind.OUT_OF_SEASON:
        raise ProductUnavailable(f"{product.name_vi} is out of season", product_id=product.id)


def best_stars(today: date, producer_id: int | None = None):
    """Subquery: each product's best star rating among certificates in force on ``today``.

    Joined once per query (not correlated per row), so listing 2,000 products stays cheap;
    ``producer_id`` narrows it to one producer's products.
    """
    stmt = select(OcopCertificate.product_id, func.max(OcopCertificate.stars).label("stars"))
    if producer_id is not None:
        stmt = stmt.join(Product, Product.id == OcopCertificate.product_id).where(
            Product.producer_id == producer_id
        )
    return (
        stmt.where(
            OcopCertificate.status != CertificateStatus.REVOKED,
            OcopCertificate.valid_until >= today,
        )
        .group_by(OcopCertificate.product_id)
        .subquery("best")
    )


def _with_stars(stmt: Select, best) -> Select:
    return stmt.join(Product.producer).outerjoin(best, best.c.product_id == Product.id)


def _cards_query(today: date, producer_id: int | None = None) -> tuple[Select, object]:
    best = best_stars(today, producer_id)
    stmt = _with_stars(select(Product, best.c.stars), best)
    stmt = stmt.options(contains_eager(Product.producer), selectinload(Product.images))
    return stmt.where(*_visible()), best.c.stars


def _group_ids(slug: str):
    parent = select(Category.id).where(Category.slug == slug).scalar_subquery()
    return select(Category.id).where(or_(Category.id == parent, Category.parent_id == parent))


def search_products(filters: ListingFilters, *, today: date, per_page: int) -> ListingPage:
    best = best_stars(today)
    stars = best.c.stars
    stmt = _with_stars(select(Product, stars), best).where(*_visible())
    stmt = stmt.options(contains_eager(Product.producer), selectinload(Product.images))
    conditions = []
    terms = search_terms(filters.q)
    for term in terms:
        conditions.append(Product.search_text.like(f"% {term}%"))
    if filters.group:
        conditions.append(Product.category_id.in_(_group_ids(filters.group)))
    if filters.stars:
        conditions.append(stars.in_(filters.stars))
    if filters.certified:
        conditions.append(stars.is_not(None))
    if filters.commune:
        conditions.append(Producer.commune == filters.commune)
    if filters.min_price is not None:
        conditions.append(Product.price_vnd >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(Product.price_vnd <= filters.max_price)
    if filters.in_season:
        md = month_day(today)
        conditions.append(season_overlaps(md, md))
    if filters.exclude_adult:
        conditions.append(Product.adult_only.is_(False))
    stmt = stmt.where(*conditions)

    count_stmt = select(func.count(Product.id))
    if filters.stars or filters.certified:
        count_stmt = _with_stars(count_stmt, best)
    else:  # the ratings only matter to the count when a filter uses them
        count_stmt = count_stmt.join(Product.producer)
    count_stmt = count_stmt.where(*_visible(), *conditions)
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(filters.page, 1), pages)

    stars_desc = (stars.is_(None), stars.desc())
    if filters.sort == "price_asc":
        order = (Product.price_vnd.asc(), Product.id)
    elif filters.sort == "price_desc":
        order = (Product.price_vnd.desc(), Product.id)
    elif filters.sort == "stars":
        order = (*stars_desc, Product.price_vnd.asc(), Product.id)
    elif filters.sort == "newest":
        order = (Product.created_at.desc(), Product.id.desc())
    elif terms:
        # Words found in the product's own name count more than words found elsewhere.
        relevance = sum(
            (case((Product.search_name.like(f"% {t}%"), 1), else_=0) for t in terms[1:]),
            case((Product.search_name.like(f"% {terms[0]}%"), 1), else_=0),
        )
        order = (relevance.desc(), *stars_desc, Product.name_vi, Product.id)
    else:
        order = (*stars_desc, Product.created_at.desc(), Product.id)
    rows = db.session.execute(
        stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return ListingPage(
        cards=[ProductCard(product, s) for product, s in rows],
        total=total,
        page=page,
        per_page=per_page,
        groups=top_level_groups(),
        communes=communes_with_products(),
    )


@cache
def _facet_statements() -> tuple[Select, Select, Select]:
    """The listing's facet queries (groups, group slugs, communes), built once per process."""
    groups = (
        select(Category)
        .where(Category.parent_id.is_(None))
        .options(selectinload(Category.children))
        .order_by(Category.position, Category.id)
    )
    slugs = select(Category.slug)
    communes = (
        select(Producer.commune)
        .join(Producer.products)
        .where(*_visible())
        .group_by(Producer.commune)
        .order_by(Producer.commune)
    )
    return groups, slugs, communes


def top_level_groups() -> list[Category]:
    return list(db.session.scalars(_facet_statements()[0]))


def all_group_slugs() -> frozenset[str]:
    return frozenset(db.session.scalars(_facet_statements()[1]))


def communes_with_products() -> list[str]:
    return list(db.session.scalars(_facet_statements()[2]))


@dataclass
class ProductPage:
    product: Product
    certificate: OcopCertificate | None
    expired_certificate: OcopCertificate | None
    in_season: bool | None
    stock: int  # what can be sold now (lapsed unpaid holds counted back in when asked)
    availability: Availability
    more_from_producer: list[ProductCard]


@cache
def _product_page_statements() -> tuple[Select, Select]:
    """The product page's two queries, built once per process with bound parameters (building
    a statement with its loader options costs about as much as running it)."""
    product = (
        select(Product)
        .join(Product.producer)
        .where(Product.slug == bindparam("slug"), *_visible())
        .options(
            contains_eager(Product.producer),
            joinedload(Product.category).joinedload(Category.parent),
            selectinload(Product.images),
            selectinload(Product.certificates),
        )
    )
    producer_id = bindparam("producer_id")
    cards, stars = _cards_query(bindparam("today"), producer_id)
    more = (
        cards.where(Product.producer_id == producer_id, Product.id != bindparam("product_id"))
        .order_by(stars.is_(None), stars.desc(), Product.id)
        .limit(4)
    )
    return product, more


def get_product_page(slug: str, *, today: date, now: datetime | None = None) -> ProductPage:
    """A product with its certificate, availability and more from its producer. With ``now``,
    stock held by unpaid orders whose payment window lapsed before it counts as available."""
    product_stmt, more_stmt = _product_page_statements()
    product = db.session.scalar(product_stmt, {"slug": slug})
    if product is None:
        raise NotFound("product not found")
    certificate = product.valid_certificate(today)
    expired = None
    if certificate is None:
        expired = next(
            (c for c in product.certificates if c.status != CertificateStatus.REVOKED), None
        )
    stock = product.stock
    if now is not None:
        stock += lapsed_stock([product.id], now).get(product.id, 0)
    more = db.session.execute(
        more_stmt,
        {"today": today, "producer_id": product.producer_id, "product_id": product.id},
    ).all()
    return ProductPage(
        product=product,
        certificate=certificate,
        expired_certificate=expired,
        in_season=product.in_season_on(today),
        stock=stock,
        availability=availability(product, today, stock),
        more_from_producer=[ProductCard(p, s) for p, s in more],
    )


@dataclass
class ProducerPage:
    producer: Producer
    cards: list[ProductCard]


def get_producer_page(slug: str, *, today: date) -> ProducerPage:
    producer = db.session.scalar(
        select(Producer).where(Producer.slug == slug, Producer.active.is_(True))
    )
    if producer is None:
        raise NotFound("producer not found")
    stmt, stars = _cards_query(today, producer.id)
    rows = db.session.execute(
        stmt.where(Product.producer_id == producer.id).order_by(
            stars.is_(None), stars.desc(), Product.name_vi
        )
    ).all()
    return ProducerPage(producer=producer, cards=[ProductCard(p, s) for p, s in rows])


@dataclass
class HomePage:
    in_season: list[ProductCard]
    coming_soon: list[ProductCard]
    highlights: list[ProductCard]
    producers: list[Producer]


def _month_range(day: date) -> tuple[int, int]:
    return day.month * 100 + 1, day.month * 100 + 31


def get_home_page(*, today: date, limit: int = 8) -> HomePage:
    stmt, stars = _cards_query(today)
    ranked = (stars.is_(None), stars.desc(), Product.id)
    this_month = _month_range(today)
    next_day = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    next_month = _month_range(next_day)
    in_season = db.session.execute(
        stmt.where(season_overlaps(*this_month)).order_by(*ranked).limit(limit)
    ).all()
    coming = db.session.execute(
        stmt.where(season_overlaps(*next_month), ~season_overlaps(*this_month))
        .order_by(*ranked)
        .limit(limit)
    ).all()
    highlights = db.session.execute(stmt.where(stars >= 4).order_by(*ranked).limit(limit)).all()
    producers = list(
        db.session.scalars(
            select(Producer).where(Producer.active.is_(True)).order_by(Producer.name).limit(8)
        )
    )
    return HomePage(
        in_season=[ProductCard(p, s) for p, s in in_season],
        coming_soon=[ProductCard(p, s) for p, s in coming],
        highlights=[ProductCard(p, s) for p, s in highlights],
        producers=producers,
    )


def sitemap_entries() -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """(slug, updated_at) of visible products and producers."""
    products = db.session.execute(
        select(Product.slug, Product.updated_at)
        .join(Product.producer)
        .where(*_visible())
        .order_by(Product.id)
    ).all()
    producers = db.session.execute(
        select(Producer.slug, Producer.updated_at)
        .where(Producer.active.is_(True))
        .order_by(Producer.id)
    ).all()
    return [tuple(r) for r in products], [tuple(r) for r in producers]


def expire_certificates(today: date) -> int:
    """Mark certificates past their validity as expired; returns how many changed (idempotent).

    The star badge never depends on this job — pages compare ``valid_until`` with today — so the
    job only keeps the stored status honest for reports and the back office.
    """
    result = db.session.execute(
        update(OcopCertificate)
        .where(
            OcopCertificate.status == CertificateStatus.ACTIVE,
            OcopCertificate.valid_until < today,
        )
        .values(status=CertificateStatus.EXPIRED)
    )
    return result.rowcount or 0
