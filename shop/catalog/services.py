"""Catalogue reads: the faceted listing, product and producer pages, the home page, sitemaps.

Every function runs a fixed number of SQL queries whatever the catalogue size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, case, func, or_, select, update

from shop.catalog import reads
from shop.catalog.availability import Availability, AvailabilityKind, availability
from shop.catalog.models import NOT_IN_FORCE, CertificateStatus, OcopCertificate, Producer, Product
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
    product: reads.CardProduct
    stars: int | None


@dataclass
class ListingPage:
    cards: list[ProductCard]
    total: int
    page: int
    per_page: int
    groups: list[reads.CategoryView] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def month_day(day: date) -> int:
    return day.month * 100 + day.day


def season_overlaps(first_md: int, last_md: int):
    """SQL: the product's season window overlaps the month-day range [first_md, last_md]."""
    start, end = Product.__table__.c.season_start, Product.__table__.c.season_end
    return and_(
        start.is_not(None),
        case(
            (start <= end, and_(start <= last_md, end >= first_md)),
            else_=or_(start <= last_md, end >= first_md),
        ),
    )


def check_purchasable(product: Product | None, today: date) -> None:
    """Raise ``ProductUnavailable`` unless the product can be bought today (paused and
    out-of-season products cannot; a sold-out one only needs fewer)."""
    answer = availability(product, today) if product is not None else None
    if answer is None or answer.kind == AvailabilityKind.PAUSED:
        raise ProductUnavailable("this product is no longer on sale")
    if answer.kind == AvailabilityKind.OUT_OF_SEASON:
        raise ProductUnavailable(f"{product.name_vi} is out of season", product_id=product.id)


def _cards(pairs) -> list[ProductCard]:
    return [ProductCard(product, stars) for product, stars in pairs]


def _group_ids(slug: str):
    category = reads.category_t
    parent = select(category.c.id).where(category.c.slug == slug).scalar_subquery()
    return select(category.c.id).where(or_(category.c.id == parent, category.c.parent_id == parent))


@dataclass(frozen=True)
class _SearchShape:
    """What a listing's SQL looks like: which filters are on, how many search words, the sort.
    The values themselves are bound parameters, so each shape is built once per process."""

    terms: int
    group: bool
    stars: bool
    certified: bool
    commune: bool
    min_price: bool
    max_price: bool
    in_season: bool
    exclude_adult: bool
    sort: str

    @classmethod
    def of(cls, filters: ListingFilters, terms: list[str]) -> _SearchShape:
        return cls(
            terms=len(terms),
            group=bool(filters.group),
            stars=bool(filters.stars),
            certified=filters.certified,
            commune=bool(filters.commune),
            min_price=filters.min_price is not None,
            max_price=filters.max_price is not None,
            in_season=filters.in_season,
            exclude_adult=filters.exclude_adult,
            sort=filters.sort,
        )


@lru_cache(maxsize=256)
def _search_statements(shape: _SearchShape) -> tuple[Select, Select]:
    """The count and the page of cards for listings of ``shape`` (parameters: ``today``, ``t0``…
    (``% word%`` patterns), ``group``, ``stars``, ``commune``, ``min_price``, ``max_price``,
    ``md``, ``limit``, ``offset``)."""
    product, producer = reads.product_t.c, reads.producer_t.c
    best = reads.best_stars(bindparam("today"))
    stars = best.c.stars
    patterns = [bindparam(f"t{i}") for i in range(shape.terms)]
    conditions = [product.search_text.like(pattern) for pattern in patterns]
    if shape.group:
        conditions.append(product.category_id.in_(_group_ids(bindparam("group"))))
    if shape.stars:
        conditions.append(stars.in_(bindparam("stars", expanding=True)))
    if shape.certified:
        conditions.append(stars.is_not(None))
    if shape.commune:
        conditions.append(producer.commune == bindparam("commune"))
    if shape.min_price:
        conditions.append(product.price_vnd >= bindparam("min_price"))
    if shape.max_price:
        conditions.append(product.price_vnd <= bindparam("max_price"))
    if shape.in_season:
        md = bindparam("md")
        conditions.append(season_overlaps(md, md))
    if shape.exclude_adult:
        conditions.append(product.adult_only.is_(False))

    joined = reads.product_t.join(reads.producer_t, producer.id == product.producer_id)
    if shape.stars or shape.certified:  # the ratings only matter to the count then
        joined = joined.outerjoin(best, best.c.product_id == product.id)
    count = select(func.count(product.id)).select_from(joined).where(*reads.visible(), *conditions)

    stars_desc = (stars.is_(None), stars.desc())
    if shape.sort == "price_asc":
        order = (product.price_vnd.asc(), product.id)
    elif shape.sort == "price_desc":
        order = (product.price_vnd.desc(), product.id)
    elif shape.sort == "stars":
        order = (*stars_desc, product.price_vnd.asc(), product.id)
    elif shape.sort == "newest":
        order = (product.created_at.desc(), product.id.desc())
    elif patterns:
        # Words found in the product's own name count more than words found elsewhere.
        relevance = sum(
            (case((product.search_name.like(p), 1), else_=0) for p in patterns[1:]),
            case((product.search_name.like(patterns[0]), 1), else_=0),
        )
        order = (relevance.desc(), *stars_desc, product.name_vi, product.id)
    else:
        order = (*stars_desc, product.created_at.desc(), product.id)
    page = (
        reads.card_select(best)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return count, page


def search_products(
    filters: ListingFilters,
    *,
    today: date,
    per_page: int,
    categories: reads.CategoryTree | None = None,
) -> ListingPage:
    terms = search_terms(filters.q)
    count_stmt, page_stmt = _search_statements(_SearchShape.of(filters, terms))
    values: dict[str, object] = {f"t{i}": f"% {term}%" for i, term in enumerate(terms)}
    values.update(
        today=today,
        group=filters.group,
        stars=list(filters.stars),
        commune=filters.commune,
        min_price=filters.min_price,
        max_price=filters.max_price,
        md=month_day(today),
    )
    total = reads.run(count_stmt, values).scalar() or 0  # (parameters it lacks are ignored)
    pages = max(1, -(-total // per_page))
    page = min(max(filters.page, 1), pages)
    values.update(limit=per_page, offset=(page - 1) * per_page)
    rows = reads.run(page_stmt, values).all()
    categories = categories or reads.category_tree()
    return ListingPage(
        cards=_cards(reads.card_products(rows)),
        total=total,
        page=page,
        per_page=per_page,
        groups=list(categories.groups),
        communes=reads.communes_with_products(),
    )


@dataclass
class ProductPage:
    product: reads.ProductView
    certificate: reads.CertificateView | None
    expired_certificate: reads.CertificateView | None
    in_season: bool | None
    stock: int  # what can be sold now (lapsed unpaid holds counted back in when asked)
    availability: Availability
    more_from_producer: list[ProductCard]


def get_product_page(
    slug: str,
    *,
    today: date,
    now: datetime | None = None,
    categories: reads.CategoryTree | None = None,
) -> ProductPage:
    """A product with its certificate, availability and more from its producer. With ``now``,
    stock held by unpaid orders whose payment window lapsed before it counts as available."""
    found = reads.read_product_page(slug, today, categories or reads.category_tree())
    if found is None:
        raise NotFound("product not found")
    product = found.product
    certificate = product.valid_certificate(today)
    expired = None
    if certificate is None:
        expired = next((c for c in product.certificates if c.status not in NOT_IN_FORCE), None)
    stock = product.stock
    if now is not None:
        stock += lapsed_stock([product.id], now).get(product.id, 0)
    return ProductPage(
        product=product,
        certificate=certificate,
        expired_certificate=expired,
        in_season=product.in_season_on(today),
        stock=stock,
        availability=availability(product, today, stock),
        more_from_producer=_cards(found.more),
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
    best = reads.best_stars(today, producer.id)
    product = reads.product_t.c
    rows = db.session.execute(
        reads.card_select(best)
        .where(product.producer_id == producer.id)
        .order_by(best.c.stars.is_(None), best.c.stars.desc(), product.name_vi)
    ).all()
    return ProducerPage(producer=producer, cards=_cards(reads.card_products(rows)))


@dataclass
class HomePage:
    in_season: list[ProductCard]
    coming_soon: list[ProductCard]
    highlights: list[ProductCard]
    producers: list[Producer]


def _month_range(day: date) -> tuple[int, int]:
    return day.month * 100 + 1, day.month * 100 + 31


def get_home_page(*, today: date, limit: int = 8) -> HomePage:
    best = reads.best_stars(today)
    stars = best.c.stars
    stmt = reads.card_select(best)
    ranked = (stars.is_(None), stars.desc(), reads.product_t.c.id)
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
    images = reads.images_of([row.id for row in (*in_season, *coming, *highlights)])
    producers = list(
        db.session.scalars(
            select(Producer).where(Producer.active.is_(True)).order_by(Producer.name).limit(8)
        )
    )
    return HomePage(
        in_season=_cards(reads.card_products(in_season, images)),
        coming_soon=_cards(reads.card_products(coming, images)),
        highlights=_cards(reads.card_products(highlights, images)),
        producers=producers,
    )


def sitemap_entries() -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """(slug, updated_at) of visible products and producers."""
    products = db.session.execute(
        select(Product.slug, Product.updated_at)
        .join(Product.producer)
        .where(*reads.visible())
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
