"""Taking money back from paid payouts after a refund (Stripe Connect transfer reversals).

A refund writes reversing entries in the producer's ledger (``record_refund_reversals``). If
the producer was already paid, by a provider that can take money back, its balance may drop
below zero: it owes the platform. In the refund's own transaction ``plan_clawbacks`` writes one
``PayoutClawback`` per (refund, payout) for what is owed, taken from the producer's latest paid
payouts first, never more than a payout's amount minus what was already taken back from it.
After the commit a job (``reverse_pending_clawbacks``) asks the provider for each reversal,
outside any write transaction, and once the provider confirms writes the ``payout_reversal``
entry (+ the amount) that brings the balance back toward zero. The clawback's key is both the
provider's idempotency key and the ledger entry's, so a job run twice takes money back once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.catalog.models import Producer
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.notify import after_commit_once
from shop.payouts.ledger import append, balance
from shop.payouts.models import (
    ClawbackStatus,
    EntryKind,
    LedgerEntry,
    Payout,
    PayoutClawback,
    PayoutStatus,
)
from shop.payouts.providers import PayoutProviderError, ReversalRequest, StripeConnect, get_provider
from shop.templating import local_today

log = logging.getLogger(__name__)

# Providers whose payouts can be taken back, and the payout states that mean money arrived.
REVERSIBLE_PROVIDERS = (StripeConnect.id,)
PAID_STATES = (PayoutStatus.PAID, PayoutStatus.RECONCILED)


def _pending_total(*where) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PayoutClawback.amount_vnd), 0)).where(
                PayoutClawback.status == ClawbackStatus.PENDING, *where
            )
        )
    )


def reversible_vnd(payout: Payout) -> int:
    """What may still be taken back from ``payout``: its amount minus every reversal written
    or under way."""
    reversed_vnd = int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_vnd), 0)).where(
                LedgerEntry.payout_id == payout.id,
                LedgerEntry.kind == EntryKind.PAYOUT_REVERSAL,
            )
        )
    )
    return payout.amount_vnd - reversed_vnd - _pending_total(PayoutClawback.payout_id == payout.id)


def plan_clawbacks(producer_ids: set[int], refund_key: str) -> int:
    """Clawbacks for each producer left owing the platform by the refund ``refund_key``.
    Runs inside the refund's transaction (flushes, never commits); returns how many it wrote."""
    today = local_today()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    written = 0
    for producer_id in sorted(producer_ids):
        paid = db.session.scalars(
            select(Payout)
            .where(
                Payout.producer_id == producer_id,
                Payout.provider.in_(REVERSIBLE_PROVIDERS),
                Payout.status.in_(PAID_STATES),
                Payout.provider_reference.is_not(None),
            )
            .order_by(Payout.id.desc())
        ).all()
        if not paid:
            continue
        # The producer's row is the lock two refunds at once queue on (as payout runs do).
        db.session.execute(
            select(Producer.id).where(Producer.id == producer_id).with_for_update()
        ).one()
        owed = -balance(producer_id, today).total_vnd - _pending_total(
            PayoutClawback.producer_id == producer_id
        )
        for payout in paid:
            if owed <= 0:
                break
            take = min(owed, reversible_vnd(payout))
            if take <= 0:
                continue
            result = db.session.execute(
                insert(PayoutClawback)
                .values(
                    producer_id=producer_id,
                    payout_id=payout.id,
                    amount_vnd=take,
                    idempotency_key=f"clawback-{refund_key}-payout-{payout.id}",
                    status=ClawbackStatus.PENDING,
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(PayoutClawback.id)
            )
            if result.all():
                written += 1
                owed -= take
    if written:
        after_commit_once(db.session(), _enqueue_reversals)
    return written


def _enqueue_reversals() -> None:
    from shop.jobs import reverse_payout_clawbacks

    reverse_payout_clawbacks()


@dataclass
class ClawbackReport:
    done: int = 0
    retrying: int = 0


def reverse_pending_clawbacks() -> ClawbackReport:
    """Ask the provider for every pending clawback, then record each confirmed one with its
    ``payout_reversal`` entry (compare-and-set: recorded once). A refusal keeps the clawback
    pending with the error, retried by the next sweep. Commits."""
    rows = db.session.execute(
        select(
            PayoutClawback.id,
            PayoutClawback.payout_id,
            PayoutClawback.producer_id,
            PayoutClawback.amount_vnd,
            PayoutClawback.idempotency_key,
            Payout.provider,
            Payout.provider_reference,
        )
        .join(Payout, Payout.id == PayoutClawback.payout_id)
        .where(PayoutClawback.status == ClawbackStatus.PENDING)
        .order_by(PayoutClawback.id)
    ).all()
    db.session.rollback()  # no transaction stays open while the provider is called
    report = ClawbackReport()
    for clawback_id, payout_id, producer_id, amount, key, provider, reference in rows:
        try:
            reversal_id = get_provider(provider).reverse(
                ReversalRequest(
                    payout_id=payout_id,
                    provider_reference=reference,
                    amount_vnd=amount,
                    idempotency_key=key,
                )
            )
        except PayoutProviderError as exc:
            log.warning("clawback %s of payout %s refused: %s", clawback_id, payout_id, exc)
            begin_write_transaction(db.session)
            db.session.execute(
                update(PayoutClawback)
                .where(
                    PayoutClawback.id == clawback_id,
                    PayoutClawback.status == ClawbackStatus.PENDING,
                )
                .values(last_error=str(exc)[:2000])
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            report.retrying += 1
            continue
        begin_write_transaction(db.session)
        done = db.session.execute(
            update(PayoutClawback)
            .where(
                PayoutClawback.id == clawback_id,
                PayoutClawback.status == ClawbackStatus.PENDING,
            )
            .values(status=ClawbackStatus.DONE, provider_reference=reversal_id, last_error=None)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            append(
                [
                    {
                        "producer_id": producer_id,
                        "kind": EntryKind.PAYOUT_REVERSAL,
                        "amount_vnd": amount,
                        "payout_id": payout_id,
                        "available_on": local_today(),
                        "idempotency_key": key,
                    }
                ]
            )
            report.done += 1
        db.session.commit()
        log.info("clawback %s: %s VND back from payout %s (%s)", clawback_id, amount, payout_id,
                 reversal_id)  # fmt: skip
    return report
