"""Open payment attempts in tests the way the checkout does (record, call the provider, record)."""

from __future__ import annotations

from datetime import UTC, timedelta
from unittest.mock import patch

from shop.extensions import db
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.providers import StartedPayment, get_provider
from shop.payments.services import attempt_started, open_attempt


def start_attempt(
    order: Order,
    *,
    session_id: str | None = None,
    provider: str | None = None,
    call_provider: bool = False,
    now=None,
    alongside_open: bool = False,
) -> Payment:
    """A pending attempt for ``order`` (on ``provider``, default the order's). The provider is
    not called unless ``call_provider``: it answers with ``session_id`` (demo: the demo's own
    reference). ``alongside_open`` opens it even while another attempt is open."""
    if now is None:  # just inside the order's reservation, whenever it was placed
        expires = order.expires_at
        now = (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) - timedelta(seconds=1)
    if alongside_open:
        # A second session beside an open one: the checkout no longer opens one (see
        # ``_refuse_a_second_open_attempt``), but one opened before that rule, or past its grace
        # period, can still be paid, and the webhook must handle it.
        with patch("shop.payments.services._refuse_a_second_open_attempt"):
            request = open_attempt(
                order.id, now=now, success_url="http://t/ok", cancel_url="http://t/no"
            )
    else:
        request = open_attempt(
            order.id, now=now, success_url="http://t/ok", cancel_url="http://t/no"
        )
    if call_provider:
        started = get_provider(request.provider).start(request)
    else:
        reference = session_id or f"demo_{request.idempotency_key}"
        started = StartedPayment(
            provider_reference=reference, redirect_url=f"http://pay/{reference}"
        )
    payment = db.session.get(Payment, request.payment_id)
    if provider is not None:
        payment.provider = provider
    db.session.flush()
    attempt_started(payment.id, started)
    db.session.refresh(payment)
    return payment
