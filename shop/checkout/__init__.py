"""Checkout: contact, address, delivery, payment choice; placing the order; the order pages."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from shop.checkout import routes  # noqa: E402, F401


@bp.record_once
def _register_order_labels(state) -> None:
    from shop.orders.labels import (
        order_status_label,
        parcel_schedule,
        parcel_status_label,
        payment_method_label,
    )

    for helper in (
        order_status_label,
        parcel_status_label,
        payment_method_label,
        parcel_schedule,
    ):
        state.app.add_template_global(helper, helper.__name__)
