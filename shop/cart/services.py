"""Cart operations and the cart as the shopper sees it, re-read from the database every time."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from shop.cart.models import Cart, CartLine
from shop.catalog.availability import Availability, availability
from shop.catalog.models import Producer, Product
from shop.catalog.services import check_purchasable
from shop.catalog.signals import lapsed_stock
from shop.db import utcnow
from shop.errors import (
    AgeConfirmationRequired,
    CartChanged,
    InvalidQuantity,
    OutOfStock,
    ProductUnavailable,
)
from shop.extensions import db
from shop.lines import LineKind
from shop.money import vat_included


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
    return next((line for line in cart.lines if line.product_id == product_id), None)


def available_stock(product: Product, now: datetime) -> int:
    """Stock a shopper can still get: what is on the shelf plus what lapsed unpaid orders hold
    (read only — the checkout that takes it releases those holds)."""
    return product.stock + lapsed_stock([product.id], now).get(product.id, 0)


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
    if product.adult_only and cart.adult_confirmed_at is None:
        if not adult_confirmed:
            raise AgeConfirmationRequired("confirm you are 18 or over to buy alcohol")
        cart.adult_confirmed_at = now
    db.session.flush()
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    stmt = insert(CartLine).values(
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


def set_quantity(
    cart: Cart, line_id: int, quantity: int, *, max_quantity: int, now: datetime | None = None
) -> None:
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:
        raise ProductUnavailable("that line is not in your cart")
    if quantity < 1:
        raise InvalidQuantity("quantity must be at least 1")
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
class CartView:
    cart: Cart | None
    groups: list[ProducerGroup]

    @property
    def lines(self) -> list[LineView]:
        return [v for g in self.groups for v in g.lines]

    @property
    def count(self) -> int:
        return sum(v.line.quantity for v in self.lines)

    @property
    def subtotal_vnd(self) -> int:
        return sum(v.line_total_vnd for v in self.lines)

    @property
    def vat_by_rate(self) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for v in self.lines:
            totals[v.product.vat_rate] += v.line_total_vnd
        return {rate: vat_included(amount, rate) for rate, amount in sorted(totals.items()) if rate}

    @property
    def has_problems(self) -> bool:
        return any(not v.ok for v in self.lines)

    @property
    def mixes_preorders(self) -> bool:
        return len({v.ships_from for v in self.lines}) > 1

    @property
    def needs_adult_confirmation(self) -> bool:
        return any(v.product.adult_only for v in self.lines)


PROBLEM_UNAVAILABLE = "unavailable"
PROBLEM_STOCK = "stock"


def view_cart(cart: Cart | None, *, today: date, now: datetime | None = None) -> CartView:
    """Every line priced from the database now, with what changed since it was added. Reads
    only: stock that lapsed unpaid orders hold counts as available."""
    if cart is None:
        return CartView(cart=None, groups=[])
    lines = db.session.scalars(
        select(CartLine)
        .where(CartLine.cart_id == cart.id)
        .options(
            selectinload(CartLine.product).selectinload(Product.producer),
            selectinload(CartLine.product).selectinload(Product.images),
        )
        .order_by(CartLine.id)
    ).all()
    short = [line.product_id for line in lines if line.quantity > line.product.stock]
    lapsed = lapsed_stock(short, now or utcnow())
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
    return CartView(cart=cart, groups=list(groups.values()))


def acknowledge_prices(cart: Cart) -> None:
    """The shopper has seen the current prices: stop flagging them as changed."""
    for line in cart.lines:
        line.price_seen_vnd = line.product.price_vnd
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
