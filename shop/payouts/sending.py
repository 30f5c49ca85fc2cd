"""Sending approved payouts through their provider.

The provider talks to the outside world, so the call runs outside any write transaction:
the approved payout is read and the read closed, the provider is called with plain data, then
a write transaction moves the payout approved → sent (→ paid when the provider confirms the
money arrived). The request carries ``payout-<id>`` as its idempotency key: if the process dies
between the provider's answer and the commit, the payout stays approved and the next attempt
sends the same request, which the provider answers with the same transfer: money moves once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from shop.catalog.models import Producer
from shop.db import begin_write_transaction
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.providers import (
    PayoutProviderError,
    PayoutRequest,
    SentPayout,
    get_provider,
    payout_reference,
)
from shop.payouts.services import PayoutNotAllowed, find_payout, mark_paid, transition_payout

log = logging.getLogger(__name__)


def idempotency_key(payout_id: int) -> str:
    return f"payout-{payout_id}"


@dataclass(frozen=True)
class SendResult:
    payout_id: int
    status: str
    provider_reference: str | None


def _request_for(payout_id: int) -> tuple[str, PayoutRequest]:
    """The provider and request of an approved payout, read in a transaction closed here."""
    try:
        payout = find_payout(payout_id)
        if payout.status != PayoutStatus.APPROVED:
            raise InvalidTransition(
                f"payout {payout_id} is {payout.status}, not approved",
                current=payout.status,
                target=str(PayoutStatus.SENT),
            )
        destination = db.session.scalar(
            select(Producer.stripe_account_id).where(Producer.id == payout.producer_id)
        )
        request = PayoutRequest(
            payout_id=payout.id,
            producer_id=payout.producer_id,
            amount_vnd=payout.amount_vnd,
            reference=payout_reference(payout.id),
            idempotency_key=idempotency_key(payout.id),
            destination=destination,
        )
        return payout.provider, request
    finally:
        db.session.rollback()  # no transaction stays open while the provider is called


def _record_error(payout_id: int, error: str) -> None:
    """Keep the provider's refusal on the still-approved payout, for the office to see."""
    begin_write_transaction(db.session)
    db.session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status == PayoutStatus.APPROVED)
        .values(send_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_sent(payout_id: int, sent: SentPayout) -> Payout:
    begin_write_transaction(db.session)
    try:
        payout = find_payout(payout_id)
        if sent.paid and not sent.provider_reference:
            raise PayoutNotAllowed("a paid payout needs the provider's reference")
        transition_payout(
            payout,
            PayoutStatus.SENT,
            provider_reference=sent.provider_reference,
            send_error=None,
        )
        if sent.paid:
            mark_paid(payout, provider_reference=sent.provider_reference)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return payout


def send_payout(payout_id: int) -> SendResult:
    """Send one approved payout (see the module docstring). Commits.

    ``InvalidTransition`` when the payout is not (or no longer) approved, ``NotFound`` when it
    does not exist, ``PayoutProviderError`` when the provider refused: the payout stays
    approved with the error kept in ``send_error``."""
    provider_id, request = _request_for(payout_id)
    try:
        sent = get_provider(provider_id).send(request)
    except PayoutProviderError as exc:
        log.warning("payout %s: %s refused to send it: %s", payout_id, provider_id, exc)
        _record_error(payout_id, str(exc))
        raise
    payout = _record_sent(payout_id, sent)
    log.info("payout %s sent by %s (%s)", payout_id, provider_id, payout.status)
    return SendResult(payout.id, payout.status, payout.provider_reference)


@dataclass
class SendReport:
    sent: list[int]
    failed: list[int]


def send_approved_payouts() -> SendReport:
    """Send every approved payout, one by one (``flask payouts send``, the job). A payout that
    another worker sent meanwhile is skipped; one the provider refused stays approved."""
    ids = list(
        db.session.scalars(
            select(Payout.id).where(Payout.status == PayoutStatus.APPROVED).order_by(Payout.id)
        )
    )
    db.session.rollback()
    report = SendReport(sent=[], failed=[])
    for payout_id in ids:
        try:
            send_payout(payout_id)
        except InvalidTransition:
            continue
        except PayoutProviderError:
            report.failed.append(payout_id)
        else:
            report.sent.append(payout_id)
    return report
