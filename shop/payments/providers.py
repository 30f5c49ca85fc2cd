"""Which online provider takes payments, and the configured Stripe gateway."""

from __future__ import annotations

from flask import current_app

from shop.orders.models import PaymentMethod
from shop.payments.stripe_gateway import StripeGateway


def online_method() -> PaymentMethod:
    """Stripe when a secret key is configured, else the demo provider."""
    return (
        PaymentMethod.STRIPE
        if current_app.config.get("STRIPE_SECRET_KEY")
        else (PaymentMethod.DEMO)
    )


def stripe_gateway() -> StripeGateway | None:
    """The gateway for the configured key (tests may put a fake HTTP client in
    ``app.extensions["stripe_http_client"]``); None when Stripe is not configured."""
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        return None
    return StripeGateway(
        key,
        api_base=current_app.config.get("STRIPE_API_BASE") or None,
        http_client=current_app.extensions.get("stripe_http_client"),
    )
