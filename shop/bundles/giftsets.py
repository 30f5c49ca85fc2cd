"""Gift sets for agencies and companies: budget bands, volume price tiers, the alcohol-free
variant, search words, and the builder that proposes sets from the catalogue.

A product counts as alcoholic when it is sold to adults only (``Product.adult_only``): the
producer's form names that flag "Alcohol: buyers must be 18 or older", and it is what the cart's
age check already reads, so one flag decides both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.bundles.models import Bundle, BundleKind, GiftSetTier
from shop.catalog.availability import availability
from shop.catalog.models import Product, ShippingClass, best_certificate, word_list
from shop.errors import BundleUnavailable
from shop.extensions import db
from shop.text import search_terms

# --- budget bands -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetBand:
    key: str
    label: object  # lazy string
    low_vnd: int  # included
    high_vnd: int | None  # excluded; None: no ceiling
    target_vnd: int  # the budget per box the builder aims at for this band

    def contains(self, price_vnd: int) -> bool:
        return self.low_vnd <= price_vnd and (self.high_vnd is None or price_vnd < self.high_vnd)


# About 300k, 500k and 1M ₫ a box: the only place the bands are defined.
BUDGET_BANDS: tuple[BudgetBand, ...] = (
    BudgetBand("300k", _l("About 300.000 ₫"), 0, 400_000, 300_000),
    BudgetBand("500k", _l("About 500.000 ₫"), 400_000, 750_000, 500_000),
    BudgetBand("1m", _l("About 1.000.000 ₫"), 750_000, None, 1_000_000),
)
BANDS_BY_KEY = {band.key: band for band in BUDGET_BANDS}


def budget_band(price_vnd: int) -> BudgetBand:
    return next(band for band in BUDGET_BANDS if band.contains(price_vnd))


# --- tiers --------------------------------------------------------------------------------


def tier_price(bundle: Bundle, quantity: int) -> int:
    """The unit price of ``quantity`` boxes on one line: the tier with the largest minimum
    quantity not above ``quantity``; the bundle's own price below the first tier (and for
    bundles without tiers)."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    price = bundle.price_vnd
    for tier in bundle.tiers if bundle.kind == BundleKind.GIFT_SET else ():
        if tier.min_quantity > quantity:
            break
        if tier.min_quantity > 1:
            price = tier.unit_price_vnd
    return price


def check_tiers(price_vnd: int, units: int, tiers: Sequence[tuple[int, int]]) -> None:
    """Refuse a tier table (``BundleUnavailable`` with ``reason``): it starts at 1 box at the
    set's own price, minimum quantities rise, prices fall, and every unit of the set keeps at
    least 1 đồng at each tier."""
    if not tiers:
        return
    if tiers[0] != (1, price_vnd):
        raise BundleUnavailable("the first tier is 1 box at the set's price", reason="tier_first")
    for (q1, p1), (q2, p2) in zip(tiers, tiers[1:], strict=False):
        if q2 <= q1:
            raise BundleUnavailable("tier quantities must rise", reason="tier_quantity")
        if p2 >= p1:
            raise BundleUnavailable("tier prices must fall with quantity", reason="tier_price")
    if tiers[-1][1] < units:
        raise BundleUnavailable("a tier cannot give each unit 1 đồng", reason="tier_too_low")


def set_tiers(bundle: Bundle, tiers: Iterable[tuple[int, int]]) -> None:
    """Replace a gift set's tiers with ``(min_quantity, unit_price_vnd)`` pairs, checked."""
    tiers = sorted(tiers)
    if tiers and bundle.kind != BundleKind.GIFT_SET:
        raise BundleUnavailable("only gift sets have volume prices", reason="tier_kind")
    check_tiers(bundle.price_vnd, sum(c.quantity for c in bundle.components), tiers)
    bundle.tiers.clear()
    db.session.flush()
    bundle.tiers.extend(GiftSetTier(min_quantity=q, unit_price_vnd=p) for q, p in tiers)
    db.session.flush()


# --- alcohol ------------------------------------------------------------------------------


def has_alcohol(bundle: Bundle) -> bool:
    return any(c.product.adult_only for c in bundle.goods)


def validate_gift_set(bundle: Bundle) -> None:
    """A gift set's own rules: its tiers, and an alcohol-free variant that is a gift set
    without alcohol, named only by a set holding alcohol."""
    check_tiers(
        bundle.price_vnd,
        sum(c.quantity for c in bundle.components),
        [(t.min_quantity, t.unit_price_vnd) for t in bundle.tiers],
    )
    variant = bundle.alcohol_free_variant
    if variant is None:
        return
    if not has_alcohol(bundle):
        raise BundleUnavailable("only a set with alcohol has a variant", reason="variant")
    if variant.id == bundle.id or variant.kind != BundleKind.GIFT_SET or has_alcohol(variant):
        raise BundleUnavailable("the variant is a gift set without alcohol", reason="variant")


# --- the gift-set page and search ----------------------------------------------------------

# Words that find every gift set, folded: "quà tặng", "hộp quà", "gift(s)", "Tết".
GIFT_WORDS = "qua tang hop qua bieu gift gifts set sets box hamper tet present"


def gift_sets_on_sale(band: BudgetBand | None = None) -> list[Bundle]:
    from shop.bundles.services import bundles_on_sale

    sets = [b for b in bundles_on_sale() if b.kind == BundleKind.GIFT_SET]
    return [b for b in sets if band is None or band.contains(b.price_vnd)]


def gift_set_words(bundle: Bundle) -> str:
    return word_list(
        GIFT_WORDS,
        bundle.name_vi,
        bundle.name_en,
        bundle.summary_vi,
        bundle.summary_en,
        bundle.packaging_vi,
        bundle.packaging_en,
        *(c.product.name_vi for c in bundle.goods),
        *(c.product.name_en for c in bundle.goods),
    )


def search_gift_sets(q: str, limit: int = 6) -> list[Bundle]:
    """Gift sets on sale whose words (their own and the gift words) hold every word of ``q``
    at the start of a word, as the product search matches."""
    terms = search_terms(q)
    if not terms:
        return []
    found = []
    for bundle in gift_sets_on_sale():
        words = gift_set_words(bundle)
        if all(f" {term}" in words for term in terms):
            found.append(bundle)
    return found[:limit]


# --- the builder --------------------------------------------------------------------------

MAX_ITEMS = 8  # products in one proposed box
CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class Constraints:
    budget_vnd: int
    day: date
    four_stars: bool = False
    province_code: int | None = None
    commune_code: int | None = None
    no_alcohol: bool = False
    no_chilled: bool = False

    @property
    def low_vnd(self) -> int:
        """The lowest total that fits: 90 % of the budget, rounded up."""
        return -(-self.budget_vnd * 9 // 10)

    @property
    def high_vnd(self) -> int:
        """The highest total that fits: 110 % of the budget, rounded down."""
        return self.budget_vnd * 11 // 10

    def fits(self, total_vnd: int) -> bool:
        return self.low_vnd <= total_vnd <= self.high_vnd


@dataclass(frozen=True)
class Candidate:
    product: Product
    stars: int | None

    @property
    def id(self) -> int:
        return self.product.id

    @property
    def price_vnd(self) -> int:
        return self.product.price_vnd


@dataclass(frozen=True)
class Proposal:
    items: tuple[Candidate, ...]

    @property
    def total_vnd(self) -> int:
        return sum(c.price_vnd for c in self.items)


def deliverable_on(product: Product, day: date) -> bool:
    """On sale (or on pre-order shipping by ``day``), in stock and in season on ``day``."""
    answer = availability(product, day)
    if not answer.can_buy:
        return False
    if product.preorder:
        return product.preorder_ships_from is not None and product.preorder_ships_from <= day
    return True


def eligible_products(constraints: Constraints) -> list[Candidate]:
    """Products matching every constraint and cheap enough for the budget, dearest first
    (then by id, so the same request always gets the same answer)."""
    from shop.catalog.models import Producer

    stmt = (
        select(Product)
        .join(Producer, Producer.id == Product.producer_id)
        .where(
            Product.active.is_(True),
            Producer.active.is_(True),
            Product.stock > 0,
            Product.price_vnd <= constraints.high_vnd,
        )
        .options(
            selectinload(Product.producer),
            selectinload(Product.certificates),
            selectinload(Product.images),
        )
        .order_by(Product.price_vnd.desc(), Product.id)
        .limit(CANDIDATE_LIMIT)
    )
    if constraints.no_alcohol:
        stmt = stmt.where(Product.adult_only.is_(False))
    if constraints.no_chilled:
        stmt = stmt.where(Product.shipping_class == ShippingClass.AMBIENT)
    if constraints.commune_code is not None:
        stmt = stmt.where(Producer.commune_code == constraints.commune_code)
    elif constraints.province_code is not None:
        stmt = stmt.where(Producer.province_code == constraints.province_code)
    found = []
    for product in db.session.scalars(stmt):
        if not deliverable_on(product, constraints.day):
            continue
        certificate = best_certificate(product.certificates, constraints.day)
        stars = certificate.stars if certificate else None
        if constraints.four_stars and (stars or 0) < 4:
            continue
        found.append(Candidate(product, stars))
    return found


def propose_sets(
    candidates: Sequence[Candidate], constraints: Constraints, count: int = 3
) -> list[Proposal]:
    """Up to ``count`` different boxes whose total is within ±10 % of the budget.

    Greedy, deterministic: each box starts from another product (dearest first) and adds the
    dearest products that still fit under the ceiling until the total reaches the floor."""
    ordered = sorted(candidates, key=lambda c: (-c.price_vnd, c.id))
    proposals: list[Proposal] = []
    seen: set[frozenset[int]] = set()
    for seed in ordered:
        if len(proposals) >= count:
            break
        chosen, total = [seed], seed.price_vnd
        for other in ordered:
            if total >= constraints.low_vnd or len(chosen) >= MAX_ITEMS:
                break
            if other is not seed and total + other.price_vnd <= constraints.high_vnd:
                chosen.append(other)
                total += other.price_vnd
        key = frozenset(c.id for c in chosen)
        if constraints.fits(total) and key not in seen:
            seen.add(key)
            proposals.append(Proposal(tuple(sorted(chosen, key=lambda c: (-c.price_vnd, c.id)))))
    return proposals


def swap_choices(
    proposal: Proposal, candidates: Sequence[Candidate], constraints: Constraints
) -> list[list[Candidate]]:
    """For each item of the box, the other eligible products it can be swapped for with the
    total still within the budget (the item itself first)."""
    inside = {c.id for c in proposal.items}
    total = proposal.total_vnd
    return [
        [item]
        + [
            c
            for c in candidates
            if c.id not in inside and constraints.fits(total - item.price_vnd + c.price_vnd)
        ]
        for item in proposal.items
    ]


def chosen_set(
    ids: Sequence[int], candidates: Sequence[Candidate], constraints: Constraints
) -> Proposal:
    """The box the buyer chose (product ids from the form), checked: known eligible products,
    each once, at most ``MAX_ITEMS``, within the budget. ``ValueError`` with the reason."""
    by_id = {c.id: c for c in candidates}
    if not ids or len(ids) > MAX_ITEMS:
        raise ValueError("count")
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate")
    if any(i not in by_id for i in ids):
        raise ValueError("ineligible")
    proposal = Proposal(tuple(by_id[i] for i in ids))
    if not constraints.fits(proposal.total_vnd):
        raise ValueError("budget")
    return proposal
