"""Words for order, parcel and payment states, in the shopper's language."""

from __future__ import annotations

from flask_babel import gettext as _
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
    "bank_transfer": _l("Bank transfer (VietQR)"),
    "partner_account": _l("Partner account (invoiced to the partner)"),
}


def order_status_label(status: str) -> str:
    return str(ORDER_STATUS.get(status, status))


def parcel_status_label(status: str) -> str:
    return str(PARCEL_STATUS.get(status, status))


def payment_method_label(method: str) -> str:
    return str(PAYMENT_METHOD.get(method, method))


def parcel_schedule(parcel, today=None) -> str:
    """What to say about when a parcel goes: each status its own words. Only a parcel still to
    be sent speaks of its pre-order date; a shipped, delivered or cancelled one never does."""
    from shop.templating import local_today, localdate

    status = parcel.status
    if status == "shipped":
        return (
            _("Shipped on %(date)s", date=localdate(parcel.shipped_at)) if parcel.shipped_at else ""
        )
    if status == "delivered":
        return (
            _("Delivered on %(date)s", date=localdate(parcel.delivered_at))
            if parcel.delivered_at
            else ""
        )
    if status == "cancelled" or parcel.ships_from is None:
        return ""
    ships_from = parcel.ships_from.date()
    if ships_from <= (today or local_today()):
        return ""
    if parcel.may_ship_early:
        return _(
            "Pre-order for %(date)s; the office allowed it to ship earlier",
            date=localdate(ships_from),
        )
    return _("Pre-order: ships from %(date)s", date=localdate(ships_from))
