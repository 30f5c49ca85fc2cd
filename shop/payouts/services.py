"""Payout runs and the payout state machine.

A run pays every producer whose available balance reaches ``PAYOUT_MINIMUM_VND``: one draft
payout each, its ledger entry (kind ``payout``, − the amount) in the same transaction, under a
key unique per (run, producer). ``run_payouts`` commits producer by producer, so a run that
dies halfway keeps the payouts it made; run again (same run key, by default the date), it
skips the producers already paid and pays the rest. A producer's row is locked while its
balance is read and its payout written, so two runs at once cannot both pay the same money.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, NotFound, ShopError
from shop.extensions import db
from shop.payouts.bank_accounts import verified_producers
from shop.payouts.ledger import append, available_balances, balance
from shop.payouts.models import EntryKind, Payout, PayoutHold, PayoutRun, PayoutStatus
from shop.payouts.providers import DEFAULT_PROVIDER, provider_for

log = logging.getLogger(__name__)

S = PayoutStatus
PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.APPROVED}),
    S.APPROVED: frozenset({S.SENT}),
    S.SENT: frozenset({S.PAID, S.FAILED}),
    S.PAID: frozenset({S.RECONCILED}),
    S.FAILED: frozenset(),
    S.RECONCILED: frozenset(),
}


class PayoutNotAllowed(ShopError):
    code = "payout_not_allowed"
    status = 409


@dataclass
class RunReport:
    run_id: int | None
    dry_run: bool
    # (producer id, amount) of each payout made (or, dry run, that would be made).
    payouts: list[tuple[int, int]] = field(default_factory=list)
    # Producers of this run already paid by an earlier attempt of it.
    already_paid: list[int] = field(default_factory=list)
    # (producer id, reason) of each producer owed money but not paid: the money keeps accruing.
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total_vnd(self) -> int:
        return sum(amount for _producer, amount in self.payouts)


def _open_run(key: str, today: date, created_by_id: int | None) -> PayoutRun:
    """The run of ``key``, opened now unless another worker (or an earlier attempt) did."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(PayoutRun)
        .values(key=key, run_on=today, created_by_id=created_by_id, started_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return db.session.scalars(select(PayoutRun).where(PayoutRun.key == key)).one()


# Why a run skips a producer it owes.
NO_VERIFIED_BANK_ACCOUNT = "no_verified_bank_account"


def without_bank_details(producer_ids) -> set[int]:
    """Those of ``producer_ids`` paid by bank transfer whose bank details are not verified."""
    by_bank = {p for p in producer_ids if provider_for(p).id == DEFAULT_PROVIDER}
    return by_bank - verified_producers(by_bank)


def pay_producer(run: PayoutRun, producer_id: int, today: date) -> Payout | None:
    """One producer's payout in ``run``: none when this run already paid it, its payouts are
    held, it is paid by bank transfer without verified bank details, or its available balance
    (read under a lock on the producer row) is below the minimum. Flushes."""
    db.session.execute(
        select(Producer.id).where(Producer.id == producer_id).with_for_update()
    ).one()
    done = db.session.scalar(
        select(Payout.id).where(Payout.run_id == run.id, Payout.producer_id == producer_id)
    )
    if done is not None or producer_id in held_producers():
        return None
    if without_bank_details([producer_id]):
        return None
    amount = balance(producer_id, today).available_vnd
    if amount < max(current_app.config["PAYOUT_MINIMUM_VND"], 1):
        return None
    payout = Payout(
        run_id=run.id,
        producer_id=producer_id,
        amount_vnd=amount,
        status=PayoutStatus.DRAFT,
        provider=provider_for(producer_id).id,
        created_by_id=run.created_by_id,
    )
    db.session.add(payout)
    db.session.flush()
    written = append(
        [
            {
                "producer_id": producer_id,
                "kind": EntryKind.PAYOUT,
                "amount_vnd": -amount,
                "payout_id": payout.id,
                "available_on": today,
                "idempotency_key": f"payout-{run.id}-{producer_id}",
            }
        ]
    )
    if written != 1:  # the unique key says this run paid it already: never twice
        raise PayoutNotAllowed("this producer was already paid in this run", run_id=run.id)
    return payout


def run_payouts(
    today: date,
    *,
    dry_run: bool = False,
    key: str | None = None,
    created_by_id: int | None = None,
    pay: Callable[[PayoutRun, int, date], Payout | None] | None = None,
) -> RunReport:
    """Pay every producer whose available balance on ``today`` reaches the minimum (see the
    module docstring). ``dry_run`` only reports what would be paid and writes nothing.
    Commits: one transaction to open the run, then one per producer."""
    minimum = current_app.config["PAYOUT_MINIMUM_VND"]
    due = available_balances(today, minimum)
    for producer_id in held_producers():
        due.pop(producer_id, None)
    skipped = [(p, NO_VERIFIED_BANK_ACCOUNT) for p in sorted(without_bank_details(due))]
    for producer_id, _reason in skipped:
        due.pop(producer_id)
    if dry_run:
        db.session.rollback()
        return RunReport(run_id=None, dry_run=True, payouts=sorted(due.items()), skipped=skipped)
    pay = pay or pay_producer
    begin_write_transaction(db.session)
    run = _open_run(key or f"run-{today.isoformat()}", today, created_by_id)
    run_id = run.id
    db.session.commit()
    report = RunReport(run_id=run_id, dry_run=False, skipped=skipped)
    paid_before = set(db.session.scalars(select(Payout.producer_id).where(Payout.run_id == run_id)))
    report.already_paid = sorted(paid_before)
    for producer_id in sorted(set(due) - paid_before):
        begin_write_transaction(db.session)
        run = db.session.get(PayoutRun, run_id)
        payout = pay(run, producer_id, today)
        if payout is not None:
            report.payouts.append((producer_id, payout.amount_vnd))
        db.session.commit()
    db.session.execute(
        update(PayoutRun)
        .where(PayoutRun.id == run_id, PayoutRun.finished_at.is_(None))
        .values(finished_at=utcnow())
    )
    db.session.commit()
    log.info("payout run %s: %d payout(s), %d VND", run_id, len(report.payouts), report.total_vnd)
    return report


# --- holds ------------------------------------------------------------------------------------


def held_producers() -> set[int]:
    """Producers whose payouts the office has stopped."""
    return set(
        db.session.scalars(select(PayoutHold.producer_id).where(PayoutHold.released_at.is_(None)))
    )


def hold_payouts(producer_id: int, *, reason: str, admin_id: int | None) -> PayoutHold:
    """Stop a producer's payouts until the hold is lifted; the reason is required."""
    if not reason or not reason.strip():
        raise PayoutNotAllowed("a hold needs a reason", reason="no_reason")
    hold = PayoutHold(producer_id=producer_id, reason=reason.strip(), created_by_id=admin_id)
    db.session.add(hold)
    db.session.flush()
    return hold


def release_hold(hold: PayoutHold, *, admin_id: int, now: datetime) -> bool:
    """Lift a hold (compare-and-set: lifted once)."""
    result = db.session.execute(
        update(PayoutHold)
        .where(PayoutHold.id == hold.id, PayoutHold.released_at.is_(None))
        .values(released_at=now, released_by_id=admin_id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(hold)
    return result.rowcount == 1


# --- the payout's life -------------------------------------------------------------------------


def find_payout(payout_id: int) -> Payout:
    payout = db.session.get(Payout, payout_id)
    if payout is None:
        raise NotFound("no such payout", payout_id=payout_id)
    return payout


def transition_payout(payout: Payout, target: PayoutStatus, **values: object) -> None:
    """Move ``payout`` to ``target`` if the table allows it and nobody moved it first."""
    current = payout.status
    if target not in PAYOUT_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            f"payout {payout.id} cannot go from {current} to {target}",
            current=current,
            target=str(target),
        )
    result = db.session.execute(
        update(Payout)
        .where(Payout.id == payout.id, Payout.status == current)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(f"payout {payout.id} changed while being updated", current=current)
    db.session.refresh(payout)


def approve_payout(payout: Payout, *, admin_id: int, now: datetime) -> None:
    """A second admin signs a draft off: never the one who started the run."""
    if payout.created_by_id is not None and payout.created_by_id == admin_id:
        raise PayoutNotAllowed("a second admin must approve this payout", reason="same_admin")
    transition_payout(payout, PayoutStatus.APPROVED, approved_by_id=admin_id, approved_at=now)


def mark_sent(payout: Payout) -> None:
    transition_payout(payout, PayoutStatus.SENT)


def mark_paid(payout: Payout, *, provider_reference: str) -> None:
    transition_payout(payout, PayoutStatus.PAID, provider_reference=provider_reference)


def mark_failed(payout: Payout, *, reason: str) -> None:
    """The money did not reach the producer: the payout's amount is owed again."""
    transition_payout(payout, PayoutStatus.FAILED, note=reason)
    append(
        [
            {
                "producer_id": payout.producer_id,
                "kind": EntryKind.PAYOUT_REVERSAL,
                "amount_vnd": payout.amount_vnd,
                "payout_id": payout.id,
                # Payable again at once: the day of the run that paid it.
                "available_on": db.session.scalar(
                    select(PayoutRun.run_on).where(PayoutRun.id == payout.run_id)
                ),
                "idempotency_key": f"payout_reversal-{payout.id}",
            }
        ]
    )


def mark_reconciled(payout: Payout) -> None:
    transition_payout(payout, PayoutStatus.RECONCILED)
