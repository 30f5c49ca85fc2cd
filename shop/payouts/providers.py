"""Payout providers behind one registry, as payment providers are (``shop.payments.providers``).

A payout provider moves an approved payout's money to the producer: a bank transfer (the
default: the office pays a batch from the bank and marks each payout paid, or a bank statement
reconciles it) or a Stripe Connect transfer (for a producer with a connected account). The
payout records which provider sends it; nothing outside this module asks which one a producer
uses. Provider calls talk to the outside world, so they run outside any write transaction and
get plain data (``PayoutRequest``), never database rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.errors import ShopError

# The transfer note a payout carries: ASCII, at most 25 characters (VietQR's purpose field).
REFERENCE_PREFIX = "OCOP PO"


def payout_reference(payout_id: int) -> str:
    """The reference a payout's transfer carries, e.g. ``OCOP PO000123``."""
    return f"{REFERENCE_PREFIX}{payout_id:06d}"


class PayoutProviderError(ShopError):
    """The provider refused or could not be reached; no money moved."""

    code = "payout_provider_error"
    status = 502


@dataclass(frozen=True)
class PayoutRequest:
    payout_id: int
    producer_id: int
    amount_vnd: int
    reference: str
    # The same payout is never sent twice: a provider that takes one uses it.
    idempotency_key: str
    # Where the money goes at the provider (a Stripe connected account), when it has one.
    destination: str | None = None


@dataclass(frozen=True)
class SentPayout:
    # The provider's id for the transfer; None when the money leaves later (a bank batch) and
    # the office marks the payout paid with the bank's reference.
    provider_reference: str | None
    # True when the provider confirms the money reached the producer's account.
    paid: bool


@dataclass(frozen=True)
class ReversalRequest:
    payout_id: int
    provider_reference: str
    amount_vnd: int
    idempotency_key: str


class PayoutProvider:
    id: str = ""
    label = _l("Payout")

    def is_available_for(self, producer_id: int) -> bool:
        """Can this provider pay ``producer_id`` on this server (configured, details known)?"""
        return True

    def send(self, request: PayoutRequest) -> SentPayout:
        raise NotImplementedError

    def reverse(self, request: ReversalRequest) -> str:
        """Take back (part of) a sent payout; returns the provider's reference for it."""
        raise PayoutProviderError("this payout method cannot take money back", reason="no_reversal")


class BankTransfer(PayoutProvider):
    """The default: the office pays approved payouts from the bank (VietQR or a batch file)."""

    id = "bank_transfer"
    label = _l("Bank transfer")

    def send(self, request: PayoutRequest) -> SentPayout:
        return SentPayout(provider_reference=None, paid=False)


# A Stripe connected account id: ``acct_`` then letters and digits (the database checks it too).
STRIPE_ACCOUNT_RE = re.compile(r"acct_[A-Za-z0-9]+")


class StripeConnect(PayoutProvider):
    """A Stripe Connect transfer to the producer's connected account: paid at once, and a
    transfer reversal takes money back after a refund."""

    id = "stripe_connect"
    label = _l("Stripe Connect")

    def _gateway(self):
        # The payments side decides whether Stripe is configured and builds the client.
        from shop.payments.providers import StripeProvider

        return StripeProvider().gateway()

    def account_of(self, producer_id: int) -> str | None:
        from shop.catalog.models import Producer
        from shop.extensions import db

        return db.session.scalar(
            select(Producer.stripe_account_id).where(Producer.id == producer_id)
        )

    def is_available_for(self, producer_id: int) -> bool:
        return bool(current_app.config.get("STRIPE_SECRET_KEY")) and bool(
            self.account_of(producer_id)
        )

    def send(self, request: PayoutRequest) -> SentPayout:
        from shop.payments.stripe_gateway import GatewayError

        gateway = self._gateway()
        account = request.destination
        if gateway is None or not account:
            raise PayoutProviderError(
                "Stripe is not configured or the producer has no connected account",
                reason="not_configured",
            )
        try:
            transfer_id = gateway.create_transfer(
                amount_vnd=request.amount_vnd,
                destination=account,
                transfer_group=f"payout-{request.payout_id}",
                metadata={"payout_id": str(request.payout_id), "reference": request.reference},
                idempotency_key=request.idempotency_key,
            )
        except GatewayError as exc:
            raise PayoutProviderError(str(exc), reason="gateway") from exc
        return SentPayout(provider_reference=transfer_id, paid=True)

    def reverse(self, request: ReversalRequest) -> str:
        from shop.payments.stripe_gateway import GatewayError

        gateway = self._gateway()
        if gateway is None:
            raise PayoutProviderError("Stripe is not configured", reason="not_configured")
        try:
            return gateway.reverse_transfer(
                request.provider_reference,
                amount_vnd=request.amount_vnd,
                metadata={"payout_id": str(request.payout_id)},
                idempotency_key=request.idempotency_key,
            )
        except GatewayError as exc:
            raise PayoutProviderError(str(exc), reason="gateway") from exc


# The default provider first; ``provider_for`` takes the first available one in reverse order,
# so a more specific provider (added after) wins when it can pay the producer.
PROVIDERS: dict[str, PayoutProvider] = {
    provider.id: provider for provider in (BankTransfer(), StripeConnect())
}
DEFAULT_PROVIDER = BankTransfer.id


def get_provider(provider_id: str) -> PayoutProvider:
    try:
        return PROVIDERS[str(provider_id)]
    except KeyError:
        raise PayoutProviderError("unknown payout method", provider=str(provider_id)) from None


def provider_for(producer_id: int) -> PayoutProvider:
    """The provider that pays ``producer_id``: the last registered one that can, else the
    default."""
    for provider in reversed(PROVIDERS.values()):
        if provider.id != DEFAULT_PROVIDER and provider.is_available_for(producer_id):
            return provider
    return PROVIDERS[DEFAULT_PROVIDER]
