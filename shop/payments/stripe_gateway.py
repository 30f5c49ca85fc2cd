"""The only module that talks to Stripe: a thin wrapper that returns plain data.

Amounts are integer đồng: VND is a zero-decimal currency in Stripe, so 150.000 ₫ is ``150000``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import stripe

from shop.payments.webhook_shape import MalformedWebhook, check_event

WEBHOOK_TOLERANCE_SECONDS = 300


class WebhookSignatureError(Exception):
    """The payload is not signed with our webhook secret, or the signature is stale."""


class GatewayError(Exception):
    """Stripe could not be reached or refused the request (network, API or card error)."""


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount_vnd: int
    quantity: int


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        addresses = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(
            secret_key, base_addresses=addresses, http_client=http_client, max_network_retries=2
        )

    def create_checkout_session(
        self,
        *,
        order_reference: str,
        lines: list[CheckoutLine],
        customer_email: str,
        locale: str,
        expires_at: int,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> CheckoutSession:
        """``order_reference`` is the client reference (an order's, or a group's of orders);
        ``metadata`` defaults to ``{"order_reference": order_reference}``."""
        metadata = metadata or {"order_reference": order_reference}
        params = {
            "mode": "payment",
            "client_reference_id": order_reference,
            "customer_email": customer_email,
            "locale": locale,
            "expires_at": expires_at,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": "vnd",
                        "unit_amount": line.unit_amount_vnd,
                        "product_data": {"name": line.name},
                    },
                }
                for line in lines
            ],
        }
        try:
            session = self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return CheckoutSession(id=session.id, url=session.url)

    def expire_checkout_session(self, session_id: str, *, idempotency_key: str) -> None:
        """Close an open Checkout Session (Stripe refuses one already completed or expired)."""
        try:
            self._client.v1.checkout.sessions.expire(
                session_id, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc

    def refund(
        self, *, payment_intent: str, amount_vnd: int, idempotency_key: str, metadata: dict
    ) -> str:
        try:
            refund = self._client.v1.refunds.create(
                params={
                    "payment_intent": payment_intent,
                    "amount": amount_vnd,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return refund.id

    def create_transfer(
        self,
        *,
        amount_vnd: int,
        destination: str,
        transfer_group: str,
        metadata: dict,
        idempotency_key: str,
    ) -> str:
        """A Connect transfer from the platform's balance to a connected account; its id."""
        try:
            transfer = self._client.v1.transfers.create(
                params={
                    "amount": amount_vnd,
                    "currency": "vnd",
                    "destination": destination,
                    "transfer_group": transfer_group,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return transfer.id

    def reverse_transfer(
        self, transfer_id: str, *, amount_vnd: int, metadata: dict, idempotency_key: str
    ) -> str:
        """Take ``amount_vnd`` of a transfer back from the connected account; the reversal's id."""
        try:
            reversal = self._client.v1.transfers.reversals.create(
                transfer_id,
                params={"amount": amount_vnd, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(str(exc)) from exc
        return reversal.id


def parse_webhook(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """Verify the signature on the raw body (5-minute tolerance) and return the event as a dict.

    ``WebhookSignatureError`` when the signature is wrong, ``MalformedWebhook`` when a signed
    event is not the JSON object its type promises (see ``webhook_shape``).
    """
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookSignatureError(str(exc)) from exc
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise MalformedWebhook("the body is not JSON") from exc
    return check_event(event)
