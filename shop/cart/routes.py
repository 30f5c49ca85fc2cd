"""Cart pages: add, change, remove; the guest cart follows the shopper when they sign in."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.services import user_signed_in
from shop.cart import bp
from shop.cart.models import Cart
from shop.cart.services import (
    PROBLEM_STOCK,
    acknowledge_prices,
    add_to_cart,
    create_cart,
    find_cart,
    merge_carts,
    remove_line,
    set_quantity,
    user_cart,
    view_cart,
)
from shop.catalog.signals import stock_wanted
from shop.db import utcnow
from shop.errors import AgeConfirmationRequired, InvalidQuantity, OutOfStock, ProductUnavailable
from shop.extensions import db
from shop.http import safe_next
from shop.templating import local_today

SESSION_KEY = "cart"


def current_cart(create: bool = False) -> Cart | None:
    """The signed-in user's cart, else the guest cart named by the session cookie."""
    if "cart" in g:
        return g.cart
    cart = None
    if current_user.is_authenticated:
        cart = user_cart(current_user.id)
        if cart is None and create:
            cart = create_cart(current_user.id)
    else:
        cart = find_cart(session.get(SESSION_KEY))
        if cart is None and create:
            cart = create_cart()
            session[SESSION_KEY] = cart.token
    g.cart = cart
    return cart


@user_signed_in.connect
def _merge_guest_cart(app, user, **_extra) -> None:
    guest = find_cart(session.get(SESSION_KEY))
    if guest is not None and guest.user_id not in (None, user.id):
        guest = None  # another account's cart: never merge it
    merged = merge_carts(guest, user.id, max_quantity=app.config["MAX_LINE_QUANTITY"])
    session[SESSION_KEY] = merged.token
    g.pop("cart", None)


def message_for(error: Exception) -> str:
    if isinstance(error, OutOfStock):
        available = error.details.get("available")
        if available:
            return _("Only %(n)d left in stock.", n=available)
        return _("Sorry, this product is out of stock.")
    if isinstance(error, InvalidQuantity):
        return _("Enter a whole number from 1 to %(n)d.", n=current_app.config["MAX_LINE_QUANTITY"])
    if isinstance(error, AgeConfirmationRequired):
        return _("Please confirm that you are 18 or over to buy alcohol.")
    return _("This product cannot be bought right now.")


def _quantity(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 6 else None


@bp.post("/cart/add")
def add():
    back = safe_next(request.form.get("next")) or url_for("cart.show")
    product_id = _quantity(request.form.get("product_id"))
    quantity = _quantity(request.form.get("quantity", "1"))
    try:
        if product_id is None:
            raise ProductUnavailable("no product")
        if quantity is None:
            raise InvalidQuantity("not a number")
        cart = current_cart(create=True)
        add_to_cart(
            cart,
            product_id,
            quantity,
            today=local_today(),
            max_quantity=current_app.config["MAX_LINE_QUANTITY"],
            adult_confirmed=request.form.get("adult_confirmed") == "1",
            now=utcnow(),
        )
    except (OutOfStock, InvalidQuantity, AgeConfirmationRequired, ProductUnavailable) as error:
        db.session.rollback()
        flash(message_for(error), f"add-to-cart-{product_id}")
        flash(request.form.get("quantity", ""), f"add-to-cart-qty-{product_id}")
        return redirect(back + "#buy")
    db.session.commit()
    flash(_("Added to your cart."), "cart-added")
    return redirect(back)


def _render(errors: dict[int, str] | None = None, typed: dict[int, str] | None = None, status=200):
    cart = current_cart()
    view = view_cart(cart, today=local_today())
    short = [v.product.id for v in view.lines if PROBLEM_STOCK in v.problems]
    if short and stock_wanted.receivers:
        # Lapsed unpaid orders may still hold this stock: release it, then look again.
        stock_wanted.send(current_app._get_current_object(), product_ids=short, now=utcnow())
        g.pop("cart", None)
        view = view_cart(current_cart(), today=local_today())
    return (
        render_template("cart/cart.html", view=view, errors=errors or {}, typed=typed or {}),
        status,
    )


@bp.get("/cart")
def show():
    return _render()


@bp.post("/cart/lines/<int:line_id>")
def update(line_id: int):
    cart = current_cart()
    if cart is None:
        return redirect(url_for("cart.show"))
    raw = request.form.get("quantity", "")
    quantity = _quantity(raw)
    try:
        if quantity is None:
            raise InvalidQuantity("not a number")
        set_quantity(cart, line_id, quantity, max_quantity=current_app.config["MAX_LINE_QUANTITY"])
    except (OutOfStock, InvalidQuantity, ProductUnavailable) as error:
        db.session.rollback()
        return _render({line_id: message_for(error)}, {line_id: raw}, status=400)
    db.session.commit()
    return redirect(url_for("cart.show"))


@bp.post("/cart/lines/<int:line_id>/remove")
def remove(line_id: int):
    cart = current_cart()
    if cart is not None:
        remove_line(cart, line_id)
        db.session.commit()
        flash(_("Removed from your cart."), "success")
    return redirect(url_for("cart.show"))


@bp.post("/cart/prices-seen")
def prices_seen():
    cart = current_cart()
    if cart is not None:
        acknowledge_prices(cart)
        db.session.commit()
    return redirect(url_for("cart.show"))


@bp.app_context_processor
def cart_count() -> dict:
    """The header's cart count: one small query, only for shoppers who have a cart."""

    def count() -> int:
        if not current_user.is_authenticated and not session.get(SESSION_KEY):
            return 0
        cart = current_cart()
        return sum(line.quantity for line in cart.lines) if cart else 0

    return {"cart_count": count}
