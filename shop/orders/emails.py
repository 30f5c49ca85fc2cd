"""Order e-mails (placed, paid, payment failed, shipped, refunded), in the order's language,
sent on commit."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from shop.extensions import db
from shop.mail import send_email
from shop.notify import after_commit
from shop.orders.models import Order, ProducerOrder


def order_link(order: Order) -> str:
    """The signed link to the order: a guest reaches it with the order's access token."""
    base = current_app.config["SITE_URL"].rstrip("/")
    return f"{base}/orders/{order.reference}?token={order.access_token}&lang={order.locale}"


SUBJECTS = {
    "placed": lambda ref: gettext("Order %(reference)s received", reference=ref),
    "paid": lambda ref: gettext("Payment received for order %(reference)s", reference=ref),
    "shipped": lambda ref: gettext("A parcel of order %(reference)s is on its way", reference=ref),
    "refunded": lambda ref: gettext("Refund for order %(reference)s", reference=ref),
    "payment_failed": lambda ref: gettext(
        "Payment for order %(reference)s did not go through", reference=ref
    ),
}


def queue_order_email(
    order: Order, kind: str, *, parcel: ProducerOrder | None = None, amount_vnd: int | None = None
) -> None:
    """Render the e-mail now (in the order's language) and send it once the commit succeeds."""
    with force_locale(order.locale):
        subject = SUBJECTS[kind](order.reference)
        body = render_template(
            f"email/order_{kind}.txt",
            order=order,
            parcel=parcel,
            amount_vnd=amount_vnd,
            link=order_link(order),
        )
    to = order.email
    after_commit(db.session(), lambda: send_email(to, subject, body))
