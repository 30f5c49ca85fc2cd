"""Cart operations and the cart as the shopper sees it, re-read from the database every time."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from shop.bundles.giftsets import tier_price
from shop.bundles.models import Bundle, BundleComponent
from shop.bundles.services import (
    BundleAvailability,
    bundle_availability,
    load_bundle,
    price_bundle,
)
from shop.cart.models import Cart, CartLine
from shop.catalog.availability import Availability, availability
from shop.catalog.models import Producer, Product
from shop.catalog.services import check_purchasable
from shop.catalog.signals import lapsed_stock
from shop.db import utcnow
from shop.errors import (
    AgeConfirmationRequired,
    BundleUnavailable,
    CartChanged,
    InvalidQuantity,
    OutOfStock,
    ProductUnavailable,
    SessionFull,
    SessionUnavailable,
)
from shop.extensions import db
from shop.lines import LineKind
from shop.money import vat_included
from shop.tourism.models import Experience, ExperienceSession, UnitType
from shop.tourism.rules import AvailabilityStatus
from shop.tourism.services import (
    PricedUnit,
    check_bookable,
    lapsed_seats,
    load_session,
    price_units,
    seats_free,
    session_availability,
)


def find_cart(token: str | None) -> Cart | None:
    if not token:
        return None
    return db.session.scalar(select(Cart).where(Cart.token == token))


def user_cart(user_id: int) -> Cart | None:
    return db.session.scalar(select(Cart).where(Cart.user_id == user_id))


def create_cart(user_id: int | None = None) -> Cart:
    cart = Cart(token=secrets.token_urlsafe(32), user_id=user_id)
    db.session.add(cart)
    db.session.flush()
    return cart


def _line(cart: Cart, product_id: int) -> CartLine | None:
    return next(
        (
            line
            for line in cart.lines
            if line.kind == LineKind.PRODUCT and line.product_id == product_id
        ),
        None,
    )


def _insert():
    return (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )


def available_stock(product: Product, now: datetime) -> int:
    """Stock a shopper can still get: what is on the shelf plus what lapsed unpaid orders hold
    (read only — the checkout that takes it releases those holds)."""
    return product.stock + lapsed_stock([product.id], now).get(product.id, 0)


def _confirm_age(cart: Cart, needed: bool, confirmed: bool, now: datetime) -> None:
    """Alcohol needs the shopper's "18 or over" once per cart (``AgeConfirmationRequired``)."""
    if not needed or cart.adult_confirmed_at is not None:
        return
    if not confirmed:
        raise AgeConfirmationRequired("confirm you are 18 or over to buy alcohol")
    cart.adult_confirmed_at = now


def add_to_cart(
    cart: Cart,
    product_id: int,
    quantity: int,
    *,
    today: date,
    max_quantity: int,
    adult_confirmed: bool = False,
    now: datetime | None = None,
) -> int:
    """Add ``quantity`` of a product (or more of it); returns the line's new quantity.

    One upsert (``INSERT … ON CONFLICT DO UPDATE quantity = quantity + :q``), so simultaneous
    adds of the same product add up instead of colliding on the unique line. Checks sale,
    season and age first, and the per-line limit and stock on the summed quantity: when it is
    over, the error is raised after the write and the caller rolls back."""
    if quantity < 1:
        raise InvalidQuantity("quantity must be at least 1")
    now = now or utcnow()
    product = db.session.scalar(
        select(Product).where(Product.id == product_id).options(selectinload(Product.producer))
    )
    check_purchasable(product, today)
    if quantity > max_quantity:
        raise InvalidQuantity(f"at most {max_quantity} per product", limit=max_quantity)
    _confirm_age(cart, product.adult_only, adult_confirmed, now)
    db.session.flush()
    stmt = _insert()(CartLine).values(
        cart_id=cart.id,
        kind=LineKind.PRODUCT,
        product_id=product.id,
        quantity=quantity,
        price_seen_vnd=product.price_vnd,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[CartLine.cart_id, CartLine.product_id],
        set_={
            "quantity": CartLine.quantity + stmt.excluded.quantity,
            "price_seen_vnd": stmt.excluded.price_seen_vnd,
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(CartLine.quantity)
    wanted = db.session.execute(stmt).scalar_one()
    db.session.expire(cart, ["lines"])
    _check_quantity(product, wanted, max_quantity, now)
    return wanted


def _check_quantity(product: Product, quantity: int, max_quantity: int, now: datetime) -> None:
    if quantity > max_quantity:
        raise InvalidQuantity(f"at most {max_quantity} per product", limit=max_quantity)
    if quantity > product.stock:
        available = available_stock(product, now)
        if quantity > available:
            raise OutOfStock("not enough stock", product_id=product.id, available=available)


def add_seats(
    cart: Cart, session_id: int, quantities: dict[int, int], *, now: datetime
) -> list[PricedUnit]:
    """Put a booking for one session in the cart: ``{unit_type_id: quantity}`` replaces what
    the cart held for that session (a tourist choosing "2 adults + 1 child" again means that
    party, not twice it). Checks the session can be booked now, each unit type's per-booking
    range, and that enough seats are free (``SessionFull`` with ``available``). Upserts, so
    two submissions at once cannot collide on the unique line."""
    session = load_session(session_id)
    check_bookable(session, now)
    priced = price_units(session.experience, {k: v for k, v in quantities.items() if v})
    wanted = sum(unit.seats for unit in priced)
    available = seats_free(session, now)
    if wanted > available:
        raise SessionFull("not enough seats left", session_id=session_id, available=available)
    db.session.flush()
    keep = [unit.unit_type.id for unit in priced]
    db.session.execute(
        delete(CartLine).where(
            CartLine.cart_id == cart.id,
            CartLine.session_id == session_id,
            CartLine.unit_type_id.not_in(keep),
        )
    )
    for unit in priced:
        stmt = _insert()(CartLine).values(
            cart_id=cart.id,
            kind=LineKind.SEATS,
            session_id=session_id,
            unit_type_id=unit.unit_type.id,
            quantity=unit.quantity,
            price_seen_vnd=unit.unit_price_vnd,
            created_at=now,
            updated_at=now,
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[CartLine.cart_id, CartLine.session_id, CartLine.unit_type_id],
                set_={
                    "quantity": stmt.excluded.quantity,
                    "price_seen_vnd": stmt.excluded.price_seen_vnd,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )
    db.session.expire(cart, ["lines"])
    return priced


def remove_booking(cart: Cart, session_id: int) -> None:
    """Take one session's seats out of the cart (a package on that session stays)."""
    db.session.execute(
        delete(CartLine).where(
            CartLine.cart_id == cart.id,
            CartLine.kind == LineKind.SEATS,
            CartLine.session_id == session_id,
        )
    )
    db.session.expire(cart, ["lines"])


_GIFT_SET_LINE = "kind = 'bundle' AND session_id IS NULL"
_PACKAGE_LINE = "kind = 'bundle' AND session_id IS NOT NULL"


def _load_bundle_for_sale(
    bundle_id: int, session_id: int | None, *, today: date, now: datetime
) -> tuple[Bundle, ExperienceSession | None]:
    """The bundle on sale, every product of it purchasable today, and for a package the
    chosen session, of its experience and bookable now."""
    bundle = load_bundle(bundle_id)
    if bundle is None:
        raise BundleUnavailable("that bundle does not exist", reason="unknown")
    if not bundle.active:
        raise BundleUnavailable("this bundle is not on sale", reason="paused")
    session = None
    if bundle.is_package:
        experience = bundle.experience
        session = load_session(session_id) if session_id is not None else None
        if session is None or experience is None or session.experience_id != experience.id:
            raise BundleUnavailable("choose one of the package's dates", reason="session")
        check_bookable(session, now)
    elif session_id is not None:
        raise BundleUnavailable("a gift set has no date", reason="session")
    for component in bundle.goods:
        check_purchasable(component.product, today)
    return bundle, session


def _check_bundle_quantity(
    bundle: Bundle,
    session: ExperienceSession | None,
    quantity: int,
    *,
    max_quantity: int,
    today: date,
    now: datetime,
) -> None:
    if quantity > max_quantity:
        raise InvalidQuantity(f"at most {max_quantity} per bundle", limit=max_quantity)
    answer = bundle_availability(bundle, today=today, now=now, session=session)
    if quantity > answer.count:
        raise BundleUnavailable(
            "not enough of this bundle left", reason="available", available=answer.count
        )


def add_bundle(
    cart: Cart,
    bundle_id: int,
    quantity: int,
    session_id: int | None,
    *,
    today: date,
    now: datetime,
    max_quantity: int,
    adult_confirmed: bool = False,
) -> int:
    """Add ``quantity`` of a bundle (a package on one of its sessions) to the cart, or more of
    it; returns the line's new quantity. One upsert on the cart's line for that bundle (and
    session), so two adds at once add up. Checks the bundle is on sale, its products and
    session can be bought now, age for alcohol, and that every component has enough for the
    summed quantity (``BundleUnavailable`` with ``available``): the caller rolls back."""
    if quantity < 1:
        raise InvalidQuantity("quantity must be at least 1")
    bundle, session = _load_bundle_for_sale(bundle_id, session_id, today=today, now=now)
    if quantity > max_quantity:
        raise InvalidQuantity(f"at most {max_quantity} per bundle", limit=max_quantity)
    _confirm_age(cart, any(c.product.adult_only for c in bundle.goods), adult_confirmed, now)
    db.session.flush()
    stmt = _insert()(CartLine).values(
        cart_id=cart.id,
        kind=LineKind.BUNDLE,
        bundle_id=bundle.id,
        session_id=session.id if session else None,
        quantity=quantity,
        price_seen_vnd=bundle.price_vnd,
        created_at=now,
        updated_at=now,
    )
    if session is None:
        target = {
            "index_elements": [CartLine.cart_id, CartLine.bundle_id],
            "index_where": text(_GIFT_SET_LINE),
        }
    else:
        target = {
            "index_elements": [CartLine.cart_id, CartLine.bundle_id, CartLine.session_id],
            "index_where": text(_PACKAGE_LINE),
        }
    stmt = stmt.on_conflict_do_update(
        **target,
        set_={
            "quantity": CartLine.quantity + stmt.excluded.quantity,
            "price_seen_vnd": stmt.excluded.price_seen_vnd,
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(CartLine.quantity)
    wanted = db.session.execute(stmt).scalar_one()
    db.session.expire(cart, ["lines"])
    _check_bundle_quantity(bundle, session, wanted, max_quantity=max_quantity, today=today, now=now)
    # The price seen is that of the line's whole quantity (a gift set's volume tier).
    db.session.execute(
        update(CartLine)
        .where(CartLine.cart_id == cart.id, CartLine.kind == LineKind.BUNDLE)
        .where(CartLine.bundle_id == bundle.id)
        .where(
            CartLine.session_id.is_(None) if session is None else CartLine.session_id == session.id
        )
        .values(price_seen_vnd=tier_price(bundle, wanted))
    )
    return wanted


def set_quantity(
    cart: Cart,
    line_id: int,
    quantity: int,
    *,
    max_quantity: int,
    now: datetime | None = None,
    today: date | None = None,
) -> None:
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None or line.kind == LineKind.SEATS:
        raise ProductUnavailable("that line is not in your cart")
    if quantity < 1:
        raise InvalidQuantity("quantity must be at least 1")
    if line.kind == LineKind.BUNDLE:
        now = now or utcnow()
        today = today or now.date()
        bundle, session = _load_bundle_for_sale(
            line.bundle_id, line.session_id, today=today, now=now
        )
        _check_bundle_quantity(
            bundle, session, quantity, max_quantity=max_quantity, today=today, now=now
        )
        line.quantity = quantity
        line.price_seen_vnd = tier_price(bundle, quantity)
        db.session.flush()
        return
    _check_quantity(
        db.session.get(Product, line.product_id), quantity, max_quantity, now or utcnow()
    )
    line.quantity = quantity
    line.price_seen_vnd = line.product.price_vnd
    db.session.flush()


def remove_line(cart: Cart, line_id: int) -> None:
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id, CartLine.id == line_id))
    db.session.expire(cart, ["lines"])


def merge_carts(guest: Cart | None, user_id: int, *, max_quantity: int) -> Cart:
    """On sign-in: the guest cart's lines move into the user's cart (quantities add up,
    capped at the per-line maximum); a user without a cart simply takes the guest cart."""
    mine = user_cart(user_id)
    if guest is None or (mine is not None and guest.id == mine.id):
        return mine or create_cart(user_id)
    if mine is None:
        guest.user_id = user_id
        db.session.flush()
        return guest
    for line in guest.lines:
        if line.kind == LineKind.BUNDLE:
            same = next(
                (
                    ln
                    for ln in mine.lines
                    if ln.kind == LineKind.BUNDLE
                    and (ln.bundle_id, ln.session_id) == (line.bundle_id, line.session_id)
                ),
                None,
            )
            if same is None:
                mine.lines.append(
                    CartLine(
                        kind=LineKind.BUNDLE,
                        bundle_id=line.bundle_id,
                        session_id=line.session_id,
                        quantity=min(line.quantity, max_quantity),
                        price_seen_vnd=line.price_seen_vnd,
                    )
                )
            else:
                same.quantity = min(same.quantity + line.quantity, max_quantity)
            continue
        if line.kind == LineKind.SEATS:
            # A booking moves whole: the guest cart's party for a session replaces the
            # account's (the most recent choice wins), never adds up with it.
            for old in [
                ln
                for ln in mine.lines
                if ln.kind == LineKind.SEATS and ln.session_id == line.session_id
            ]:
                mine.lines.remove(old)
            continue
        existing = _line(mine, line.product_id)
        if existing is None:
            mine.lines.append(
                CartLine(
                    product_id=line.product_id,
                    quantity=min(line.quantity, max_quantity),
                    price_seen_vnd=line.price_seen_vnd,
                )
            )
        else:
            existing.quantity = min(existing.quantity + line.quantity, max_quantity)
    db.session.flush()  # the account's replaced seats leave before the guest's arrive
    for line in guest.lines:
        if line.kind == LineKind.SEATS:
            mine.lines.append(
                CartLine(
                    kind=LineKind.SEATS,
                    session_id=line.session_id,
                    unit_type_id=line.unit_type_id,
                    quantity=line.quantity,
                    price_seen_vnd=line.price_seen_vnd,
                )
            )
    if guest.adult_confirmed_at and not mine.adult_confirmed_at:
        mine.adult_confirmed_at = guest.adult_confirmed_at
    db.session.delete(guest)
    db.session.flush()
    return mine


# --- the cart as shown -------------------------------------------------------------------


@dataclass
class LineView:
    line: CartLine
    product: Product
    unit_price_vnd: int
    line_total_vnd: int
    problems: list[str] = field(default_factory=list)
    price_changed_from: int | None = None
    ships_from: date | None = None
    availability: Availability | None = None
    available: int = 0  # stock a shopper can get now, lapsed holds included

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ProducerGroup:
    producer: Producer
    lines: list[LineView]

    @property
    def subtotal_vnd(self) -> int:
        return sum(v.line_total_vnd for v in self.lines)

    @property
    def ships_from(self) -> date | None:
        dates = [v.ships_from for v in self.lines if v.ships_from]
        return max(dates) if dates else None


@dataclass
class SeatLineView:
    """Seats of one unit type in a cart booking, priced now (group tiers included)."""

    line: CartLine
    unit_type: UnitType
    unit_price_vnd: int

    @property
    def line_total_vnd(self) -> int:
        return self.unit_price_vnd * self.line.quantity

    @property
    def price_changed_from(self) -> int | None:
        seen = self.line.price_seen_vnd
        return seen if seen != self.unit_price_vnd else None


@dataclass
class BookingView:
    """One session's seats in the cart: the party by unit type, its price and its problems."""

    session: ExperienceSession
    experience: Experience
    units: list[SeatLineView]
    status: AvailabilityStatus
    free: int  # seats a shopper can get now, lapsed holds included
    problems: list[str] = field(default_factory=list)

    @property
    def seats(self) -> int:
        return sum(u.unit_type.seats * u.line.quantity for u in self.units)

    @property
    def total_vnd(self) -> int:
        return sum(u.line_total_vnd for u in self.units)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class BundlePartView:
    """One component of a bundle in the cart: its quantity for the line and its share of the
    line's price (at today's list prices)."""

    component: BundleComponent
    quantity: int
    total_vnd: int

    @property
    def vat_rate(self) -> int:
        target = self.component.product or self.component.unit_type
        return target.vat_rate


@dataclass
class BundleView:
    """A bundle in the cart (a package on its session): its parts, what can be bought now and
    its problems."""

    line: CartLine
    bundle: Bundle
    session: ExperienceSession | None
    parts: list[BundlePartView]
    availability: BundleAvailability
    problems: list[str] = field(default_factory=list)

    @property
    def experience(self) -> Experience | None:
        return self.bundle.experience

    @property
    def seats(self) -> int:
        return self.bundle.seats_per_bundle * self.line.quantity

    @property
    def unit_price_vnd(self) -> int:
        """One bundle's price at the line's quantity (a gift set's volume tier)."""
        return tier_price(self.bundle, self.line.quantity)

    @property
    def total_vnd(self) -> int:
        return self.unit_price_vnd * self.line.quantity

    @property
    def price_changed_from(self) -> int | None:
        seen = self.line.price_seen_vnd
        return seen if seen != self.unit_price_vnd else None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CartView:
    cart: Cart | None
    groups: list[ProducerGroup]
    bookings: list[BookingView] = field(default_factory=list)
    bundles: list[BundleView] = field(default_factory=list)

    @property
    def lines(self) -> list[LineView]:
        """The goods lines (bookings are in ``bookings``, bundles in ``bundles``)."""
        return [v for g in self.groups for v in g.lines]

    @property
    def packages(self) -> list[BundleView]:
        return [b for b in self.bundles if b.session is not None]

    @property
    def has_bookings(self) -> bool:
        """Whether the order will hold bookings (a lead guest is asked for)."""
        return bool(self.bookings or self.packages)

    @property
    def is_empty(self) -> bool:
        return not self.lines and not self.bookings and not self.bundles

    @property
    def delivers(self) -> bool:
        """Whether checkout needs a delivery address (there are goods to deliver; a package's
        goods collected during the visit are not)."""
        return bool(self.lines) or any(b.bundle.delivers_goods for b in self.bundles)

    @property
    def count(self) -> int:
        return (
            sum(v.line.quantity for v in self.lines)
            + sum(u.line.quantity for b in self.bookings for u in b.units)
            + sum(b.line.quantity for b in self.bundles)
        )

    @property
    def subtotal_vnd(self) -> int:
        return (
            sum(v.line_total_vnd for v in self.lines)
            + sum(b.total_vnd for b in self.bookings)
            + sum(b.total_vnd for b in self.bundles)
        )

    @property
    def vat_by_rate(self) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for v in self.lines:
            totals[v.product.vat_rate] += v.line_total_vnd
        for booking in self.bookings:
            for unit in booking.units:
                totals[unit.unit_type.vat_rate] += unit.line_total_vnd
        for bundle in self.bundles:
            for part in bundle.parts:
                totals[part.vat_rate] += part.total_vnd
        return {rate: vat_included(amount, rate) for rate, amount in sorted(totals.items()) if rate}

    @property
    def has_problems(self) -> bool:
        return (
            any(not v.ok for v in self.lines)
            or any(not b.ok for b in self.bookings)
            or any(not b.ok for b in self.bundles)
        )

    @property
    def overnight_bookings(self) -> list[BookingView | BundleView]:
        return [b for b in self.bookings if b.experience.overnight] + [
            b for b in self.packages if b.experience.overnight
        ]

    @property
    def mixes_preorders(self) -> bool:
        return len({v.ships_from for v in self.lines}) > 1

    @property
    def needs_adult_confirmation(self) -> bool:
        return any(v.product.adult_only for v in self.lines) or any(
            c.product.adult_only for b in self.bundles for c in b.bundle.goods
        )

    def delivery_vnd(self, standard_fee_vnd: int, chilled_fee_vnd: int) -> int:
        """The delivery fees checkout will charge: one parcel per producer with goods to
        deliver (chilled when any of them is not ambient)."""
        chilled: dict[int, bool] = {}
        for v in self.lines:
            chilled[v.product.producer_id] = chilled.get(v.product.producer_id, False) or (
                v.product.shipping_class != "ambient"
            )
        for b in self.bundles:
            if not b.bundle.delivers_goods:
                continue
            for c in b.bundle.goods:
                producer_id = c.product.producer_id
                chilled[producer_id] = chilled.get(producer_id, False) or (
                    c.product.shipping_class != "ambient"
                )
        return sum(chilled_fee_vnd if cold else standard_fee_vnd for cold in chilled.values())


PROBLEM_UNAVAILABLE = "unavailable"
PROBLEM_STOCK = "stock"


def view_cart(cart: Cart | None, *, today: date, now: datetime | None = None) -> CartView:
    """Every line priced from the database now, with what changed since it was added. Reads
    only: stock that lapsed unpaid orders hold counts as available."""
    if cart is None:
        return CartView(cart=None, groups=[])
    now = now or utcnow()
    lines = db.session.scalars(
        select(CartLine)
        .where(CartLine.cart_id == cart.id, CartLine.kind == LineKind.PRODUCT)
        .options(
            selectinload(CartLine.product).selectinload(Product.producer),
            selectinload(CartLine.product).selectinload(Product.images),
        )
        .order_by(CartLine.id)
    ).all()
    short = [line.product_id for line in lines if line.quantity > line.product.stock]
    lapsed = lapsed_stock(short, now)
    groups: dict[int, ProducerGroup] = {}
    for line in lines:
        product = line.product
        view = LineView(
            line=line,
            product=product,
            unit_price_vnd=product.price_vnd,
            line_total_vnd=product.price_vnd * line.quantity,
            ships_from=product.preorder_ships_from if product.preorder else None,
        )
        view.available = product.stock + lapsed.get(product.id, 0)
        view.availability = availability(product, today, view.available)
        if not view.availability.listed:
            view.problems.append(PROBLEM_UNAVAILABLE)
        elif line.quantity > view.available:
            view.problems.append(PROBLEM_STOCK)
        if product.price_vnd != line.price_seen_vnd:
            view.price_changed_from = line.price_seen_vnd
        group = groups.setdefault(product.producer_id, ProducerGroup(product.producer, []))
        group.lines.append(view)
    return CartView(
        cart=cart,
        groups=list(groups.values()),
        bookings=_bookings(cart, now),
        bundles=_bundles(cart, today, now),
    )


def _bundles(cart: Cart, today: date, now: datetime) -> list[BundleView]:
    """The cart's bundle lines, priced now, each with its parts' shares; a bundle or session
    that cannot be bought any more, or fewer left than the line wants, is a problem."""
    lines = db.session.scalars(
        select(CartLine)
        .where(CartLine.cart_id == cart.id, CartLine.kind == LineKind.BUNDLE)
        .order_by(CartLine.id)
    ).all()
    views = []
    for line in lines:
        bundle = load_bundle(line.bundle_id)
        session = load_session(line.session_id) if line.session_id is not None else None
        shares: dict[int, int] = defaultdict(int)
        for component, part in price_bundle(bundle, line.quantity):
            shares[component.id] += part.line_total_vnd
        parts = [
            BundlePartView(c, c.quantity * line.quantity, shares[c.id] * line.quantity)
            for c in bundle.components
        ]
        answer = bundle_availability(bundle, today=today, now=now, session=session)
        problems = []
        if answer.count == 0 and answer.reason not in ("sold_out", "seats"):
            problems.append(PROBLEM_UNAVAILABLE)
        elif line.quantity > answer.count:
            problems.append(PROBLEM_STOCK)
        views.append(BundleView(line, bundle, session, parts, answer, problems))
    return views


PROBLEM_SEATS = "seats"
PROBLEM_PARTY = "party"


def _bookings(cart: Cart, now: datetime) -> list[BookingView]:
    """The cart's seats lines as one booking per session, priced now; a session that cannot
    be booked any more, too few free seats or a party the rules refuse is a problem."""
    seat_lines = db.session.scalars(
        select(CartLine)
        .where(CartLine.cart_id == cart.id, CartLine.kind == LineKind.SEATS)
        .options(
            selectinload(CartLine.session)
            .selectinload(ExperienceSession.experience)
            .selectinload(Experience.unit_types)
            .selectinload(UnitType.tiers),
            selectinload(CartLine.session)
            .selectinload(ExperienceSession.experience)
            .selectinload(Experience.producer),
        )
        .order_by(CartLine.id)
    ).all()
    by_session: dict[int, list[CartLine]] = defaultdict(list)
    for line in seat_lines:
        by_session[line.session_id].append(line)
    lapsed = lapsed_seats(list(by_session), now)
    views = []
    for session_id, group in by_session.items():
        session = group[0].session
        experience = session.experience
        quantities = {line.unit_type_id: line.quantity for line in group}
        problems = []
        try:
            check_bookable(session, now)
            priced = {u.unit_type.id: u.unit_price_vnd for u in price_units(experience, quantities)}
        except (SessionUnavailable, InvalidQuantity) as error:
            problems.append(
                PROBLEM_PARTY if isinstance(error, InvalidQuantity) else PROBLEM_UNAVAILABLE
            )
            priced = {}
        units = [
            SeatLineView(
                line=line,
                unit_type=line.unit_type,
                unit_price_vnd=priced.get(line.unit_type_id, line.unit_type.price_vnd),
            )
            for line in sorted(group, key=lambda ln: ln.unit_type.position)
        ]
        view = BookingView(
            session=session,
            experience=experience,
            units=units,
            status=session_availability(session, now, experience),
            free=session.seats_left + lapsed.get(session_id, 0),
            problems=problems,
        )
        if not problems and view.seats > view.free:
            view.problems.append(PROBLEM_SEATS)
        views.append(view)
    views.sort(key=lambda v: (v.session.starts_at, v.session.id))
    return views


def acknowledge_prices(cart: Cart, now: datetime | None = None) -> None:
    """The shopper has seen the current prices: stop flagging them as changed."""
    for line in cart.lines:
        if line.kind == LineKind.PRODUCT:
            line.price_seen_vnd = line.product.price_vnd
    for booking in _bookings(cart, now or utcnow()):
        for unit in booking.units:
            unit.line.price_seen_vnd = unit.unit_price_vnd
    for line in cart.lines:
        if line.kind == LineKind.BUNDLE:
            line.price_seen_vnd = tier_price(line.bundle, line.quantity)
    db.session.flush()


def consume_cart(cart_id: int, lines: dict[int, int]) -> None:
    """Take the lines checkout is ordering (``{line_id: quantity}``) out of the cart, in the
    order's transaction. Raises ``CartChanged`` when any of them is gone or changed — another
    submission took them first — so one cart submission places at most one order."""
    result = db.session.execute(
        delete(CartLine)
        .where(CartLine.cart_id == cart_id, CartLine.id.in_(list(lines)))
        .returning(CartLine.id, CartLine.quantity)
    ).all()
    if dict(result) != lines:
        raise CartChanged("the cart changed while checking out")
