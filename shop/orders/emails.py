"""Order e-mails (placed, paid, payment failed, shipped, refunded), in the order's language,
through the outbox."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext

from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.orders.models import Order, ProducerOrder
from shop.templating import localized_in
from shop.tourism.services import order_bookings
from shop.urls import absolute_url


def order_link(order: Order) -> str:
    """The signed link to the order: a guest reaches it with the order's access token."""
    return absolute_url(
        "checkout.order_detail",
        reference=order.reference,
        token=order.access_token,
        lang=order.locale,
    )


SUBJECTS = {
    "placed": lambda ref: gettext("Order %(reference)s received", reference=ref),
    "paid": lambda ref: gettext("Payment received for order %(reference)s", reference=ref),
    "shipped": lambda ref: gettext("A parcel of order %(reference)s is on its way", reference=ref),
    "refunded": lambda ref: gettext("Refund for order %(reference)s", reference=ref),
    "payment_failed": lambda ref: gettext(
        "Payment for order %(reference)s did not go through", reference=ref
    ),
    "booking_cancelled": lambda ref: gettext(
        "A booking of order %(reference)s is cancelled", reference=ref
    ),
    "booking_moved": lambda ref: gettext(
        "A booking of order %(reference)s has a new date", reference=ref
    ),
}


def queue_order_email(
    order: Order,
    kind: str,
    *,
    parcel: ProducerOrder | None = None,
    amount_vnd: int | None = None,
    booking=None,
) -> None:
    """Render the e-mail now (in the order's language) and write it to the outbox in the
    current transaction: it is delivered once the commit succeeds, and never otherwise."""
    with speaking(order.locale):
        subject = SUBJECTS[kind](order.reference)
        body = render_template(
            f"email/order_{kind}.txt",
            order=order,
            parcel=parcel,
            amount_vnd=amount_vnd,
            booking=booking,
            bookings=order_bookings(order.id),
            link=order_link(order),
        )
    send_email(order.email, subject, body, key=_idempotency_key(order, kind, parcel))


def _idempotency_key(order: Order, kind: str, parcel: ProducerOrder | None) -> str | None:
    """E-mails that happen once per order (or parcel) get a key naming them, so a repeat of the
    same step cannot send a second copy; others (refunds, …) get a fresh key each."""
    if kind in ("placed", "paid"):
        return f"order-{order.reference}-{kind}"
    if kind == "shipped" and parcel is not None and parcel.id is not None:
        return f"order-{order.reference}-shipped-{parcel.id}"
    return None


def queue_send_home_email(booking, *, today) -> None:
    """After check-in: "send home what you tasted" — the goods made where the tourist has just
    been, to order for delivery anywhere. Once per booking, in the booking's language, never
    with the guests' personal data."""
    from shop.tourism.queries import goods_from

    order = db.session.get(Order, booking.order_id)
    experience = booking.session.experience
    goods = goods_from(experience, today=today)
    if not goods:
        return
    with speaking(booking.locale):
        subject = gettext(
            "Send home what you tasted at %(experience)s",
            experience=localized_in(experience, "name", booking.locale),
        )
        body = render_template(
            "email/booking_send_home.txt",
            order=order,
            booking=booking,
            experience=experience,
            goods=goods,
            link=absolute_url(
                "tickets.ticket",
                code=booking.ticket.code,
                lang=booking.locale,
                _anchor="send-home",
            ),
        )
    send_email(order.email, subject, body, key=f"booking-{booking.id}-send-home")
