"""Placing orders, reserving and releasing stock, payment outcomes and fulfilment.

DESIGN §5: one transaction re-prices every line from the database, checks each limit, and
reserves stock with conditional updates in product-id order; a reservation is released exactly
once, by whichever compare-and-set moves the order out of ``awaiting_payment`` first.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import selectinload

from shop.addresses.services import Address
from shop.addresses.services import resolve as resolve_address
from shop.bundles.allocation import price_parts
from shop.bundles.giftsets import tier_price
from shop.bundles.models import Bundle
from shop.bundles.services import load_bundle, price_bundle
from shop.catalog.models import Producer, Product, ShippingClass
from shop.catalog.services import check_purchasable
from shop.catalog.signals import lapsed_stock_asked
from shop.db import utcnow
from shop.errors import (
    AgeConfirmationRequired,
    BundleUnavailable,
    DeliveryNotPossible,
    InvalidAddress,
    InvalidQuantity,
    InvalidTransition,
    OutOfStock,
    PaymentMismatch,
    ProductUnavailable,
    RefundNotAllowed,
    SessionUnavailable,
    TooEarlyToShip,
)
from shop.extensions import db
from shop.lines import LineKind
from shop.money import vat_included
from shop.orders.emails import queue_order_email
from shop.orders.models import (
    DeliveryMethod,
    EventKind,
    EventVisibility,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    ProducerOrder,
    ProducerOrderStatus,
)
from shop.orders.signals import (
    order_paid,
    order_released,
    producer_order_delivered,
    refund_applied,
)
from shop.orders.state import transition_order, transition_producer_order
from shop.tourism.models import Booking, BookingStatus, Experience
from shop.tourism.services import (
    adjust_seats,
    check_bookable,
    complete_past_bookings,
    confirm_bookings,
    end_held_bookings,
    load_session,
    order_bookings,
    price_units,
    session_cutoff,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineRequest:
    """One line the shopper asks for (from a cart, later from a quote or an agency): a
    quantity of a product, (``kind=SEATS``) seats of one unit type on a session, or
    (``kind=BUNDLE``) a quantity of a bundle — for a package, on one of its sessions."""

    product_id: int | None
    quantity: int
    kind: LineKind = LineKind.PRODUCT
    session_id: int | None = None
    unit_type_id: int | None = None
    bundle_id: int | None = None
    # A bundle priced at the volume tier of this many boxes rather than the line's own
    # quantity (a gift batch prices each recipient's boxes at the tier of the whole batch).
    tier_quantity: int | None = None
    # A bundle line's price locked by a quote: all ``quantity`` bundles together, shared over
    # the parts at today's list prices instead of the bundle's tier price.
    price_vnd: int | None = None

    @classmethod
    def seats(cls, session_id: int, unit_type_id: int, quantity: int) -> LineRequest:
        return cls(None, quantity, LineKind.SEATS, session_id, unit_type_id)

    @classmethod
    def bundle(
        cls,
        bundle_id: int,
        quantity: int,
        session_id: int | None = None,
        *,
        tier_quantity: int | None = None,
        price_vnd: int | None = None,
    ) -> LineRequest:
        return cls(
            None, quantity, LineKind.BUNDLE, session_id, None, bundle_id, tier_quantity, price_vnd
        )


@dataclass(frozen=True)
class Contact:
    """Who orders, and where the goods go. An order of experiences only has no address:
    ``province``, ``commune`` and ``street`` are None and the codes 0."""

    email: str
    phone: str
    recipient_name: str
    province: str | None
    commune: str | None
    street: str | None
    province_code: int
    commune_code: int
    locale: str = "vi"
    note: str | None = None


@dataclass(frozen=True)
class Guests:
    """The lead guest of every booking in the order, and for overnight stays the foreign
    guests' identity for the police declaration (``shop.tourism.models.Guest`` fields), given
    with consent at ``consent_at``."""

    lead_name: str
    lead_phone: str
    foreign: tuple[dict, ...] = ()
    consent_at: datetime | None = None


@dataclass(frozen=True)
class OrderRules:
    """The limits and fees checkout applies (from configuration)."""

    standard_fee_vnd: int
    chilled_fee_vnd: int
    payment_ttl: timedelta
    max_line_quantity: int = 50


@dataclass(frozen=True)
class PlannedLine:
    """A checked, re-priced line as it will be written (name and unit in the order's language)."""

    kind: LineKind
    product_id: int | None
    name: str
    unit_label: str
    unit_price_vnd: int
    quantity: int
    vat_rate: int
    session_id: int | None = None
    unit_type_id: int | None = None
    # A part of a bundle: its bundle and its group (the n-th bundle line of the order).
    bundle_id: int | None = None
    bundle_group: int | None = None

    @property
    def line_total_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity

    @property
    def vat_vnd(self) -> int:
        return vat_included(self.line_total_vnd, self.vat_rate)


@dataclass(frozen=True)
class PlannedBooking:
    """Seats on one session: its lines (one per unit type), the seats they take from the pool,
    and the cancellation rules and cut-off in force now (copied onto the booking)."""

    session_id: int
    experience_id: int
    seats: int
    cancellation_rules: list
    cutoff_at: datetime
    overnight: bool
    lines: tuple[PlannedLine, ...]


@dataclass(frozen=True)
class PlannedBundle:
    """A bundle line planned into its parts: goods lines (with their products) and, for a
    package, one booking on the chosen session; their prices are the bundle's allocated."""

    bundle_id: int
    group: int
    quantity: int
    price_vnd: int  # one bundle's price
    delivers_goods: bool
    adult_only: bool
    goods: tuple[tuple[Product, PlannedLine], ...]
    booking: PlannedBooking | None = None
    booking_producer_id: int | None = None


@dataclass(frozen=True)
class PlannedParcel:
    """One producer's part: its goods lines with their delivery method, fee and pre-order
    date, and its bookings (a part with bookings only delivers nothing)."""

    producer_id: int
    delivery_method: DeliveryMethod
    delivery_vnd: int
    ships_from: date | None
    lines: tuple[PlannedLine, ...]
    bookings: tuple[PlannedBooking, ...] = ()

    @property
    def all_lines(self) -> list[PlannedLine]:
        return [*self.lines, *(line for booking in self.bookings for line in booking.lines)]

    @property
    def subtotal_vnd(self) -> int:
        return sum(line.line_total_vnd for line in self.all_lines)


@dataclass(frozen=True)
class OrderPlan:
    """Everything an order will be, computed and checked but not yet written (a quote can be
    a saved plan). ``place_order`` writes it."""

    contact: Contact
    # The contact's province and commune, checked against the address list (None: nothing to
    # deliver).
    address: Address | None
    payment_method: PaymentMethod
    payment_ttl: timedelta
    parcels: tuple[PlannedParcel, ...]
    guests: Guests | None = None

    @property
    def lines(self) -> list[PlannedLine]:
        return [line for parcel in self.parcels for line in parcel.all_lines]

    @property
    def bookings(self) -> list[PlannedBooking]:
        return [booking for parcel in self.parcels for booking in parcel.bookings]

    @property
    def seats_wanted(self) -> dict[int, int]:
        """Seats of each session to reserve."""
        wanted: dict[int, int] = defaultdict(int)
        for booking in self.bookings:
            wanted[booking.session_id] += booking.seats
        return dict(wanted)

    @property
    def subtotal_vnd(self) -> int:
        return sum(parcel.subtotal_vnd for parcel in self.parcels)

    @property
    def delivery_vnd(self) -> int:
        return sum(parcel.delivery_vnd for parcel in self.parcels)

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.delivery_vnd

    @property
    def vat_vnd(self) -> int:
        return sum(line.vat_vnd for line in self.lines)

    @property
    def stock_wanted(self) -> dict[int, int]:
        """Units of each product to reserve."""
        wanted: dict[int, int] = defaultdict(int)
        for line in self.lines:
            if line.kind == LineKind.PRODUCT:
                wanted[line.product_id] += line.quantity
        return dict(wanted)


def delivery_method_for(products: list[Product]) -> DeliveryMethod:
    if any(p.shipping_class != ShippingClass.AMBIENT for p in products):
        return DeliveryMethod.CHILLED_EXPRESS
    return DeliveryMethod.STANDARD


def _merge(lines: list[LineRequest], max_quantity: int) -> dict[int, int]:
    """Goods quantities per product (seats lines are checked by ``_merge_seats``, bundle
    lines by ``plan_bundle``)."""
    merged: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.kind not in (LineKind.PRODUCT, LineKind.SEATS, LineKind.BUNDLE):
            raise ProductUnavailable(f"{line.kind} lines cannot be ordered")
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int):
            raise InvalidQuantity("quantity must be a whole number of at least 1")
        if line.quantity < 1:
            raise InvalidQuantity("quantity must be a whole number of at least 1")
        if line.kind == LineKind.PRODUCT:
            merged[line.product_id] += line.quantity
        if line.kind == LineKind.BUNDLE and line.quantity > max_quantity:
            raise InvalidQuantity(
                f"at most {max_quantity} of one bundle per order", limit=max_quantity
            )
    for quantity in merged.values():
        if quantity > max_quantity:
            raise InvalidQuantity(
                f"at most {max_quantity} of one product per order", limit=max_quantity
            )
    if not merged and not any(line.kind != LineKind.PRODUCT for line in lines):
        raise InvalidQuantity("the order has no lines")
    return dict(merged)


def _merge_seats(lines: list[LineRequest]) -> dict[int, dict[int, int]]:
    """Seats lines as ``{session_id: {unit_type_id: quantity}}``."""
    parties: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        if line.kind == LineKind.SEATS:
            if line.session_id is None or line.unit_type_id is None:
                raise SessionUnavailable("a seats line needs a session", reason="unknown")
            parties[line.session_id][line.unit_type_id] += line.quantity
    return {session_id: dict(party) for session_id, party in parties.items()}


def plan_bookings(
    parties: dict[int, dict[int, int]], *, english: bool, now: datetime
) -> dict[int, list[PlannedBooking]]:
    """Check and price each session's party (bookable now, unit types within their
    per-booking ranges, group tiers) → planned bookings by operator. Writes nothing; whether
    the seats are free is decided when they are taken."""
    by_producer: dict[int, list[PlannedBooking]] = defaultdict(list)
    for session_id in sorted(parties):
        session = load_session(session_id)
        check_bookable(session, now)
        experience: Experience = session.experience
        priced = price_units(experience, parties[session_id])
        name = (experience.name_en or experience.name_vi) if english else experience.name_vi
        lines = tuple(
            PlannedLine(
                kind=LineKind.SEATS,
                product_id=None,
                name=name,
                unit_label=(unit.unit_type.name_en or unit.unit_type.name_vi)
                if english
                else unit.unit_type.name_vi,
                unit_price_vnd=unit.unit_price_vnd,
                quantity=unit.quantity,
                vat_rate=unit.unit_type.vat_rate,
                session_id=session_id,
                unit_type_id=unit.unit_type.id,
            )
            for unit in priced
        )
        by_producer[experience.producer_id].append(
            PlannedBooking(
                session_id=session_id,
                experience_id=experience.id,
                seats=sum(unit.seats for unit in priced),
                cancellation_rules=list(experience.cancellation_rules or []),
                cutoff_at=session_cutoff(session, experience),
                overnight=experience.overnight,
                lines=lines,
            )
        )
    return by_producer


def _load_products(product_ids: list[int]) -> list[Product]:
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(product_ids))
        .options(selectinload(Product.producer))
        .order_by(Product.id)
    ).all()
    return list(products)


def _adjust_stock(*, released: dict[int, int], wanted: dict[int, int]) -> None:
    """Give back ``released`` and take ``wanted``: one update per product, in product-id order
    (every writer locks products in that order, so two of them never deadlock). Taking is
    conditional on enough stock; ``OutOfStock`` otherwise."""
    for product_id in sorted(set(released) | set(wanted)):
        back, take = released.get(product_id, 0), wanted.get(product_id, 0)
        stmt = update(Product).where(Product.id == product_id)
        if take:
            stmt = stmt.where(Product.stock + back >= take)
        result = db.session.execute(
            stmt.values(stock=Product.stock + back - take).execution_options(
                synchronize_session=False
            )
        )
        if take and result.rowcount != 1:
            raise OutOfStock("not enough stock left", product_id=product_id, wanted=take)


def _held(order: Order) -> dict[int, int]:
    """The stock an order holds, per product."""
    quantities: dict[int, int] = defaultdict(int)
    for line in order.lines:
        if line.kind == LineKind.PRODUCT:
            quantities[line.product_id] += line.quantity - line.refunded_quantity
    return dict(quantities)


def reserve_stock(wanted: dict[int, int], now: datetime) -> None:
    """Take ``wanted`` units of each product outside any order (a quote's reservation): lapsed
    holds on them are released first, then every product is taken with a conditional update
    in product-id order; ``OutOfStock`` when one falls short (the caller rolls back)."""
    released, _seats = _expire_lapsed_holds(list(wanted), now, session_ids=[])
    _adjust_stock(released=released, wanted=wanted)


def return_stock(released: dict[int, int]) -> None:
    """Give back units taken by ``reserve_stock``."""
    _adjust_stock(released=released, wanted={})


def release_stock(order: Order) -> None:
    """Give back what an order reserved. Callers guarantee it runs once (after a CAS)."""
    _adjust_stock(released=_held(order), wanted={})


def _product_line(product: Product, english: bool, **values) -> PlannedLine:
    return PlannedLine(
        kind=LineKind.PRODUCT,
        product_id=product.id,
        name=(product.name_en or product.name_vi) if english else product.name_vi,
        unit_label=(product.unit_en or product.unit_vi) if english else product.unit_vi,
        vat_rate=product.vat_rate,
        **values,
    )


def plan_bundle(
    request: LineRequest, group: int, *, english: bool, today: date, now: datetime
) -> PlannedBundle:
    """Check a bundle line and plan it into its parts: the bundle on sale, each product
    purchasable today, for a package its session of the package's experience bookable now;
    the bundle's price split over the parts (``shop.bundles.allocation``) × the quantity.
    Whether the stock and seats are free is decided when they are taken, with the rest of the
    order."""
    bundle: Bundle | None = load_bundle(request.bundle_id) if request.bundle_id else None
    if bundle is None:
        raise BundleUnavailable("that bundle does not exist", reason="unknown")
    if not bundle.active:
        raise BundleUnavailable("this bundle is not on sale", reason="paused", bundle_id=bundle.id)
    n = request.quantity
    tier_n = max(n, request.tier_quantity or 0)
    session = None
    experience = bundle.experience
    if bundle.is_package:
        session = load_session(request.session_id) if request.session_id else None
        if session is None or experience is None or session.experience_id != experience.id:
            raise BundleUnavailable(
                "choose one of the package's dates", reason="session", bundle_id=bundle.id
            )
        check_bookable(session, now)
    elif request.session_id is not None:
        raise BundleUnavailable("a gift set has no date", reason="session", bundle_id=bundle.id)
    for component in bundle.goods:
        check_purchasable(component.product, today)
    grouping = {"bundle_id": bundle.id, "bundle_group": group}
    goods, seats = [], []
    if request.price_vnd is not None:  # a quote's price for the whole line
        components = bundle.components
        priced = [
            (components[part.component], part)
            for part in price_parts(
                request.price_vnd, [(c.list_price_vnd, c.quantity * n) for c in components]
            )
        ]
        times = 1
    else:
        priced, times = price_bundle(bundle, tier_n), n
    for component, part in priced:
        if component.product_id is not None:
            product = component.product
            line = _product_line(
                product,
                english,
                unit_price_vnd=part.unit_price_vnd,
                quantity=part.quantity * times,
                **grouping,
            )
            goods.append((product, line))
            continue
        unit = component.unit_type
        seats.append(
            PlannedLine(
                kind=LineKind.SEATS,
                product_id=None,
                name=(experience.name_en or experience.name_vi) if english else experience.name_vi,
                unit_label=(unit.name_en or unit.name_vi) if english else unit.name_vi,
                unit_price_vnd=part.unit_price_vnd,
                quantity=part.quantity * times,
                vat_rate=unit.vat_rate,
                session_id=session.id,
                unit_type_id=unit.id,
                **grouping,
            )
        )
    booking = None
    if session is not None:
        booking = PlannedBooking(
            session_id=session.id,
            experience_id=experience.id,
            seats=bundle.seats_per_bundle * n,
            cancellation_rules=list(experience.cancellation_rules or []),
            cutoff_at=session_cutoff(session, experience),
            overnight=experience.overnight,
            lines=tuple(seats),
        )
    return PlannedBundle(
        bundle_id=bundle.id,
        group=group,
        quantity=n,
        price_vnd=(
            tier_price(bundle, tier_n) if request.price_vnd is None else request.price_vnd // n
        ),
        delivers_goods=bundle.delivers_goods,
        adult_only=any(c.product.adult_only for c in bundle.goods),
        goods=tuple(goods),
        booking=booking,
        booking_producer_id=experience.producer_id if booking else None,
    )


def plan_order(
    lines: list[LineRequest],
    contact: Contact,
    *,
    payment_method: PaymentMethod,
    rules: OrderRules,
    today: date,
    adult_confirmed: bool = False,
    now: datetime | None = None,
    guests: Guests | None = None,
) -> OrderPlan:
    """Re-price every line from the database, check sale, season, age, delivery address,
    sessions and parties, and group the lines by producer with their fees. Writes nothing.

    A bundle line becomes its parts (goods lines and, for a package, a booking) at the
    bundle's allocated prices, grouped under its bundle and group number. An order needs an
    address when it has goods to deliver; experiences and a package's goods collected during
    the visit need none."""
    now = now or utcnow()
    quantities = _merge(lines, rules.max_line_quantity)
    parties = _merge_seats(lines)
    english = contact.locale != "vi"
    bundles = [
        plan_bundle(line, group, english=english, today=today, now=now)
        for group, line in enumerate((ln for ln in lines if ln.kind == LineKind.BUNDLE), start=1)
    ]
    delivers = bool(quantities) or any(b.delivers_goods and b.goods for b in bundles)
    address = None
    if delivers:
        address = resolve_address(contact.province_code, contact.commune_code)
        if address is None:
            raise InvalidAddress(
                "the commune or ward is not one of the province's",
                province_code=contact.province_code,
                commune_code=contact.commune_code,
            )
    bookings = plan_bookings(parties, english=english, now=now)
    for planned in bundles:
        if planned.booking is not None:
            bookings.setdefault(planned.booking_producer_id, []).append(planned.booking)
    if bookings and guests is None:
        guests = Guests(lead_name=contact.recipient_name, lead_phone=contact.phone)
    products = _load_products(list(quantities))
    by_id = {p.id: p for p in products}
    for product_id in quantities:
        check_purchasable(by_id.get(product_id), today)
    if (
        any(p.adult_only for p in products) or any(b.adult_only for b in bundles)
    ) and not adult_confirmed:
        raise AgeConfirmationRequired("confirm you are 18 or over to buy alcohol")

    # Each producer's goods lines, and the products among them that are delivered.
    goods: dict[int, list[PlannedLine]] = defaultdict(list)
    delivered: dict[int, list[Product]] = defaultdict(list)
    for product in products:
        goods[product.producer_id].append(
            _product_line(
                product, english, unit_price_vnd=product.price_vnd, quantity=quantities[product.id]
            )
        )
        delivered[product.producer_id].append(product)
    for planned in bundles:
        for product, line in planned.goods:
            goods[product.producer_id].append(line)
            if planned.delivers_goods:
                delivered[product.producer_id].append(product)
    parcels = []
    for producer_id in sorted(set(goods) | set(bookings)):
        group = delivered.get(producer_id, [])
        if not group:  # bookings, or goods collected during the visit: nothing to deliver
            parcels.append(
                PlannedParcel(
                    producer_id=producer_id,
                    delivery_method=DeliveryMethod.PICKUP
                    if goods.get(producer_id)
                    else DeliveryMethod.NONE,
                    delivery_vnd=0,
                    ships_from=None,
                    lines=tuple(goods.get(producer_id, ())),
                    bookings=tuple(bookings.get(producer_id, ())),
                )
            )
            continue
        method = delivery_method_for(group)
        producer: Producer = group[0].producer
        if method is DeliveryMethod.CHILLED_EXPRESS and not producer.delivers_fresh_to(
            contact.province_code
        ):
            raise DeliveryNotPossible(
                f"{producer.name} cannot deliver fresh goods to {contact.province}",
                producer_id=producer_id,
            )
        ships = [p.preorder_ships_from for p in group if p.preorder and p.preorder_ships_from]
        parcels.append(
            PlannedParcel(
                producer_id=producer_id,
                delivery_method=method,
                delivery_vnd=(
                    rules.chilled_fee_vnd
                    if method is DeliveryMethod.CHILLED_EXPRESS
                    else rules.standard_fee_vnd
                ),
                ships_from=max(ships) if ships else None,
                lines=tuple(goods[producer_id]),
                bookings=tuple(bookings.get(producer_id, ())),
            )
        )
    # Whether the payment method may take this order (cash-on-delivery ceiling, pre-orders) is
    # the payment provider's rule: the checkout asks it before committing the placed order.
    return OrderPlan(
        contact=contact,
        address=address,
        payment_method=payment_method,
        payment_ttl=rules.payment_ttl,
        parcels=tuple(parcels),
        guests=guests if bookings else None,
    )


def place_order(
    plan: OrderPlan,
    *,
    now: datetime,
    user_id: int | None = None,
    checkout_token: str | None = None,
    batch_id: int | None = None,
    notify: bool = True,
) -> Order:
    """Write a plan: release lapsed holds on its products and reserve its stock (one pass in
    product-id order), then create the order with its producer orders, lines and first event.

    ``checkout_token`` is unique among orders: a second order with the same token fails with an
    ``IntegrityError`` (the caller then finds the first one with ``find_order_by_checkout_token``).
    ``batch_id``: a child order of a gift batch; its buyer follows the batch's page, so no
    e-mail goes out per child order. ``notify=False``: no "order received" e-mail either (a
    partner's hold through the API: its guest hears from the shop once the partner confirms).
    """
    wanted, seats = plan.stock_wanted, plan.seats_wanted
    released, seats_back = _expire_lapsed_holds(list(wanted), now, session_ids=list(seats))
    _adjust_stock(released=released, wanted=wanted)
    adjust_seats(released=seats_back, wanted=seats)

    contact, address = plan.contact, plan.address
    # Cash on delivery is accepted at once; online providers leave the order awaiting payment.
    # (Imported here: payments builds on orders, not the other way round.)
    from shop.payments.providers import get_provider

    provider = get_provider(plan.payment_method)
    online = provider.collects_online
    order = Order(
        reference=f"TMP-{secrets.token_hex(6)}",
        user_id=user_id,
        email=contact.email,
        phone=contact.phone,
        locale=contact.locale,
        recipient_name=contact.recipient_name,
        province=address.province.name if address else None,
        commune=address.commune.name if address else None,
        province_code=address.province.code if address else None,
        commune_code=address.commune.code if address else None,
        street=contact.street if address else None,
        note=contact.note,
        subtotal_vnd=plan.subtotal_vnd,
        delivery_vnd=plan.delivery_vnd,
        total_vnd=plan.total_vnd,
        paid_vnd=0,
        refunded_vnd=0,
        payment_method=plan.payment_method,
        status=OrderStatus.AWAITING_PAYMENT if online else OrderStatus.PLACED,
        access_token=secrets.token_urlsafe(32),
        expires_at=None,
        checkout_token=checkout_token,
        batch_id=batch_id,
    )
    if online:  # the payment deadline is the provider's (days for a bank transfer)
        order.expires_at = provider.due_at(order, now, plan.payment_ttl)
    db.session.add(order)
    for parcel in plan.parcels:
        producer_order = ProducerOrder(
            producer_id=parcel.producer_id,
            status=ProducerOrderStatus.PENDING if online else ProducerOrderStatus.NEW,
            delivery_method=parcel.delivery_method,
            delivery_vnd=parcel.delivery_vnd,
            subtotal_vnd=parcel.subtotal_vnd,
            ships_from=(
                datetime.combine(parcel.ships_from, datetime.min.time(), tzinfo=now.tzinfo)
                if parcel.ships_from
                else None
            ),
        )
        order.producer_orders.append(producer_order)
        for planned in parcel.lines:
            _add_line(order, producer_order, planned)
    db.session.flush()
    for parcel, producer_order in zip(plan.parcels, order.producer_orders, strict=True):
        for planned_booking in parcel.bookings:
            booking = _add_booking(order, producer_order, planned_booking, plan.guests, now)
            for planned in planned_booking.lines:
                _add_line(order, producer_order, planned, booking_id=booking.id)
    db.session.flush()
    order.reference = f"OCM-{now.year}-{order.id:06d}"
    order.events.append(
        OrderEvent(actor="customer", actor_id=user_id, from_status=None, to_status=order.status)
    )
    db.session.flush()
    if batch_id is None and notify:
        queue_order_email(order, "placed")
    log.info("order %s placed: %d đồng by %s", order.reference, plan.total_vnd, plan.payment_method)
    return order


def _add_line(
    order: Order, producer_order: ProducerOrder, planned: PlannedLine, booking_id: int | None = None
) -> OrderLine:
    line = OrderLine(
        kind=planned.kind,
        product_id=planned.product_id,
        session_id=planned.session_id,
        unit_type_id=planned.unit_type_id,
        booking_id=booking_id,
        name=planned.name,
        unit_label=planned.unit_label,
        unit_price_vnd=planned.unit_price_vnd,
        quantity=planned.quantity,
        vat_rate=planned.vat_rate,
        bundle_id=planned.bundle_id,
        bundle_group=planned.bundle_group,
        line_total_vnd=planned.line_total_vnd,
        vat_vnd=planned.vat_vnd,
        refunded_quantity=0,
    )
    with db.session.no_autoflush:  # both collections get the line before it is written
        order.lines.append(line)
        producer_order.lines.append(line)
    return line


def _add_booking(
    order: Order,
    producer_order: ProducerOrder,
    planned: PlannedBooking,
    guests: Guests | None,
    now: datetime,
) -> Booking:
    """A held booking; foreign guests' identity only for an overnight stay."""
    from shop.tourism.models import Guest

    guests = guests or Guests(lead_name=order.recipient_name, lead_phone=order.phone)
    booking = Booking(
        order_id=order.id,
        producer_order_id=producer_order.id,
        session_id=planned.session_id,
        experience_id=planned.experience_id,
        status=BookingStatus.HELD,
        seats=planned.seats,
        locale=order.locale,
        lead_name=guests.lead_name,
        lead_phone=guests.lead_phone,
        cancellation_rules=planned.cancellation_rules,
        cutoff_at=planned.cutoff_at,
    )
    if planned.overnight and guests.foreign:
        for guest in guests.foreign:
            booking.guests.append(Guest(**guest, consent_at=guests.consent_at or now))
    db.session.add(booking)
    db.session.flush()
    return booking


def find_order_by_checkout_token(token: str) -> Order | None:
    """The order a checkout submission placed, if it placed one."""
    if not token:
        return None
    return db.session.scalar(select(Order).where(Order.checkout_token == token))


@dataclass(frozen=True)
class OrderBundle:
    """A bundle bought in an order: its parts (order lines of its group) under its bundle."""

    group: int
    bundle: Bundle
    lines: tuple[OrderLine, ...]

    @property
    def total_vnd(self) -> int:
        return sum(line.line_total_vnd for line in self.lines)

    @property
    def goods_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.kind == LineKind.PRODUCT]

    @property
    def booking_ids(self) -> set[int]:
        return {line.booking_id for line in self.lines if line.booking_id is not None}


def order_bundles(order: Order) -> list[OrderBundle]:
    """The order's bundles in the order they were bought, each with its lines."""
    groups: dict[int, list[OrderLine]] = defaultdict(list)
    for line in order.lines:
        if line.bundle_group is not None:
            groups[line.bundle_group].append(line)
    if not groups:
        return []
    ids = {lines[0].bundle_id for lines in groups.values()}
    bundles = {b.id: b for b in db.session.scalars(select(Bundle).where(Bundle.id.in_(ids)))}
    return [
        OrderBundle(group, bundles[lines[0].bundle_id], tuple(lines))
        for group, lines in sorted(groups.items())
    ]


def find_order(reference: str) -> Order | None:
    """An order with its lines, parcels (and their producers) and history, for order pages."""
    return db.session.scalar(
        select(Order)
        .where(Order.reference == reference)
        .options(
            selectinload(Order.lines),
            selectinload(Order.producer_orders).selectinload(ProducerOrder.producer),
            selectinload(Order.events),
        )
    )


def _lapse(orders: list[Order], reason: str) -> tuple[int, dict[int, int], dict[int, int]]:
    """Expire each unpaid order (a compare-and-set each, in the given order); returns how many
    expired, the stock they held and the seats their bookings held, to be given back by the
    caller in product-id, then session-id order."""
    count, released, seats = 0, defaultdict(int), defaultdict(int)
    for order in orders:
        try:
            transition_order(order, OrderStatus.EXPIRED, actor="system", reason=reason)
        except InvalidTransition:
            continue  # paid, failed or expired by someone else meanwhile
        _cancel_producer_orders(order, actor="system", reason=reason)
        order_released.send(order, order_id=order.id, actor="system")
        count += 1
        for product_id, quantity in _held(order).items():
            released[product_id] += quantity
        for session_id, n in end_held_bookings(order.id, BookingStatus.EXPIRED).items():
            seats[session_id] += n
    return count, dict(released), dict(seats)


def lock_order(order_id: int) -> Order:
    """Read the order's current row and hold it until the transaction ends.

    ``SELECT … FOR UPDATE`` on PostgreSQL (a concurrent outcome waits, then reads what the
    first one committed); on SQLite the write transaction already excludes other writers.
    Every payment outcome starts here, so it decides on the order's real status, not a stale copy.
    """
    return db.session.scalars(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def expire_order(order: Order, *, reason: str = "payment window closed") -> bool:
    """Expire an unpaid order and release its stock and seats; False if it had already moved
    on."""
    count, released, seats = _lapse([order], reason)
    _adjust_stock(released=released, wanted={})
    adjust_seats(released=seats, wanted={})
    return count == 1


def _due_orders(
    now: datetime,
    limit: int,
    product_ids: list[int] | None = None,
    session_ids: list[int] | None = None,
) -> list[Order]:
    stmt = select(Order).where(Order.status == OrderStatus.AWAITING_PAYMENT, Order.expires_at < now)
    if product_ids is not None or session_ids is not None:
        holding = select(OrderLine.order_id).where(
            OrderLine.product_id.in_(product_ids or [])
            | OrderLine.session_id.in_(session_ids or [])
        )
        stmt = stmt.where(Order.id.in_(holding))
    return list(
        db.session.scalars(
            stmt.order_by(Order.id)
            .limit(limit)
            .options(selectinload(Order.lines), selectinload(Order.producer_orders))
        ).all()
    )


def _expire_lapsed_holds(
    product_ids: list[int], now: datetime, session_ids: list[int] | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Inside a write transaction about to take ``product_ids`` and seats of ``session_ids``:
    expire the unpaid orders whose hold on them has lapsed; returns the stock and the seats
    they give back (not yet written)."""
    if not product_ids and not session_ids:
        return {}, {}
    _count, released, seats = _lapse(
        _due_orders(now, limit=1000, product_ids=product_ids, session_ids=session_ids),
        "payment window closed",
    )
    return released, seats


def expire_due_orders(now: datetime, limit: int = 500) -> int:
    """The `flask orders expire` job: expire every order whose reservation lapsed.

    Safe to run on two machines at once, and beside purchases: each order is expired (and its
    stock released) by whichever compare-and-set wins; the other sees no row to update and
    skips it. Orders are locked in id order, then the stock given back in product-id order —
    the same order every writer uses.
    """
    count, released, seats = _lapse(_due_orders(now, limit), "payment window closed")
    _adjust_stock(released=released, wanted={})
    adjust_seats(released=seats, wanted={})
    return count


@cache
def _lapsed_holds_statement() -> Select:
    """Built once per process (building it cost more than running it on a product page)."""
    return (
        select(OrderLine.product_id, func.sum(OrderLine.quantity - OrderLine.refunded_quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.status == OrderStatus.AWAITING_PAYMENT,
            Order.expires_at < bindparam("now"),
            OrderLine.kind == LineKind.PRODUCT,
            OrderLine.product_id.in_(bindparam("ids", expanding=True)),
        )
        .group_by(OrderLine.product_id)
    )


def lapsed_holds(product_ids: list[int], now: datetime) -> dict[int, int]:
    """Read only: the stock of ``product_ids`` held by unpaid orders whose payment window has
    lapsed. It counts as available; the next write that needs it releases it."""
    if not product_ids:
        return {}
    rows = db.session.execute(_lapsed_holds_statement(), {"now": now, "ids": list(product_ids)})
    return {product_id: int(quantity) for product_id, quantity in rows}


def mark_paid(
    order: Order,
    *,
    amount_vnd: int,
    currency: str,
    actor: str,
    reason: str | None = None,
    payment_method: PaymentMethod | str | None = None,
) -> bool:
    """Money arrived for the order (the caller holds it with ``lock_order``). Marks it paid
    when it is awaiting payment and the amount and currency equal its total. Money that cannot
    be taken — wrong amount, or an order already paid, expired, failed or cancelled — is never
    ignored: the order is flagged for review. Returns whether the order was paid now.

    ``payment_method``: the order was paid another way than it was placed for (a gift batch's
    order, placed to be paid by transfer, paid by card with its batch); it is recorded with the
    status, so the order's page, invoice and refunds follow the way it was really paid."""
    if currency.lower() != "vnd" or amount_vnd != order.total_vnd:
        flag_for_review(
            order,
            f"payment of {amount_vnd} {currency.upper()} does not match the order total "
            f"{order.total_vnd} VND",
        )
        raise PaymentMismatch("paid amount does not match the order", amount=amount_vnd)
    try:
        transition_order(
            order,
            OrderStatus.PAID,
            actor=actor,
            reason=reason,
            paid_vnd=amount_vnd,
            expires_at=None,
            **({"payment_method": PaymentMethod(payment_method)} if payment_method else {}),
        )
    except InvalidTransition:
        # Already paid (a second attempt was paid too), or the stock was released: a person
        # must decide whether to refund or ship.
        flag_for_review(
            order, f"payment of {amount_vnd} VND received while the order was {order.status}"
        )
        return False
    for producer_order in order.producer_orders:
        if producer_order.status == ProducerOrderStatus.PENDING:
            transition_producer_order(producer_order, ProducerOrderStatus.NEW, actor=actor)
    now = utcnow()
    confirm_bookings(order.id, now)
    order_paid.send(order, order_id=order.id, now=now)
    lost = [b for b in order_bookings(order.id) if b.status == BookingStatus.CANCELLED]
    if lost:
        # The operator called a session off while this order waited for payment: the money
        # for those seats must go back; a person checks it.
        flag_for_review(order, f"paid for {len(lost)} booking(s) cancelled before payment")
    if order.batch_id is None:  # a batch's buyer sees its payment on the batch's page
        queue_order_email(order, "paid")
    return True


def payment_attempt_failed(order: Order) -> None:
    """A payment attempt was declined or failed. The order keeps its reservation until it
    lapses, so the shopper can try again; tell them (in the order's language). A batch's buyer
    sees the batch's payment on the batch's page: no e-mail per child order."""
    if order.status == OrderStatus.AWAITING_PAYMENT and order.batch_id is None:
        queue_order_email(order, "payment_failed")


def mark_payment_failed(order: Order, *, actor: str, reason: str | None = None) -> bool:
    """The shopper gives up after a failed payment: the order fails and its stock comes back,
    once."""
    try:
        transition_order(order, OrderStatus.PAYMENT_FAILED, actor=actor, reason=reason)
    except InvalidTransition:
        return False
    release_stock(order)
    adjust_seats(released=end_held_bookings(order.id, BookingStatus.CANCELLED), wanted={})
    _cancel_producer_orders(order, actor=actor, reason=reason)
    order_released.send(order, order_id=order.id, actor=actor)
    return True


def flag_for_review(order: Order, reason: str) -> None:
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(needs_review=True, review_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        OrderEvent(
            order_id=order.id,
            actor="system",
            kind=EventKind.FLAGGED,
            visibility=EventVisibility.STAFF,
            from_status=order.status,
            to_status=order.status,
            reason=f"flagged for review: {reason}",
        )
    )
    db.session.refresh(order)
    log.warning("order %s flagged for review: %s", order.reference, reason)


def _cancel_producer_orders(order: Order, *, actor: str, reason: str | None) -> None:
    for producer_order in order.producer_orders:
        if producer_order.status in (ProducerOrderStatus.PENDING, ProducerOrderStatus.NEW):
            transition_producer_order(
                producer_order, ProducerOrderStatus.CANCELLED, actor=actor, reason=reason
            )


# --- refunds (the payments domain records the money; the order's columns change here) -------

REFUNDABLE_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
)


def plan_refund(order: Order, lines: dict[int, int] | None) -> tuple[int, dict[int, int]]:
    """The amount for refunding ``lines`` ({line id: quantity}); None means everything left
    (delivery included). Refuses unknown lines and quantities that are not a whole number
    between 1 and what is left of the line (``RefundNotAllowed`` with a reason code)."""
    if lines is None:
        return order.refundable_vnd, {
            line.id: line.quantity - line.refunded_quantity
            for line in order.lines
            if line.quantity > line.refunded_quantity
        }
    _check_refund_lines(order, lines)
    by_id = {line.id: line for line in order.lines}
    return sum(by_id[line_id].unit_price_vnd * qty for line_id, qty in lines.items()), dict(lines)


def _check_refund_lines(order: Order, lines: dict[int, int]) -> None:
    by_id = {line.id: line for line in order.lines}
    for line_id, quantity in lines.items():
        line = by_id.get(line_id)
        if line is None:
            raise RefundNotAllowed("that line is not part of this order", reason="unknown_line")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise RefundNotAllowed(
                "refund quantities must be whole numbers of at least 1", reason="bad_quantity"
            )
        if quantity > line.quantity - line.refunded_quantity:
            raise RefundNotAllowed(
                f"at most {line.quantity - line.refunded_quantity} of {line.name} can be refunded",
                reason="too_much",
            )


def apply_refund(order: Order, *, amount_vnd: int, lines: dict[int, int]) -> None:
    """Raise the order's refunded total by ``amount_vnd`` and each line's refunded quantity.

    The guard lives here, before the database CHECKs: never more than was paid and not yet
    refunded, only this order's lines, only positive whole quantities. The updates are
    conditional, so two admins refunding at once cannot overshoot either.
    """
    if order.status not in REFUNDABLE_STATUSES:
        raise RefundNotAllowed("only paid orders can be refunded", reason="not_paid")
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise RefundNotAllowed("nothing left to refund", reason="nothing_left")
    _check_refund_lines(order, lines)
    if order.refunded_vnd + amount_vnd > order.paid_vnd:
        raise RefundNotAllowed("that is more than was paid and not yet refunded", reason="too_much")
    raised = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_vnd + amount_vnd <= Order.paid_vnd)
        .values(refunded_vnd=Order.refunded_vnd + amount_vnd)
        .execution_options(synchronize_session=False)
    )
    if raised.rowcount != 1:
        raise RefundNotAllowed("that is more than was paid and not yet refunded", reason="too_much")
    for line_id, quantity in sorted(lines.items()):
        result = db.session.execute(
            update(OrderLine)
            .where(
                OrderLine.id == line_id,
                OrderLine.order_id == order.id,
                OrderLine.refunded_quantity + quantity <= OrderLine.quantity,
            )
            .values(refunded_quantity=OrderLine.refunded_quantity + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise RefundNotAllowed("that line was refunded meanwhile", reason="too_much")
    db.session.refresh(order)
    for line in order.lines:
        db.session.refresh(line)
    refund_applied.send(order, order_id=order.id, amount_vnd=amount_vnd, lines=dict(lines))


def refund_completed(order: Order, *, amount_vnd: int, actor: str, reason: str | None) -> None:
    """The provider accepted a refund already applied with ``apply_refund``: move the order to
    (partly) refunded and tell the customer."""
    db.session.refresh(order)
    target = (
        OrderStatus.REFUNDED
        if order.refunded_vnd >= order.paid_vnd
        else OrderStatus.PARTIALLY_REFUNDED
    )
    queue_order_email(order, "refunded", amount_vnd=amount_vnd)
    try:
        transition_order(order, target, actor=actor, reason=reason)
    except InvalidTransition:
        log.warning("order %s: refund recorded without status change", order.reference)


# --- fulfilment by producers ---------------------------------------------------------------


def confirm_producer_order(producer_order: ProducerOrder, *, user_id: int) -> None:
    transition_producer_order(
        producer_order, ProducerOrderStatus.CONFIRMED, actor="producer", actor_id=user_id
    )


def ships_later(producer_order: ProducerOrder, today: date) -> bool:
    """Whether a pre-order parcel's ships-from date is still ahead."""
    ships_from = producer_order.ships_from
    return ships_from is not None and ships_from.date() > today


def ship_producer_order(
    producer_order: ProducerOrder,
    *,
    carrier: str,
    tracking_number: str,
    user_id: int,
    now: datetime,
    today: date | None = None,
) -> None:
    """Mark a confirmed parcel shipped. A pre-order parcel cannot ship before its ships-from
    date unless the office allowed it (``allow_early_shipping``): ``TooEarlyToShip``."""
    if producer_order.delivery_method in (DeliveryMethod.NONE, DeliveryMethod.PICKUP):
        raise InvalidTransition(
            f"producer order {producer_order.id} has nothing to ship (bookings, or goods "
            "collected during the visit)",
            current=producer_order.status,
            target=str(ProducerOrderStatus.SHIPPED),
        )
    if ships_later(producer_order, today or now.date()) and not producer_order.may_ship_early:
        raise TooEarlyToShip(
            f"producer order {producer_order.id} ships from {producer_order.ships_from:%Y-%m-%d}",
            current=producer_order.status,
            ships_from=producer_order.ships_from.date(),
        )
    transition_producer_order(
        producer_order,
        ProducerOrderStatus.SHIPPED,
        actor="producer",
        actor_id=user_id,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=now,
    )
    queue_order_email(producer_order.order, "shipped", parcel=producer_order)


def deliver_producer_order(producer_order: ProducerOrder, *, user_id: int, now: datetime) -> None:
    """Mark one shipped parcel delivered; when every parcel is, the order is completed (and a
    cash-on-delivery order counts as paid)."""
    if producer_order.status != ProducerOrderStatus.SHIPPED:
        raise InvalidTransition(
            f"producer order {producer_order.id} has not shipped",
            current=producer_order.status,
            target=str(ProducerOrderStatus.DELIVERED),
        )
    transition_producer_order(
        producer_order,
        ProducerOrderStatus.DELIVERED,
        actor="producer",
        actor_id=user_id,
        delivered_at=now,
    )
    producer_order_delivered.send(
        producer_order, producer_order_id=producer_order.id, delivered_at=now
    )
    _complete_if_all_delivered(producer_order.order)


def _complete_if_all_delivered(order: Order) -> None:
    db.session.refresh(order)
    parcels = [po for po in order.producer_orders if po.status != ProducerOrderStatus.CANCELLED]
    if parcels and all(po.status == ProducerOrderStatus.DELIVERED for po in parcels):
        values = {}
        if order.status == OrderStatus.PLACED:  # accepted unpaid: the courier collected it
            values["paid_vnd"] = order.total_vnd
        if order.status in (OrderStatus.PAID, OrderStatus.PLACED, OrderStatus.PARTIALLY_REFUNDED):
            transition_order(
                order,
                OrderStatus.COMPLETED,
                actor="system",
                reason="all parcels delivered",
                **values,
            )


def complete_booking_parts(now: datetime) -> int:
    """The scheduled job after sessions end: bookings of ended sessions become completed, and
    the parts of their orders with nothing to ship — bookings only, or goods collected during
    the visit — count as delivered once none of the order's bookings is still to come (the
    order is completed once every part is). Returns how many bookings were completed."""
    completed = complete_past_bookings(now)
    for order_id in sorted({booking.order_id for booking in completed}):
        waiting = db.session.scalar(
            select(func.count(Booking.id)).where(
                Booking.order_id == order_id,
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN]),
            )
        )
        if waiting:
            continue
        order = db.session.get(Order, order_id)
        for part in order.producer_orders:
            if part.status not in (ProducerOrderStatus.NEW, ProducerOrderStatus.CONFIRMED):
                continue
            if part.delivery_method not in (DeliveryMethod.NONE, DeliveryMethod.PICKUP):
                continue  # its goods are delivered the usual way
            try:
                transition_producer_order(
                    part,
                    ProducerOrderStatus.DELIVERED,
                    actor="system",
                    reason="sessions over",
                    delivered_at=now,
                )
            except InvalidTransition:
                continue
            producer_order_delivered.send(part, producer_order_id=part.id, delivered_at=now)
        _complete_if_all_delivered(order)
    return len(completed)


@lapsed_stock_asked.connect
def _answer_lapsed_holds(_sender, product_ids: list[int], now: datetime, **_extra) -> dict:
    return lapsed_holds(product_ids, now)
