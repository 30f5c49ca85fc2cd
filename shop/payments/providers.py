"""Payment providers behind one registry (pretix ``BasePaymentProvider`` / saleor plugin style).

Each provider is an object with an id (stored on the order and the payment), a label for the
checkout, ``is_allowed`` (may this order or plan be paid this way?) and its operations: starting
a payment and sending a refund. Nothing outside this module asks *which* provider an order
uses; it asks the provider object. Provider calls talk to the outside world, so they run outside
any write transaction and get plain data (``StartRequest``), never database rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from shop.errors import PaymentNotAllowed, RefundNotAllowed
from shop.payments.stripe_gateway import CheckoutLine, GatewayError, StripeGateway

if TYPE_CHECKING:
    from shop.orders.models import Order

log = logging.getLogger(__name__)

STRIPE_MIN_VND = 20_000
STRIPE_MAX_VND = 99_999_999


class ProviderError(Exception):
    """The provider could not be reached or refused the request; nothing was charged."""


class PaymentSubject(Protocol):
    """What ``is_allowed`` looks at: a placed order's or a plan's total, pre-order and booking
    flags."""

    @property
    def total_vnd(self) -> int: ...

    @property
    def has_preorder(self) -> bool: ...

    @property
    def has_bookings(self) -> bool: ...

    @property
    def first_session_at(self) -> datetime | None: ...

    @property
    def due_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Subject:
    total_vnd: int
    has_preorder: bool
    has_bookings: bool = False
    # The earliest experience session the order books (None: no bookings).
    first_session_at: datetime | None = None
    # A placed order's payment deadline (None: a plan, not placed yet).
    due_at: datetime | None = None


@dataclass(frozen=True)
class StartRequest:
    """Everything a provider needs to open a payment, copied out of the committed attempt.

    A group's attempt (one session paying several orders, ``shop.payments.groups``) has
    ``group`` set: ``order_reference`` is then the group's reference (a gift batch's),
    ``payment_id`` its first order's payment and ``payment_ids`` every order's, ``access_token``
    its first order's."""

    provider: str
    payment_id: int
    idempotency_key: str
    order_reference: str
    access_token: str
    email: str
    locale: str
    amount_vnd: int
    expires_at: datetime
    lines: tuple[CheckoutLine, ...]
    success_url: str
    cancel_url: str
    group: bool = False
    payment_ids: tuple[int, ...] = ()

    @property
    def metadata(self) -> dict[str, str]:
        """What the provider keeps with the session (Stripe: its and the PaymentIntent's
        metadata)."""
        if self.group:
            return {"order_group": self.order_reference, "orders": str(len(self.payment_ids))}
        return {"order_reference": self.order_reference}


@dataclass(frozen=True)
class StartedPayment:
    provider_reference: str
    redirect_url: str


@dataclass(frozen=True)
class RefundRequest:
    refund_id: int
    order_id: int
    amount_vnd: int
    provider_payment_id: str | None


class PaymentProvider:
    id: str = ""
    label = _l("Payment")
    # False: the money is collected outside the shop (cash on delivery), so the order is
    # accepted at once and no payment is started.
    collects_online: bool = True
    # False: the order waits for money the buyer sends on their own (a bank transfer); no
    # payment attempt is opened at a provider, the payment is recorded when the money arrives.
    starts_attempts: bool = True
    # True: the money arrives as bank transfers (summed until they reach the total) and goes
    # back as a transfer the office makes from its banking app (``refund`` is never called).
    by_bank_transfer: bool = False
    # True: one payment page can pay several orders at once (a gift batch by card), each order
    # getting its payment (``shop.payments.groups``).
    pays_groups: bool = False
    # True: a payment page stays open at the provider until it is closed there (``close_page``).
    closes_pages: bool = False

    def is_available(self) -> bool:
        """Offered at checkout on this server (configured)."""
        return True

    def due_at(self, order: Order, now: datetime, default_ttl: timedelta) -> datetime:
        """When an unpaid order placed now expires and releases its stock."""
        return now + default_ttl

    def check_allowed(self, subject: PaymentSubject) -> None:
        """Raise ``PaymentNotAllowed`` (with details for the message) unless allowed."""

    def is_allowed(self, subject: PaymentSubject) -> bool:
        try:
            self.check_allowed(subject)
        except PaymentNotAllowed:
            return False
        return True

    def start(self, request: StartRequest) -> StartedPayment:
        raise NotImplementedError

    def refund(self, request: RefundRequest) -> str:
        """Send a recorded refund; returns the provider's reference for it."""
        raise RefundNotAllowed("this payment method has no refunds", reason="no_payment")

    def close_page(self, session_id: str) -> bool:
        """Close the provider's payment page ``session_id`` (the shop no longer takes money on
        it); False when there is nothing to close (a local page refuses closed attempts by
        itself). Raises ``ProviderError`` when the provider refuses (a page already paid or
        closed) or cannot be reached."""
        return False


class CashOnDelivery(PaymentProvider):
    id = "cod"
    label = _l("Cash on delivery")
    collects_online = False

    def check_allowed(self, subject: PaymentSubject) -> None:
        if subject.has_preorder:
            raise PaymentNotAllowed(
                "cash on delivery is not available for pre-orders", rule="preorder"
            )
        if subject.has_bookings:
            # Seats held for a visitor who might not come are paid online, like any ticket.
            raise PaymentNotAllowed(
                "cash on delivery is not available for experiences", rule="bookings"
            )
        limit = current_app.config["COD_MAX_VND"]
        if subject.total_vnd > limit:
            raise PaymentNotAllowed("the total is above the cash-on-delivery limit", limit=limit)


class DemoProvider(PaymentProvider):
    """A local page with Pay and Decline; no money moves. Offered when Stripe is not set up,
    in its place: it takes no total above Stripe's ceiling, so the demo shop offers what a
    real one would."""

    id = "demo"
    label = _l("Demo payment (no money moves)")
    pays_groups = True

    def is_available(self) -> bool:
        return not current_app.config.get("STRIPE_SECRET_KEY")

    def check_allowed(self, subject: PaymentSubject) -> None:
        if subject.total_vnd > STRIPE_MAX_VND:
            raise PaymentNotAllowed(
                "card payments take totals up to 99.999.999 ₫",
                maximum=STRIPE_MAX_VND,
                total=subject.total_vnd,
            )

    def start(self, request: StartRequest) -> StartedPayment:
        reference = f"demo_{request.idempotency_key}"
        # A group's page sends the payer back where the group was paid from (its success URL,
        # as a path on this site: the page accepts no other).
        back = local_path(request.success_url) if request.group else None
        return StartedPayment(
            provider_reference=reference,
            redirect_url=url_for(
                "payments.demo_payment",
                reference=reference,
                token=request.access_token,
                **({"back": back} if back else {}),
            ),
        )

    def refund(self, request: RefundRequest) -> str:
        return f"demo_refund_{request.refund_id}"


class StripeProvider(PaymentProvider):
    """Stripe Checkout: a hosted page; the outcome arrives by webhook."""

    id = "stripe"
    label = _l("Card (Stripe, secure payment page)")
    pays_groups = True
    closes_pages = True

    def is_available(self) -> bool:
        return bool(current_app.config.get("STRIPE_SECRET_KEY"))

    def check_allowed(self, subject: PaymentSubject) -> None:
        if not STRIPE_MIN_VND <= subject.total_vnd <= STRIPE_MAX_VND:
            raise PaymentNotAllowed(
                "card payments take totals from 20.000 ₫ to 99.999.999 ₫",
                minimum=STRIPE_MIN_VND,
                maximum=STRIPE_MAX_VND,
                total=subject.total_vnd,
            )

    def gateway(self) -> StripeGateway | None:
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

    def start(self, request: StartRequest) -> StartedPayment:
        gateway = self.gateway()
        if gateway is None:
            raise ProviderError("Stripe is not configured")
        try:
            session = gateway.create_checkout_session(
                order_reference=request.order_reference,
                lines=list(request.lines),
                customer_email=request.email,
                locale=request.locale,
                expires_at=int(request.expires_at.timestamp()),
                success_url=request.success_url,
                cancel_url=request.cancel_url,
                idempotency_key=request.idempotency_key,
                metadata=request.metadata,
            )
        except GatewayError as exc:
            raise ProviderError(str(exc)) from exc
        return StartedPayment(provider_reference=session.id, redirect_url=session.url)

    def close_page(self, session_id: str) -> bool:
        gateway = self.gateway()
        if gateway is None:
            return False
        try:
            gateway.expire_checkout_session(session_id, idempotency_key=f"expire-{session_id}")
        except GatewayError as exc:
            raise ProviderError(str(exc)) from exc
        return True

    def refund(self, request: RefundRequest) -> str:
        gateway = self.gateway()
        if gateway is None or not request.provider_payment_id:
            raise RefundNotAllowed("Stripe is not configured for this refund", reason="no_gateway")
        return gateway.refund(
            payment_intent=request.provider_payment_id,
            amount_vnd=request.amount_vnd,
            idempotency_key=f"refund-{request.refund_id}",
            metadata={"order_id": str(request.order_id), "refund_id": str(request.refund_id)},
        )


class BankTransferProvider(PaymentProvider):
    """The buyer transfers the total to the shop's account (VietQR code and reference on the
    order's page); the order waits, its stock reserved, for ``BANK_TRANSFER_PAYMENT_DAYS``, and
    is marked paid when the bank statement shows the transfer (``shop.payments.bank_statement``).
    Offered when the shop's receiving account is configured."""

    id = "bank_transfer"
    label = _l("Bank transfer (VietQR)")
    starts_attempts = False
    by_bank_transfer = True

    def is_available(self) -> bool:
        from shop.payments.bank_transfer import receiving_account

        return receiving_account() is not None

    def due_at(self, order: Order, now: datetime, default_ttl: timedelta) -> datetime:
        from shop.payments.bank_transfer import transfer_due_at

        return transfer_due_at(order, now)

    def check_allowed(self, subject: PaymentSubject) -> None:
        from shop.payments.bank_transfer import session_too_soon

        if subject.first_session_at is not None and session_too_soon(
            subject.first_session_at, subject.due_at
        ):
            raise PaymentNotAllowed(
                "the experience starts before a bank transfer is due", rule="session_soon"
            )

    def refund(self, request: RefundRequest) -> str:
        raise RefundNotAllowed(
            "a bank transfer is paid back by a transfer from the office", reason="by_transfer"
        )


class PartnerAccountProvider(PaymentProvider):
    """A partner's booking through the API (``shop.partners``): the partner sold the seats and
    answers for their price, invoiced to its account. Its confirmation is the payment
    (``shop.partners.bookings.confirm_hold``); never offered at checkout. A refund lowers what
    the partner owes: a credit on its account, with nothing to send."""

    id = "partner_account"
    label = _l("Partner account (invoiced to the partner)")
    starts_attempts = False

    def is_available(self) -> bool:
        return False

    def refund(self, request: RefundRequest) -> str:
        return f"partner_credit_{request.refund_id}"


PROVIDERS: dict[str, PaymentProvider] = {
    provider.id: provider
    for provider in (
        StripeProvider(),
        DemoProvider(),
        BankTransferProvider(),
        CashOnDelivery(),
        PartnerAccountProvider(),
    )
}


def get_provider(provider_id: str) -> PaymentProvider:
    try:
        return PROVIDERS[str(provider_id)]
    except KeyError:
        raise PaymentNotAllowed("unknown payment method", provider=str(provider_id)) from None


def group_provider() -> PaymentProvider | None:
    """The provider that pays a group of orders at once on this server (Stripe when
    configured, else the demo), or None."""
    return next(
        (p for p in PROVIDERS.values() if p.pays_groups and p.is_available()),
        None,
    )


def local_path(url: str) -> str | None:
    """``url``'s path and query when it is a path on this site (no scheme, host or
    ``//``/``\\`` trick), for redirects taken from a query string; None otherwise."""
    parts = urlsplit(url)
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or "\\" in url:
        return None
    if parts.netloc and parts.netloc != urlsplit(current_app.config["SITE_URL"]).netloc:
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def checkout_providers() -> list[PaymentProvider]:
    """The providers offered at checkout on this server, the default first."""
    return [provider for provider in PROVIDERS.values() if provider.is_available()]
