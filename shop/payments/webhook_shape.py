"""The shape of a Stripe event, checked after its signature and before it is dispatched.

A correctly signed event can still be malformed (a bug or an API change on Stripe's side, a
test sent by hand from the dashboard). It is refused with a 400 and a stable code before
anything is written, instead of failing half-way with a 500.
"""

from __future__ import annotations

from typing import Any

# The lengths of the columns the values end up in (webhook_event, payment).
ID_MAX = 255
TYPE_MAX = 80
# Amounts are written to INTEGER columns.
AMOUNT_MAX = 2**31 - 1

CHECKOUT_SESSION_TYPES = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


class MalformedWebhook(Exception):
    """A signed event that does not have the shape its type promises; ``str()`` says why."""


def _text(obj: dict, key: str, *, required: bool = False, longest: int = ID_MAX) -> None:
    value = obj.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > longest:
        raise MalformedWebhook(f"{key}: expected a string of 1 to {longest} characters")


def _amount(obj: dict, key: str) -> None:
    value = obj.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= AMOUNT_MAX:
        raise MalformedWebhook(f"{key}: expected a whole number from 0 to {AMOUNT_MAX}")


def _checkout_session(session: dict) -> None:
    _text(session, "id", required=True)
    _text(session, "payment_status")
    _text(session, "currency", longest=3)
    _text(session, "payment_intent")
    _text(session, "client_reference_id")
    _amount(session, "amount_total")
    metadata = session.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        raise MalformedWebhook("metadata: expected an object of strings")


def _charge(charge: dict) -> None:
    _text(charge, "payment_intent")
    _amount(charge, "amount_refunded")


OBJECT_CHECKS = {
    **dict.fromkeys(CHECKOUT_SESSION_TYPES, _checkout_session),
    "charge.refunded": _charge,
}


def check_event(event: Any) -> dict[str, Any]:
    """``event`` when it is an object with an id, a type and ``data.object`` of the right shape
    for its type; else ``MalformedWebhook``."""
    if not isinstance(event, dict):
        raise MalformedWebhook("the event is not a JSON object")
    _text(event, "id", required=True)
    _text(event, "type", required=True, longest=TYPE_MAX)
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedWebhook("data.object: expected an object")
    check = OBJECT_CHECKS.get(event["type"])
    if check is not None:
        check(data["object"])
    return event
