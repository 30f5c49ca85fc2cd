"""Bundles: checking one before it goes on sale, what one can be bought now, its sessions,
and its price split over its parts.

Buying a bundle is placing an order with it (``shop.orders.services.plan_order`` plans a
bundle line into its goods lines and its booking); nothing here writes stock or seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.bundles.allocation import PricedPart, price_parts
from shop.bundles.giftsets import tier_price, validate_gift_set
from shop.bundles.models import Bundle, BundleComponent, BundleKind, GoodsHandover
from shop.catalog.availability import AvailabilityKind, availability
from shop.catalog.models import Product
from shop.catalog.signals import lapsed_stock
from shop.errors import BundleUnavailable, SessionUnavailable
from shop.extensions import db
from shop.tourism.models import Experience, ExperienceSession, SessionStatus, UnitType
from shop.tourism.rules import aware
from shop.tourism.services import check_bookable, seats_free, session_cutoff

_LOAD = (
    selectinload(Bundle.components)
    .selectinload(BundleComponent.product)
    .selectinload(Product.producer),
    selectinload(Bundle.components)
    .selectinload(BundleComponent.product)
    .selectinload(Product.images),
    selectinload(Bundle.components)
    .selectinload(BundleComponent.unit_type)
    .selectinload(UnitType.experience)
    .selectinload(Experience.producer),
)


def load_bundle(bundle_id: int | None = None, *, slug: str | None = None) -> Bundle | None:
    """A bundle with its components, their products (and producers, pictures) and unit types
    (and experience)."""
    stmt = select(Bundle).options(*_LOAD)
    stmt = stmt.where(Bundle.id == bundle_id) if slug is None else stmt.where(Bundle.slug == slug)
    return db.session.scalar(stmt)


def bundles_on_sale() -> list[Bundle]:
    return list(
        db.session.scalars(
            select(Bundle)
            .where(Bundle.active.is_(True))
            .options(*_LOAD)
            .order_by(Bundle.position, Bundle.id)
        ).all()
    )


def validate_bundle(bundle: Bundle) -> None:
    """Refuse a bundle that cannot be sold as it is (``BundleUnavailable`` with a reason): a
    package is goods plus seats of exactly one experience, with a handover; a gift set is goods
    only; every unit must be able to carry at least 1 đồng of the price."""
    components = bundle.components
    if not components or not bundle.goods:
        raise BundleUnavailable("a bundle needs goods", reason="no_goods")
    if any(c.quantity < 1 for c in components):
        raise BundleUnavailable("quantities must be at least 1", reason="quantity")
    experiences = {c.unit_type.experience_id for c in bundle.seats_components}
    if bundle.kind == BundleKind.GIFT_SET:
        if experiences:
            raise BundleUnavailable("a gift set holds goods only", reason="gift_set_experience")
        if bundle.goods_handover is not None:
            raise BundleUnavailable("a gift set is always delivered", reason="handover")
        validate_gift_set(bundle)
    elif bundle.kind == BundleKind.PACKAGE:
        if len(experiences) != 1:
            raise BundleUnavailable(
                "a package holds exactly one experience", reason="package_experience"
            )
        if bundle.goods_handover not in tuple(GoodsHandover):
            raise BundleUnavailable("say how the goods are handed over", reason="handover")
    else:
        raise BundleUnavailable("unknown kind of bundle", reason="kind")
    if bundle.licensed_travel and bundle.kind != BundleKind.PACKAGE:
        raise BundleUnavailable("only a package is a travel product", reason="licence")
    units = sum(c.quantity for c in components)
    if bundle.price_vnd < units:
        raise BundleUnavailable(
            "the price cannot give each unit at least 1 đồng", reason="price_too_low"
        )


def put_on_sale(bundle: Bundle) -> None:
    """Check the bundle and put it on sale. A licensed travel package (transport, lodging and
    a guide) needs its operator's licence number first."""
    validate_bundle(bundle)
    if bundle.licensed_travel and not (bundle.operator_licence or "").strip():
        raise BundleUnavailable(
            "a licensed travel package needs the operator's licence number", reason="licence"
        )
    bundle.active = True
    db.session.flush()


def take_off_sale(bundle: Bundle) -> None:
    bundle.active = False
    db.session.flush()


def list_price_vnd(bundle: Bundle) -> int:
    """What the parts cost bought separately, at today's list prices."""
    return sum(c.list_price_vnd * c.quantity for c in bundle.components)


def saving_vnd(bundle: Bundle) -> int:
    return max(list_price_vnd(bundle) - bundle.price_vnd, 0)


def price_bundle(bundle: Bundle, quantity: int = 1) -> list[tuple[BundleComponent, PricedPart]]:
    """One bundle's price split over its components (at today's list prices) as order
    lines: (component, its quantity at one unit price). The price is that of one bundle
    bought ``quantity`` at a time (a gift set's volume tier, ``tier_price``), so every đồng
    of each bundle still goes to exactly one part."""
    components = bundle.components
    parts = price_parts(
        tier_price(bundle, quantity), [(c.list_price_vnd, c.quantity) for c in components]
    )
    return [(components[part.component], part) for part in parts]


@dataclass(frozen=True)
class BundleAvailability:
    """How many of a bundle can be bought now (for a package: on the chosen session), and if
    none, why: ``paused``, ``sold_out``, ``out_of_season``, ``seats`` or ``session_<reason>``."""

    count: int
    reason: str | None = None
    # A package asked about without a session: the count is the goods' only.
    needs_session: bool = False

    @property
    def can_buy(self) -> bool:
        return self.count > 0


def bundle_availability(
    bundle: Bundle, *, today: date, now: datetime, session: ExperienceSession | None = None
) -> BundleAvailability:
    """The minimum of the components' availability: each product's stock (with what lapsed
    unpaid orders hold, as the catalogue counts it) // its quantity, each product on sale or on
    pre-order today; for a package, the session bookable now and its free seats // the seats one
    package takes."""
    if not bundle.active:
        return BundleAvailability(0, "paused")
    goods = bundle.goods
    lapsed = lapsed_stock([c.product_id for c in goods], now)
    count = None
    for component in goods:
        product = component.product
        answer = availability(product, today, product.stock + lapsed.get(product.id, 0))
        if not answer.can_buy:
            reason = "paused" if answer.kind == AvailabilityKind.PAUSED else str(answer.kind)
            return BundleAvailability(0, reason)
        fits = answer.stock // component.quantity
        count = fits if count is None else min(count, fits)
    count = count or 0
    if not count:
        return BundleAvailability(0, "sold_out")
    if not bundle.is_package:
        return BundleAvailability(count)
    experience = bundle.experience
    if experience is None or not experience.active:
        return BundleAvailability(0, "paused")
    if session is None:
        return BundleAvailability(count, needs_session=True)
    if session.experience_id != experience.id:
        return BundleAvailability(0, "session_unknown")
    try:
        check_bookable(session, now)
    except SessionUnavailable as error:
        return BundleAvailability(0, f"session_{error.details.get('reason', 'unknown')}")
    seats = seats_free(session, now) // max(bundle.seats_per_bundle, 1)
    if not seats:
        return BundleAvailability(0, "seats")
    return BundleAvailability(min(count, seats))


def open_sessions(bundle: Bundle, now: datetime, limit: int = 30) -> list[ExperienceSession]:
    """A package's next sessions that are open, before their cut-off, with seats for at least
    one package."""
    experience = bundle.experience
    if experience is None:
        return []
    candidates = db.session.scalars(
        select(ExperienceSession)
        .where(
            ExperienceSession.experience_id == experience.id,
            ExperienceSession.status == SessionStatus.OPEN,
            ExperienceSession.starts_at > now,
            ExperienceSession.capacity - ExperienceSession.seats_taken >= bundle.seats_per_bundle,
        )
        .order_by(ExperienceSession.starts_at)
        .limit(limit * 2)
    ).all()
    return [s for s in candidates if aware(now) < session_cutoff(s, experience)][:limit]
