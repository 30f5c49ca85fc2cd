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
from flask_login import current_user, user_logged_out

from shop.accounts.services import user_signed_in
from shop.cart import bp
from shop.cart.models import Cart
from shop.cart.services import (
    acknowledge_prices,
    add_bundle,
    add_seats,
    add_to_cart,
    create_cart,
    find_cart,
    merge_carts,
    remove_booking,
    remove_line,
    set_quantity,
    user_cart,
    view_cart,
)
from shop.db import utcnow
from shop.errors import (
    AgeConfirmationRequired,
    BundleUnavailable,
    InvalidQuantity,
    OutOfStock,
    ProductUnavailable,
    SessionFull,
    SessionUnavailable,
)
from shop.extensions import db
from shop.http import parse_int, safe_next
from shop.templating import local_today

SESSION_KEY = "cart"
QUANTITY_FIELD_LENGTH = 6  # the quantity inputs' maxlength


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
        if cart is not None and cart.user_id is not None:
            cart = None  # an account's cart is never a visitor's, whatever the cookie says
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


@user_logged_out.connect
def _start_a_new_guest_cart(_app, user=None, **_extra) -> None:
    # The account's cart stays with the account: the next visitor of this browser starts empty.
    session.pop(SESSION_KEY, None)
    g.pop("cart", None)


def problem_code(error: Exception) -> str:
    """A short code for a refused cart change (``out_of_stock:3``), safe to keep in the session
    cookie: the message is written from it on the next page, and nothing typed is stored."""
    if isinstance(error, OutOfStock):
        available = error.details.get("available")
        return f"out_of_stock:{int(available)}" if available else "out_of_stock"
    if isinstance(error, InvalidQuantity):
        return "invalid_quantity"
    if isinstance(error, AgeConfirmationRequired):
        return "age_confirmation_required"
    if isinstance(error, SessionFull):
        available = error.details.get("available")
        return f"seats:{int(available)}" if available else "seats"
    if isinstance(error, SessionUnavailable):
        return f"session_{error.details.get('reason', 'unknown')}"
    if isinstance(error, BundleUnavailable):
        reason = error.details.get("reason", "unknown")
        if reason == "available":
            return f"bundle_available:{int(error.details.get('available') or 0)}"
        return f"bundle_{reason}"
    return "unavailable"


@bp.app_template_global("cart_problem_message")
def message_for_code(code: str) -> str:
    name, _sep, number = code.partition(":")
    if name == "out_of_stock":
        if number.isdigit():
            return _("Only %(n)d left in stock.", n=int(number))
        return _("Sorry, this product is out of stock.")
    if name == "invalid_quantity":
        return _("Enter a whole number from 1 to %(n)d.", n=current_app.config["MAX_LINE_QUANTITY"])
    if name == "age_confirmation_required":
        return _("Please confirm that you are 18 or over to buy alcohol.")
    if name == "seats":
        if number.isdigit():
            return _("Only %(n)d seats left on this date.", n=int(number))
        return _("Sorry, this date is sold out.")
    if name == "party":
        return _("Check the number of each ticket type: some are outside what one booking allows.")
    if name == "session_cutoff":
        return _("Bookings for this date have closed.")
    if name == "session_cancelled":
        return _("This date was cancelled by the operator.")
    if name in ("session_closed", "session_unknown"):
        return _("This date cannot be booked.")
    if name == "bundle_available":
        if number.isdigit() and int(number) > 0:
            return _("Only %(n)d of this bundle can be bought now.", n=int(number))
        return _("Sorry, this bundle is sold out.")
    if name == "bundle_session":
        return _("Choose one of the dates offered for this package.")
    if name.startswith("bundle_"):
        return _("This bundle cannot be bought right now.")
    return _("This product cannot be bought right now.")


def message_for(error: Exception) -> str:
    return message_for_code(problem_code(error))


def _quantity(raw: str | None) -> int | None:
    return parse_int(raw)


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
        # A code, not a message, in the session cookie; what was typed is kept only when it fits
        # the field (6 characters, as its maxlength), so a huge value never reaches the cookie.
        flash(problem_code(error), f"add-to-cart-{product_id or 0}")
        typed = request.form.get("quantity", "")
        if len(typed) <= QUANTITY_FIELD_LENGTH and typed.isprintable():
            flash(typed, f"add-to-cart-qty-{product_id or 0}")
        return redirect(back + "#buy")
    db.session.commit()
    flash(_("Added to your cart."), "cart-added")
    return redirect(back)


UNIT_FIELD_PREFIX = "unit-"
MAX_UNIT_FIELDS = 10


def _party(form) -> dict[int, int] | None:
    """``unit-<unit type id>`` fields → ``{unit_type_id: quantity}``; None when a field is not
    a whole number (empty counts as 0). Other fields are ignored; too many unit fields are
    refused."""
    party: dict[int, int] = {}
    for key, raw in form.items():
        if not key.startswith(UNIT_FIELD_PREFIX):
            continue
        if len(party) >= MAX_UNIT_FIELDS:
            return None
        unit_type_id = parse_int(key[len(UNIT_FIELD_PREFIX) :])
        quantity = 0 if raw.strip() == "" else parse_int(raw)
        if unit_type_id is None or quantity is None:
            return None
        party[unit_type_id] = quantity
    return party


@bp.post("/cart/add-seats")
def add_seats_to_cart():
    """Seats on one session, per unit type (``unit-<id>`` fields): the party replaces what the
    cart held for that session. A refusal goes back to the page with its reason (a code in the
    flash, as for goods) and what was typed."""
    back = safe_next(request.form.get("next")) or url_for("cart.show")
    session_id = parse_int(request.form.get("session_id"))
    party = _party(request.form)
    try:
        if session_id is None:
            raise SessionUnavailable("no session", reason="unknown")
        if party is None:
            raise InvalidQuantity("not a number", reason="bad_quantity")
        cart = current_cart(create=True)
        add_seats(cart, session_id, party, now=utcnow())
    except (SessionFull, SessionUnavailable, InvalidQuantity) as error:
        db.session.rollback()
        code = problem_code(error)
        if isinstance(error, InvalidQuantity) and error.details.get("reason") != "bad_quantity":
            code = "party"
        flash(code, f"add-seats-{session_id or 0}")
        return redirect(back + f"#session-{session_id or 0}")
    db.session.commit()
    flash(_("Your booking is in your cart."), "cart-added")
    return redirect(url_for("cart.show"))


BUNDLE_ERRORS = (
    BundleUnavailable,
    OutOfStock,
    InvalidQuantity,
    AgeConfirmationRequired,
    ProductUnavailable,
    SessionFull,
    SessionUnavailable,
)


@bp.post("/cart/add-bundle")
def add_bundle_to_cart():
    """A quantity of a bundle (a package on the chosen session, ``session_id``). A refusal
    goes back to the bundle's page with its reason next to the form (a code in the flash) and
    what was typed, when it fits the fields."""
    back = safe_next(request.form.get("next")) or url_for("cart.show")
    bundle_id = parse_int(request.form.get("bundle_id"))
    raw_session = request.form.get("session_id", "")
    session_id = parse_int(raw_session) if raw_session.strip() else None
    quantity = _quantity(request.form.get("quantity", "1"))
    key = bundle_id or 0
    try:
        if bundle_id is None:
            raise BundleUnavailable("no bundle", reason="unknown")
        if raw_session.strip() and session_id is None:
            raise BundleUnavailable("not a session", reason="session")
        if quantity is None:
            raise InvalidQuantity("not a number")
        cart = current_cart(create=True)
        add_bundle(
            cart,
            bundle_id,
            quantity,
            session_id,
            today=local_today(),
            now=utcnow(),
            max_quantity=current_app.config["MAX_LINE_QUANTITY"],
            adult_confirmed=request.form.get("adult_confirmed") == "1",
        )
    except BUNDLE_ERRORS as error:
        db.session.rollback()
        flash(problem_code(error), f"add-bundle-{key}")
        typed = request.form.get("quantity", "")
        if len(typed) <= QUANTITY_FIELD_LENGTH and typed.isprintable():
            flash(typed, f"add-bundle-qty-{key}")
        if session_id is not None:
            flash(str(session_id), f"add-bundle-session-{key}")
        return redirect(back + "#buy")
    db.session.commit()
    flash(_("Added to your cart."), "cart-added")
    return redirect(url_for("cart.show"))


@bp.post("/cart/bookings/<int:session_id>/remove")
def remove_seats(session_id: int):
    cart = current_cart()
    if cart is not None:
        remove_booking(cart, session_id)
        db.session.commit()
        flash(_("Removed from your cart."), "success")
    return redirect(url_for("cart.show"))


def _render(errors: dict[int, str] | None = None, typed: dict[int, str] | None = None, status=200):
    view = view_cart(current_cart(), today=local_today(), now=utcnow())
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
        set_quantity(
            cart,
            line_id,
            quantity,
            max_quantity=current_app.config["MAX_LINE_QUANTITY"],
            now=utcnow(),
            today=local_today(),
        )
    except BUNDLE_ERRORS as error:
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
        return sum(line.quantity for line in cart.lines) if cart else 0  # seats count too

    return {"cart_count": count}
