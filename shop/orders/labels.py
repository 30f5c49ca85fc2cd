"""Words for order, parcel and payment states, in the shopper's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ORDER_STATUS = {
    "awaiting_payment": _l("Awaiting payment"),
    "placed": _l("Placed (cash on delivery)"),
    "paid": _l("Paid"),
    "completed": _l("Completed"),
    "expired": _l("Expired (not paid in time)"),
    "payment_failed": _l("Payment failed"),
    "cancelled": _l("Cancelled"),
    "partially_refunded": _l("Partly refunded"),
    "refunded": _l("Refunded"),
}
PARCEL_STATUS = {
    "pending": _l("Waiting for payment"),
    "new": _l("New"),
    "confirmed": _l("Confirmed by the producer"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
}
PAYMENT_METHOD = {
    "stripe": _l("Card (Stripe)"),
    "demo": _l("Demo payment"),
    "cod": _l("Cash on delivery"),
}


def order_status_label(status: str) -> str:
    return str(ORDER_STATUS.get(status, status))


def parcel_status_label(status: str) -> str:
    return str(PARCEL_STATUS.get(status, status))


def payment_method_label(method: str) -> str:
    return str(PAYMENT_METHOD.get(method, method))
