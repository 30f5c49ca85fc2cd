"""Checkout and the order pages a shopper sees."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.accounts.forms import EmptyForm, normalize_phone
from shop.agencies.queries import billing_choices
from shop.cart.routes import current_cart
from shop.cart.services import add_seats, add_to_cart, consume_cart, view_cart
from shop.checkout import bp
from shop.checkout.forms import CheckoutForm, is_checkout_token, new_checkout_token
from shop.db import begin_write_transaction, utcnow
from shop.errors import (
    AgeConfirmationRequired,
    BookingNotAllowed,
    BundleUnavailable,
    CartChanged,
    DeliveryNotPossible,
    InvalidQuantity,
    InvalidTransition,
    OutOfStock,
    PaymentNotAllowed,
    ProductUnavailable,
    SessionFull,
    SessionUnavailable,
    ShopError,
)
from shop.extensions import db
from shop.http import parse_int
from shop.invoicing.services import order_invoicing, save_invoice_data
from shop.lines import LineKind
from shop.money import format_vnd
from shop.orders.emails import queue_order_email
from shop.orders.models import Order, OrderStatus, PaymentMethod
from shop.orders.services import (
    Contact,
    Guests,
    LineRequest,
    OrderRules,
    find_order,
    find_order_by_checkout_token,
    lock_order,
    mark_payment_failed,
    order_bundles,
    place_order,
    plan_order,
)
from shop.payments.bank_transfer import transfer_details
from shop.payments.bookings import RefundPreview, cancel_booking, refund_preview
from shop.payments.models import PaymentStatus, Refund
from shop.payments.providers import ProviderError, Subject, checkout_providers, get_provider
from shop.payments.services import (
    attempt_not_started,
    attempt_started,
    check_payment_allowed,
    latest_payment,
    open_attempt,
    open_payment,
    reservation_holds,
    send_refund,
)
from shop.templating import current_lang, local_today
from shop.tourism.models import Booking, BookingStatus
from shop.tourism.rules import aware
from shop.tourism.services import move_booking, move_options, order_bookings
from shop.urls import absolute_url

log = logging.getLogger(__name__)


def order_rules() -> OrderRules:
    config = current_app.config
    return OrderRules(
        standard_fee_vnd=config["DELIVERY_STANDARD_FEE_VND"],
        chilled_fee_vnd=config["DELIVERY_CHILLED_FEE_VND"],
        payment_ttl=timedelta(minutes=config["ORDER_PAYMENT_TTL_MINUTES"]),
        max_line_quantity=config["MAX_LINE_QUANTITY"],
    )


def payment_choices() -> list[tuple[str, str]]:
    """The payment providers offered on this server, the default first."""
    return [(provider.id, str(provider.label)) for provider in checkout_providers()]


def cart_subject(view) -> Subject:
    """What the providers' ``is_allowed`` looks at, for the cart about to be ordered."""
    config = current_app.config
    delivery = view.delivery_vnd(
        config["DELIVERY_STANDARD_FEE_VND"], config["DELIVERY_CHILLED_FEE_VND"]
    )
    sessions = [b.session.starts_at for b in view.bookings] + [
        b.session.starts_at for b in view.packages
    ]
    return Subject(
        total_vnd=view.subtotal_vnd + delivery,
        has_preorder=any(v.product.preorder for v in view.lines)
        or any(c.product.preorder for b in view.bundles for c in b.bundle.goods),
        has_bookings=view.has_bookings,
        first_session_at=min(sessions) if sessions else None,
    )


def _form(view) -> CheckoutForm:
    form = CheckoutForm()
    form.payment_method.choices = payment_choices()
    if view.bookings:  # experiences are paid online (the provider refuses them anyway)
        form.payment_method.choices = [c for c in form.payment_method.choices if c[0] != "cod"]
    # Every configured method stays a valid choice (one posted anyway gets its provider's
    # reason next to the field); the page shows those that may take this cart (a total above
    # the card ceiling: bank transfer).
    subject = cart_subject(view)
    form.offered_methods = [
        c[0] for c in form.payment_method.choices if get_provider(c[0]).is_allowed(subject)
    ] or [c[0] for c in form.payment_method.choices]
    if not view.delivers:
        form.without_delivery()  # experiences only: nothing to deliver, no address asked
        form.recipient_name.label.text = _("Your name")
    overnight = view.overnight_bookings
    if overnight:
        form.prepare_guests(max(b.seats for b in overnight), current_lang())
    if current_user.is_authenticated:
        form.offer_billing_choices(
            billing_choices(current_user.id), prefill=request.method == "GET"
        )
    if request.method == "GET":
        form.checkout_token.data = new_checkout_token()
        form.payment_method.data = form.offered_methods[0]
        if current_user.is_authenticated:
            form.email.data = form.email.data or current_user.email
            form.recipient_name.data = form.recipient_name.data or current_user.name
            form.phone.data = form.phone.data or current_user.phone
    return form


def _guests(form: CheckoutForm, view, phone: str) -> Guests | None:
    """The lead guest (the contact unless another is named) and the foreign guests of an
    overnight stay, consented now."""
    if not view.has_bookings:
        return None
    foreign = tuple(form.foreign_guest_rows) if view.overnight_bookings else ()
    return Guests(
        lead_name=form.lead_name.data or form.recipient_name.data,
        lead_phone=normalize_phone(form.lead_phone.data) if form.lead_phone.data else phone,
        foreign=foreign,
        consent_at=utcnow() if foreign else None,
    )


def _error_field(error: ShopError) -> str:
    if isinstance(error, DeliveryNotPossible):
        return "province"
    if isinstance(error, PaymentNotAllowed):
        return "payment_method"
    if isinstance(error, AgeConfirmationRequired):
        return "adult_confirmed"
    return ""


def _message(error: ShopError, view) -> str:
    products = {v.product.id: v.product for v in view.lines}
    name = ""
    product = products.get(error.details.get("product_id"))
    if product is not None:
        name = product.name_en if current_lang() == "en" and product.name_en else product.name_vi
    if isinstance(error, OutOfStock):
        return _("%(product)s has just sold out or has fewer left than you want.", product=name)
    if isinstance(error, SessionFull):
        return _(
            "One of your dates has just sold out or has fewer seats left than your party; "
            "please check your cart."
        )
    if isinstance(error, SessionUnavailable):
        return _("Bookings for one of your dates have closed; please check your cart.")
    if isinstance(error, DeliveryNotPossible):
        return _("Fresh and chilled goods from one of your producers cannot reach this province.")
    if isinstance(error, PaymentNotAllowed):
        if "limit" in error.details:
            return _(
                "Cash on delivery is available up to %(limit)s.",
                limit=format_vnd(error.details["limit"]),
            )
        if "maximum" in error.details:
            above = error.details.get("total", 0) > error.details["maximum"]
            if above and get_provider(PaymentMethod.BANK_TRANSFER).is_available():
                return _(
                    "Card payments take totals from 20.000 ₫ to 99.999.999 ₫: pay this order "
                    "by bank transfer."
                )
            return _("Card payments take totals from 20.000 ₫ to 99.999.999 ₫.")
        if error.details.get("rule") == "bookings":
            return _("Experiences are paid online: choose another way to pay.")
        if error.details.get("rule") == "session_soon":
            return _(
                "Bank transfer is possible only for experiences more than %(days)d days away: "
                "choose another way to pay.",
                days=current_app.config["BANK_TRANSFER_PAYMENT_DAYS"],
            )
        return _("Cash on delivery is not available for pre-orders.")
    if isinstance(error, AgeConfirmationRequired):
        return _("Please confirm that you are 18 or over to buy alcohol.")
    if isinstance(error, InvalidQuantity):
        return _("One of the quantities is not allowed; please check your cart.")
    if isinstance(error, BundleUnavailable):
        return _("One of your bundles can no longer be bought as it is; please check your cart.")
    return _("One of the products can no longer be bought; please check your cart.")


def _render(form, view, error: str | None = None, status: int = 200):
    return (
        render_template(
            "checkout/checkout.html",
            form=form,
            view=view,
            general_error=error,
        ),
        status,
    )


def _placed_by(token: str | None) -> Order | None:
    """The order this checkout submission already placed, if any."""
    return find_order_by_checkout_token(token) if is_checkout_token(token) else None


@bp.route("/checkout", methods=["GET", "POST"])
def start():
    token = request.form.get("checkout_token") if request.method == "POST" else None
    if (placed := _placed_by(token)) is not None:
        return redirect(_order_url(placed))  # the same submission again: its order
    cart = current_cart()
    view = view_cart(cart, today=local_today(), now=utcnow())
    if view.is_empty or view.has_problems:
        return redirect(url_for("cart.show"))
    form = _form(view)
    if request.method == "GET":
        return _render(form, view)
    valid = form.validate()
    valid = form.check_bookings(overnight=bool(view.overnight_bookings), today=local_today()) and (
        valid
    )
    if not valid:
        expired = form.checkout_token.errors[0] if form.checkout_token.errors else None
        return _render(form, view, expired, status=400)
    if view.needs_adult_confirmation and not form.adult_confirmed.data:
        form.adult_confirmed.errors.append(
            _("Please confirm that you are 18 or over to buy alcohol.")
        )
        return _render(form, view, status=400)

    method = PaymentMethod(form.payment_method.data)
    address = form.clean_address if view.delivers else None
    contact = Contact(
        email=form.email.data.lower(),
        phone=form.clean_phone,
        recipient_name=form.recipient_name.data,
        province=address.province.name if address else None,
        commune=address.commune.name if address else None,
        province_code=address.province.code if address else 0,
        commune_code=address.commune.code if address else 0,
        street=form.street.data if address else None,
        locale=current_lang(),
        note=form.note.data or None,
    )
    lines = [LineRequest(v.product.id, v.line.quantity) for v in view.lines]
    taken = {v.line.id: v.line.quantity for v in view.lines}
    for booking in view.bookings:
        for seat in booking.units:
            lines.append(
                LineRequest.seats(booking.session.id, seat.unit_type.id, seat.line.quantity)
            )
            taken[seat.line.id] = seat.line.quantity
    for bundle in view.bundles:
        lines.append(
            LineRequest.bundle(
                bundle.bundle.id,
                bundle.line.quantity,
                bundle.session.id if bundle.session is not None else None,
            )
        )
        taken[bundle.line.id] = bundle.line.quantity
    guests = _guests(form, view, contact.phone)
    invoice_data = form.invoice_data
    cart_id = cart.id
    user_id = current_user.id if current_user.is_authenticated else None
    begin_write_transaction(db.session)
    try:
        # The cart's lines leave it in the order's transaction: a second submission of the
        # same cart waits here, then finds them gone.
        consume_cart(cart_id, taken)
        plan = plan_order(
            lines,
            contact,
            payment_method=method,
            rules=order_rules(),
            today=local_today(),
            adult_confirmed=bool(form.adult_confirmed.data),
            now=utcnow(),
            guests=guests,
        )
        order = place_order(plan, now=utcnow(), user_id=user_id, checkout_token=token)
        check_payment_allowed(order)
        if invoice_data is not None:
            save_invoice_data(order, invoice_data)
    except (CartChanged, IntegrityError) as error:
        db.session.rollback()
        if (placed := _placed_by(token)) is not None:
            return redirect(_order_url(placed))
        if isinstance(error, IntegrityError):
            raise
        flash(_("Your cart changed while you were checking out; please check it."), "error")
        return redirect(url_for("cart.show"))
    except (
        OutOfStock,
        DeliveryNotPossible,
        PaymentNotAllowed,
        AgeConfirmationRequired,
        InvalidQuantity,
        ProductUnavailable,
        SessionFull,
        SessionUnavailable,
        BundleUnavailable,
    ) as error:
        db.session.rollback()
        field = _error_field(error)
        message = _message(error, view)
        if field:
            getattr(form, field).errors.append(message)
            message = None
        full = isinstance(error, OutOfStock | SessionFull | SessionUnavailable)
        return _render(form, view, message, status=409 if full else 400)
    order_id = order.id
    db.session.commit()
    # The order is committed (and the cart consumed) before any provider is called.
    return redirect(_start_payment(order_id))


@bp.post("/checkout/find-commune")
def find_commune():
    """Without JavaScript, "Find" posts the checkout form here: the communes of the chosen
    province matching what was typed come back as a choice, everything typed is kept, and
    nothing is placed."""
    view = view_cart(current_cart(), today=local_today())
    if view.is_empty or view.has_problems:
        return redirect(url_for("cart.show"))
    form = _form(view)
    if not view.delivers:
        return _render(form, view)
    form.find_commune()
    return _render(form, view)


def _order_url(order: Order, **params) -> str:
    return url_for(
        "checkout.order_detail", reference=order.reference, token=order.access_token, **params
    )


def _start_payment(order_id: int) -> str:
    """Open a payment attempt for a committed order and hand the shopper to its provider;
    returns where to send them. Three steps, the provider call outside any write transaction:
    record the attempt and commit; call the provider; record its answer and commit. If the
    provider fails, the order keeps waiting for payment and its page offers "Try again"."""
    begin_write_transaction(db.session)
    order = db.session.get(Order, order_id)
    order_url = _order_url(order)
    try:
        request_ = open_attempt(
            order_id,
            now=utcnow(),
            success_url=absolute_url(
                "checkout.order_detail",
                reference=order.reference,
                token=order.access_token,
                returned="1",
            ),
            cancel_url=absolute_url(
                "checkout.order_detail", reference=order.reference, token=order.access_token
            ),
        )
    except PaymentNotAllowed as error:
        db.session.rollback()
        if error.details.get("reason") == "attempt_open":
            # The same "Try again" twice: back to the payment page already opened.
            if error.details.get("redirect_url"):
                return error.details["redirect_url"]
            flash(_("Your payment is being opened; please wait a moment."), "info")
            return order_url
        flash(_("This order is no longer waiting for payment."), "info")
        return order_url
    if request_ is None:  # paid on delivery: nothing to start
        db.session.rollback()
        return order_url
    db.session.commit()
    try:
        started = get_provider(request_.provider).start(request_)
    except ProviderError:
        log.exception("payment %s could not be started", request_.payment_id)
        begin_write_transaction(db.session)
        attempt_not_started(request_.payment_id)
        db.session.commit()
        flash(
            _(
                "The payment service could not be reached; nothing was charged. Your order is "
                "reserved: please try again."
            ),
            "error",
        )
        return order_url
    begin_write_transaction(db.session)
    recorded = attempt_started(request_.payment_id, started)
    db.session.commit()
    return started.redirect_url if recorded else order_url


def _load_order(reference: str) -> Order:
    order = find_order(reference)
    if order is None:
        abort(404)
    return order


def can_view(order: Order, token: str | None) -> bool:
    if token and hmac.compare_digest(token, order.access_token):
        return True
    if current_user.is_authenticated:
        return order.user_id == current_user.id or current_user.role == "admin"
    return False


def _viewable_order(reference: str) -> tuple[Order, str | None]:
    order = _load_order(reference)
    token = request.values.get("token")
    if not can_view(order, token):
        abort(404)
    return order, token


@bp.get("/orders/<reference>")
def order_detail(reference: str):
    order, token = _viewable_order(reference)
    pending = latest = None
    provider = get_provider(order.payment_method)
    if provider.collects_online:
        latest = latest_payment(order)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            pending = open_payment(order)
    holds = reservation_holds(order, utcnow())
    last_failed = latest is not None and latest.status == PaymentStatus.FAILED
    bundles = order_bundles(order)
    return render_template(
        "orders/order_detail.html",
        bookings=_booking_panels(order),
        bundles=bundles,
        bundle_of_group={b.group: b.bundle for b in bundles},
        package_of_booking={i: b.bundle for b in bundles for i in b.booking_ids},
        order=order,
        token=order.access_token if token else None,
        pending=pending,
        last_failed=last_failed,
        transfer=transfer_details(order),
        can_retry=holds and pending is None and provider.starts_attempts,
        can_restore=order.status in (OrderStatus.EXPIRED, OrderStatus.PAYMENT_FAILED)
        or (holds and pending is None and last_failed),
        action_form=EmptyForm(),
        returned=request.args.get("returned") == "1",
        invoicing=order_invoicing(order),
    )


@dataclass
class BookingPanel:
    """A booking on its order page: what cancelling now gives back, where it may move."""

    booking: Booking
    lines: list
    preview: RefundPreview | None
    moves: list
    can_cancel: bool


def _booking_panels(order: Order) -> list[BookingPanel]:
    now = utcnow()
    panels = []
    for booking in order_bookings(order.id):
        confirmed = booking.status == BookingStatus.CONFIRMED
        started = now >= aware(booking.session.starts_at)
        panels.append(
            BookingPanel(
                booking=booking,
                lines=[line for line in order.lines if line.booking_id == booking.id],
                preview=refund_preview(booking, now) if confirmed and not started else None,
                moves=move_options(booking, now)
                if confirmed and now < aware(booking.cutoff_at)
                else [],
                can_cancel=confirmed and not started,
            )
        )
    return panels


def _viewable_booking(reference: str, booking_id: int) -> tuple[Order, str | None, Booking]:
    order, token = _viewable_order(reference)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.order_id != order.id:
        abort(404)
    return order, token, booking


@bp.post("/orders/<reference>/bookings/<int:booking_id>/cancel")
def cancel_booking_by_tourist(reference: str, booking_id: int):
    """The tourist cancels a booking within its rules. The amount the page promised is posted
    back: if a refund deadline passed meanwhile, nothing happens and the page says the new
    amount, so nobody gets less than they agreed to without seeing it."""
    order, _token, booking = _viewable_booking(reference, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    promised = parse_int(request.form.get("expected_vnd"))
    order_url = _order_url(order)
    begin_write_transaction(db.session)
    try:
        booking = db.session.get(Booking, booking_id)
        if promised is not None and refund_preview(booking, utcnow()).amount_vnd != promised:
            db.session.rollback()
            flash(_("The refund for this booking has changed; check the new amount."), "error")
            return redirect(order_url + f"#booking-{booking_id}")
        cancelled = cancel_booking(
            booking_id,
            percent=None,
            actor="customer",
            actor_id=current_user.id if current_user.is_authenticated else None,
            reason=_("Cancelled by the guest"),
            now=utcnow(),
        )
    except (BookingNotAllowed, InvalidTransition):
        db.session.rollback()
        flash(_("This booking can no longer be cancelled."), "error")
        return redirect(order_url + f"#booking-{booking_id}")
    db.session.commit()
    if cancelled.refund_id is not None:
        _send_refund(cancelled.refund_id)
    if cancelled.amount_vnd:
        flash(
            _(
                "Your booking is cancelled; %(amount)s is on its way back to you.",
                amount=format_vnd(cancelled.amount_vnd),
            ),
            "success",
        )
    else:
        flash(_("Your booking is cancelled."), "success")
    return redirect(order_url + f"#booking-{booking_id}")


def _send_refund(refund_id: int) -> None:
    """Send a recorded refund and commit; a provider that fails leaves it pending for the
    office (it is on the order's page and in the office's list)."""
    begin_write_transaction(db.session)
    try:
        send_refund(db.session.get(Refund, refund_id), actor="customer")
    except Exception:  # the provider's errors must not lose the recorded refund
        db.session.rollback()
        log.exception("refund %s could not be sent", refund_id)
        return
    db.session.commit()


@bp.post("/orders/<reference>/bookings/<int:booking_id>/move")
def move_booking_by_tourist(reference: str, booking_id: int):
    """Move a booking to another date of the same experience (before the cut-off)."""
    order, _token, booking = _viewable_booking(reference, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session_id = parse_int(request.form.get("session_id"))
    order_url = _order_url(order) + f"#booking-{booking_id}"
    if session_id is None:
        flash(_("Choose the new date."), "error")
        return redirect(order_url)
    begin_write_transaction(db.session)
    try:
        lock_order(order.id)
        move_booking(db.session.get(Booking, booking_id), session_id, now=utcnow())
        queue_order_email(order, "booking_moved", booking=db.session.get(Booking, booking_id))
    except SessionFull:
        db.session.rollback()
        flash(_("That date has just sold out; choose another."), "error")
        return redirect(order_url)
    except (BookingNotAllowed, SessionUnavailable, InvalidTransition):
        db.session.rollback()
        flash(_("This booking cannot be moved to that date."), "error")
        return redirect(order_url)
    db.session.commit()
    flash(_("Your booking is moved; here is your new ticket."), "success")
    return redirect(order_url)


@bp.post("/orders/<reference>/pay")
def pay_again(reference: str):
    """The "Try again" button: a new payment attempt while the reservation still holds."""
    order, _token = _viewable_order(reference)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return redirect(_start_payment(order.id))


@bp.post("/orders/<reference>/restore-cart")
def restore_cart(reference: str):
    """ "Put these back in my cart": the lines of an unpaid order go back into the shopper's cart
    (what can still be bought, up to the line limit). An order still holding its stock after a
    failed payment gives it back first (payment failed, stock released once)."""
    order, _token = _viewable_order(reference)
    if not EmptyForm().validate_on_submit():
        abort(400)
    order_id = order.id
    begin_write_transaction(db.session)
    order = lock_order(order_id)
    if order.status == OrderStatus.AWAITING_PAYMENT and open_payment(order) is None:
        mark_payment_failed(order, actor="customer", reason="put back in the cart")
    if order.status not in (OrderStatus.EXPIRED, OrderStatus.PAYMENT_FAILED):
        db.session.rollback()
        flash(_("Only an expired or unpaid order can go back into the cart."), "info")
        return redirect(_order_url(order))
    # Goods bought alone go back; a bundle's parts do not go back one by one at list prices;
    # seats bought alone go back as the same party on the same session, if it can still be
    # booked.
    alone = [line for line in order.lines if line.bundle_id is None]
    lines = [(line.product_id, line.quantity) for line in alone if line.kind == LineKind.PRODUCT]
    parties: dict[int, dict[int, int]] = {}
    for line in alone:
        if line.kind == LineKind.SEATS:
            parties.setdefault(line.session_id, {})[line.unit_type_id] = line.quantity
    cart = current_cart(create=True)
    skipped = len({line.bundle_group for line in order.lines if line.bundle_id is not None})
    for session_id, party in parties.items():
        try:
            with db.session.begin_nested():
                add_seats(cart, session_id, party, now=utcnow())
        except ShopError:
            skipped += 1
    for product_id, quantity in lines:
        existing = next((line for line in cart.lines if line.product_id == product_id), None)
        missing = quantity - (existing.quantity if existing else 0)
        if missing < 1:
            continue  # already in the cart (put back before)
        try:
            with db.session.begin_nested():
                add_to_cart(
                    cart,
                    product_id,
                    missing,
                    today=local_today(),
                    max_quantity=current_app.config["MAX_LINE_QUANTITY"],
                    adult_confirmed=True,  # confirmed at this order's checkout
                    now=utcnow(),
                )
        except ShopError:
            skipped += 1
    db.session.commit()
    if skipped:
        flash(
            _(
                "Some products could not go back into your cart: they are sold out or no "
                "longer on sale."
            ),
            "info",
        )
    else:
        flash(_("The products of this order are back in your cart."), "success")
    return redirect(url_for("cart.show"))


@bp.get("/account/orders")
@login_required
def my_orders():
    orders = db.session.scalars(
        select(Order).where(Order.user_id == current_user.id).order_by(Order.id.desc()).limit(100)
    ).all()
    return render_template("orders/my_orders.html", orders=orders)
