"""Checkout and the order pages a shopper sees."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.cart.routes import current_cart
from shop.cart.services import consume_cart, view_cart
from shop.checkout import bp
from shop.checkout.forms import CheckoutForm, is_checkout_token, new_checkout_token
from shop.db import begin_write_transaction, utcnow
from shop.errors import (
    AgeConfirmationRequired,
    CartChanged,
    DeliveryNotPossible,
    InvalidQuantity,
    OutOfStock,
    PaymentNotAllowed,
    ProductUnavailable,
    ShopError,
)
from shop.extensions import db
from shop.money import format_vnd
from shop.orders.models import Order, OrderStatus, PaymentMethod
from shop.orders.services import (
    Contact,
    LineRequest,
    OrderRules,
    find_order,
    find_order_by_checkout_token,
    place_order,
    plan_order,
)
from shop.payments.models import Payment, PaymentStatus
from shop.payments.providers import online_method, stripe_gateway
from shop.payments.services import ReturnUrls, start_demo_payment, start_stripe_payment
from shop.templating import current_lang, local_today
from shop.urls import absolute_url

log = logging.getLogger(__name__)


def order_rules() -> OrderRules:
    config = current_app.config
    return OrderRules(
        standard_fee_vnd=config["DELIVERY_STANDARD_FEE_VND"],
        chilled_fee_vnd=config["DELIVERY_CHILLED_FEE_VND"],
        payment_ttl=timedelta(minutes=config["ORDER_PAYMENT_TTL_MINUTES"]),
        max_line_quantity=config["MAX_LINE_QUANTITY"],
        cod_max_vnd=config["COD_MAX_VND"],
    )


def payment_choices() -> list[tuple[str, str]]:
    online = online_method()
    label = (
        _("Card (Stripe, secure payment page)")
        if online is PaymentMethod.STRIPE
        else _("Demo payment (no money moves)")
    )
    return [(str(online), label), (str(PaymentMethod.COD), _("Cash on delivery"))]


def _form(view) -> CheckoutForm:
    form = CheckoutForm()
    form.payment_method.choices = payment_choices()
    if request.method == "GET":
        form.checkout_token.data = new_checkout_token()
        form.payment_method.data = str(online_method())
        if current_user.is_authenticated:
            form.email.data = form.email.data or current_user.email
            form.recipient_name.data = form.recipient_name.data or current_user.name
            form.phone.data = form.phone.data or current_user.phone
    return form


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
    if isinstance(error, DeliveryNotPossible):
        return _("Fresh and chilled goods from one of your producers cannot reach this province.")
    if isinstance(error, PaymentNotAllowed):
        if "limit" in error.details:
            return _(
                "Cash on delivery is available up to %(limit)s.",
                limit=format_vnd(error.details["limit"]),
            )
        if "minimum" in error.details:
            return _("Card payments take totals from 20.000 ₫ to 99.999.999 ₫.")
        return _("Cash on delivery is not available for pre-orders.")
    if isinstance(error, AgeConfirmationRequired):
        return _("Please confirm that you are 18 or over to buy alcohol.")
    if isinstance(error, InvalidQuantity):
        return _("One of the quantities is not allowed; please check your cart.")
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


def _order_page(order: Order) -> str:
    return url_for("checkout.order_detail", reference=order.reference, token=order.access_token)


def _placed_by(token: str | None) -> Order | None:
    """The order this checkout submission already placed, if any."""
    return find_order_by_checkout_token(token) if is_checkout_token(token) else None


@bp.route("/checkout", methods=["GET", "POST"])
def start():
    token = request.form.get("checkout_token") if request.method == "POST" else None
    if (placed := _placed_by(token)) is not None:
        return redirect(_order_page(placed))  # the same submission again: its order
    cart = current_cart()
    view = view_cart(cart, today=local_today(), now=utcnow())
    if not view.lines or view.has_problems:
        return redirect(url_for("cart.show"))
    form = _form(view)
    if request.method == "GET" or not form.validate():
        expired = form.checkout_token.errors[0] if form.checkout_token.errors else None
        return _render(form, view, expired, status=200 if request.method == "GET" else 400)
    if view.needs_adult_confirmation and not form.adult_confirmed.data:
        form.adult_confirmed.errors.append(
            _("Please confirm that you are 18 or over to buy alcohol.")
        )
        return _render(form, view, status=400)

    method = PaymentMethod(form.payment_method.data)
    address = form.clean_address
    contact = Contact(
        email=form.email.data.lower(),
        phone=form.clean_phone,
        recipient_name=form.recipient_name.data,
        province=address.province.name,
        commune=address.commune.name,
        province_code=address.province.code,
        commune_code=address.commune.code,
        street=form.street.data,
        locale=current_lang(),
        note=form.note.data or None,
    )
    lines = [LineRequest(v.product.id, v.line.quantity) for v in view.lines]
    taken = {v.line.id: v.line.quantity for v in view.lines}
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
        )
        order = place_order(plan, now=utcnow(), user_id=user_id, checkout_token=token)
        redirect_to = _start_payment(order, method)
    except (CartChanged, IntegrityError) as error:
        db.session.rollback()
        if (placed := _placed_by(token)) is not None:
            return redirect(_order_page(placed))
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
    ) as error:
        db.session.rollback()
        field = _error_field(error)
        message = _message(error, view)
        if field:
            getattr(form, field).errors.append(message)
            message = None
        return _render(form, view, message, status=409 if isinstance(error, OutOfStock) else 400)
    db.session.commit()
    return redirect(redirect_to)


@bp.post("/checkout/find-commune")
def find_commune():
    """Without JavaScript, "Find" posts the checkout form here: the communes of the chosen
    province matching what was typed come back as a choice, everything typed is kept, and
    nothing is placed."""
    view = view_cart(current_cart(), today=local_today())
    if not view.lines or view.has_problems:
        return redirect(url_for("cart.show"))
    form = _form(view)
    form.find_commune()
    return _render(form, view)


def _start_payment(order: Order, method: PaymentMethod) -> str:
    status_url = url_for(
        "checkout.order_detail", reference=order.reference, token=order.access_token
    )
    if method is PaymentMethod.COD:
        return status_url
    if method is PaymentMethod.STRIPE:
        payment = start_stripe_payment(
            order,
            gateway=stripe_gateway(),
            urls=ReturnUrls(
                success=absolute_url(
                    "checkout.order_detail",
                    reference=order.reference,
                    token=order.access_token,
                    returned="1",
                ),
                cancel=absolute_url(
                    "checkout.order_detail", reference=order.reference, token=order.access_token
                ),
            ),
        )
        return payment.redirect_url
    payment = start_demo_payment(order)
    return url_for(
        "payments.demo_payment", reference=payment.provider_reference, token=order.access_token
    )


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


@bp.get("/orders/<reference>")
def order_detail(reference: str):
    order = _load_order(reference)
    token = request.args.get("token")
    if not can_view(order, token):
        abort(404)
    pending = None
    if order.status == OrderStatus.AWAITING_PAYMENT:
        pending = db.session.scalar(
            select(Payment)
            .where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
            .order_by(Payment.id.desc())
        )
    return render_template(
        "orders/order_detail.html",
        order=order,
        token=order.access_token if token else None,
        pending=pending,
        returned=request.args.get("returned") == "1",
    )


@bp.get("/account/orders")
@login_required
def my_orders():
    orders = db.session.scalars(
        select(Order).where(Order.user_id == current_user.id).order_by(Order.id.desc()).limit(100)
    ).all()
    return render_template("orders/my_orders.html", orders=orders)
