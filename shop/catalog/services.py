"""Catalogue reads: the faceted listing, product and producer pages, the home page, sitemaps.

Every function runs a fixed number of SQL queries whatever the catalogue size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql import Subquery

from shop.catalog import reads
from shop.catalog.availability import Availability, AvailabilityKind, availability
from shop.catalog.models import NOT_IN_FORCE, CertificateStatus, OcopCertificate, Producer, Product
from shop.catalog.signals import lapsed_stock
from shop.errors import InvalidQuery, NotFound, ProductUnavailable
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


@dataclass(frozen=True)
class _OrderKey:
    """One term of a listing's order: the expression ORDER BY sorts on, the same value free of
    NULL for comparing with a cursor, and the direction."""

    order: ColumnElement
    value: ColumnElement
    descending: bool = False


def _order_keys(shape: _SearchShape, stars: ColumnElement, patterns: list) -> list[_OrderKey]:
    """The listing's order for ``shape`` (``stars``: the best-stars subquery's column), the
    product id last (so it is total)."""
    product = reads.product_t.c
    product_id = _OrderKey(product.id, product.id)
    # Certified first, most stars first (no stars: after every rating).
    stars_desc = [
        _OrderKey(stars.is_(None), case((stars.is_(None), 1), else_=0)),
        _OrderKey(stars, func.coalesce(stars, 0), descending=True),
    ]
    if shape.sort == "price_asc":
        return [_OrderKey(product.price_vnd, product.price_vnd), product_id]
    if shape.sort == "price_desc":
        return [_OrderKey(product.price_vnd, product.price_vnd, descending=True), product_id]
    if shape.sort == "stars":
        return [*stars_desc, _OrderKey(product.price_vnd, product.price_vnd), product_id]
    if shape.sort == "newest":
        return [
            _OrderKey(product.created_at, product.created_at, descending=True),
            _OrderKey(product.id, product.id, descending=True),
        ]
    if patterns:
        # Words found in the product's own name count more than words found elsewhere.
        relevance = sum(
            (case((product.search_name.like(p), 1), else_=0) for p in patterns[1:]),
            case((product.search_name.like(patterns[0]), 1), else_=0),
        )
        return [
            _OrderKey(relevance, relevance, descending=True),
            *stars_desc,
            _OrderKey(product.name_vi, product.name_vi),
            product_id,
        ]
    return [
        *stars_desc,
        _OrderKey(product.created_at, product.created_at, descending=True),
        product_id,
    ]


def _conditions(shape: _SearchShape, best: Subquery, patterns: list) -> list:
    """The WHERE conditions of a listing of ``shape`` (see ``_search_statements``)."""
    product, producer = reads.product_t.c, reads.producer_t.c
    stars = best.c.stars
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
    return conditions


@lru_cache(maxsize=256)
def _search_statements(shape: _SearchShape) -> tuple[Select, Select]:
    """The count and the page of cards for listings of ``shape`` (parameters: ``today``, ``t0``…
    (``% word%`` patterns), ``group``, ``stars``, ``commune``, ``min_price``, ``max_price``,
    ``md``, ``limit``, ``offset``)."""
    product, producer = reads.product_t.c, reads.producer_t.c
    best = reads.best_stars(bindparam("today"))
    patterns = [bindparam(f"t{i}") for i in range(shape.terms)]
    conditions = _conditions(shape, best, patterns)

    joined = reads.product_t.join(reads.producer_t, producer.id == product.producer_id)
    if shape.stars or shape.certified:  # the ratings only matter to the count then
        joined = joined.outerjoin(best, best.c.product_id == product.id)
    count = select(func.count(product.id)).select_from(joined).where(*reads.visible(), *conditions)

    keys = _order_keys(shape, best.c.stars, patterns)
    page = (
        reads.card_select(best)
        .where(*conditions)
        .order_by(*(key.order.desc() if key.descending else key.order for key in keys))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return count, page


@lru_cache(maxsize=256)
def _keyset_statement(shape: _SearchShape, after: bool) -> tuple[Select, list[_OrderKey]]:
    """The API's page of a listing of ``shape``: the same filters and order, the rows after
    the cursor's key (parameters ``k0``… with ``after``) instead of an offset, each row with
    its key values (``key0``…), ``updated_at`` and the producer's province."""
    product, producer = reads.product_t.c, reads.producer_t.c
    best = reads.best_stars(bindparam("today"))
    patterns = [bindparam(f"t{i}") for i in range(shape.terms)]
    conditions = _conditions(shape, best, patterns)
    keys = _order_keys(shape, best.c.stars, patterns)
    if after:
        beyond = None
        for i, key in reversed(list(enumerate(keys))):
            value = bindparam(f"k{i}", type_=key.value.type)
            step = key.value < value if key.descending else key.value > value
            beyond = step if beyond is None else or_(step, and_(key.value == value, beyond))
        conditions.append(beyond)
    statement = (
        reads.card_select(best)
        .add_columns(
            product.updated_at,
            producer.province.label("producer_province"),
            *(key.value.label(f"key{i}") for i, key in enumerate(keys)),
        )
        .where(*conditions)
        .order_by(*(key.order.desc() if key.descending else key.order for key in keys))
        .limit(bindparam("limit"))
    )
    return statement, keys


@dataclass(frozen=True)
class KeysetPage:
    """A page of the API's product listing: ``(CardProduct, stars, updated_at, province)``
    rows, and the sort key of the last one when more follow."""

    rows: list[tuple]
    next_key: list | None
    listing: str  # names the listing and order a key belongs to


def listing_name(filters: ListingFilters) -> str:
    return f"products:{filters.sort}:{len(search_terms(filters.q))}"


def listing_key_length(filters: ListingFilters) -> int:
    """How many values the sort key of a listing with ``filters`` holds (a cursor's length)."""
    shape = _SearchShape.of(filters, search_terms(filters.q))
    return len(_keyset_statement(shape, False)[1])


def _key_value(key: _OrderKey, raw: object) -> object:
    """A cursor's JSON value as the key's SQL type wants it."""
    if isinstance(key.value.type, DateTime):
        if not isinstance(raw, str):
            raise InvalidQuery("bad cursor")
        moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(key.value.type, Boolean):
        return bool(raw)
    return raw


def _key_json(value: object) -> object:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def search_products_after(
    filters: ListingFilters, *, today: date, limit: int, after: list | None
) -> KeysetPage:
    """The listing's products for the API, ``limit`` at a time after the key ``after`` (a
    cursor's), with the same filters and order as ``search_products``."""
    terms = search_terms(filters.q)
    shape = _SearchShape.of(filters, terms)
    statement, keys = _keyset_statement(shape, after is not None)
    values: dict[str, object] = {f"t{i}": f"% {term}%" for i, term in enumerate(terms)}
    values.update(
        today=today,
        group=filters.group,
        stars=list(filters.stars),
        commune=filters.commune,
        min_price=filters.min_price,
        max_price=filters.max_price,
        md=month_day(today),
        limit=limit + 1,
    )
    if after is not None:
        if len(after) != len(keys):
            raise InvalidQuery("bad cursor")
        values.update(
            {
                f"k{i}": _key_value(key, raw)
                for i, (key, raw) in enumerate(zip(keys, after, strict=True))
            }
        )
    rows = reads.run(statement, values).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cards = reads.card_products(rows)
    found = [
        (product, stars, row.updated_at, row.producer_province)
        for (product, stars), row in zip(cards, rows, strict=True)
    ]
    next_key = None
    if more and rows:
        last = rows[-1]._mapping
        next_key = [_key_json(last[f"key{i}"]) for i in range(len(keys))]
    return KeysetPage(found, next_key, listing_name(filters))


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


def visible_producers_after(after: list | None, limit: int) -> tuple[list[Producer], list | None]:
    """Active producers in the producer list's order (name, then id) after the key ``after``
    (a cursor's ``[name, id]``), ``limit`` of them, and the key of the last one when more
    follow (one query)."""
    statement = (
        select(Producer)
        .where(Producer.active.is_(True))
        .order_by(Producer.name, Producer.id)
        .limit(limit + 1)
    )
    if after is not None:
        name, producer_id = after
        if not isinstance(name, str) or not isinstance(producer_id, int):
            raise InvalidQuery("bad cursor")
        statement = statement.where(
            or_(Producer.name > name, and_(Producer.name == name, Producer.id > producer_id))
        )
    found = list(db.session.scalars(statement))
    more = len(found) > limit
    found = found[:limit]
    return found, ([found[-1].name, found[-1].id] if more and found else None)


def visible_producer(slug: str) -> Producer | None:
    return db.session.scalar(
        select(Producer).where(Producer.slug == slug, Producer.active.is_(True))
    )
