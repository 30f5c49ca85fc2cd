"""Stripe webhook handling: verify → dedupe → dispatch.

The event id is stored in the same transaction as the event's effect (unique per provider), so
a replayed, duplicated or concurrently delivered event changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from shop.errors import PaymentMismatch
from shop.extensions import db
from shop.orders.models import PaymentMethod
from shop.payments.groups import group_expired, group_failed, group_payments, group_succeeded
from shop.payments.models import WebhookEvent
from shop.payments.services import (
    find_payment,
    payment_expired,
    payment_failed,
    payment_succeeded,
    record_external_refund,
)

log = logging.getLogger(__name__)
ACTOR = "webhook:stripe"


def _session_payment(session: dict):
    """The payment of one order this session is for, or the payments of the orders it pays
    together (a gift batch paid by card): ``(payment, [])`` or ``(None, members)``."""
    session_id = session.get("id", "")
    payment = find_payment(PaymentMethod.STRIPE, session_id)
    if payment is not None:
        return payment, []
    members = group_payments(PaymentMethod.STRIPE, session_id)
    if not members:
        log.warning("stripe session %s matches no payment", session_id)
    return None, members


def _session_completed(session: dict) -> None:
    if session.get("payment_status") != "paid":
        _session_payment(session)  # logs a session that matches nothing
        return  # delayed methods: async_payment_succeeded / _failed follows
    _succeed(session)


def _async_succeeded(session: dict) -> None:
    _succeed(session)


def _succeed(session: dict) -> None:
    payment, members = _session_payment(session)
    money = {
        "amount_vnd": int(session.get("amount_total") or 0),
        "currency": str(session.get("currency") or ""),
        "actor": ACTOR,
        "provider_payment_id": session.get("payment_intent"),
    }
    if payment is not None:
        payment_succeeded(payment, **money)
    elif members:
        group_succeeded(members, **money)


def _async_failed(session: dict) -> None:
    payment, members = _session_payment(session)
    if payment is not None:
        payment_failed(payment, actor=ACTOR, reason="delayed payment failed")
    elif members:
        group_failed(members, actor=ACTOR, reason="delayed payment failed")


def _session_expired(session: dict) -> None:
    payment, members = _session_payment(session)
    if payment is not None:
        payment_expired(payment, actor=ACTOR)
    elif members:
        group_expired(members, actor=ACTOR)


def _charge_refunded(charge: dict) -> None:
    record_external_refund(
        payment_intent=str(charge.get("payment_intent") or ""),
        amount_refunded_vnd=int(charge.get("amount_refunded") or 0),
        actor=ACTOR,
    )


HANDLERS: dict[str, Callable[[dict], None]] = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _async_succeeded,
    "checkout.session.async_payment_failed": _async_failed,
    "checkout.session.expired": _session_expired,
    "charge.refunded": _charge_refunded,
}


def handle_stripe_event(event: dict) -> str:
    """Apply a verified event and commit; returns what happened (for the log and the tests)."""
    handler = HANDLERS.get(event.get("type", ""))
    db.session.add(
        WebhookEvent(provider="stripe", event_id=event["id"], event_type=event.get("type", ""))
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    outcome = "ignored"
    if handler is not None:
        try:
            handler(event["data"]["object"])
            outcome = "handled"
        except PaymentMismatch:
            outcome = "flagged"  # the order was flagged for review; keep that and the event
    try:
        db.session.commit()
    except IntegrityError:  # another delivery of the same event committed first
        db.session.rollback()
        return "duplicate"
    log.info("stripe event %s (%s): %s", event["id"], event.get("type"), outcome)
    return outcome
