"""Matching a bank statement's debits to payouts, and applying the matches.

A debit whose note carries a payout's reference (``OCOP PO000123``) and whose amount is the
payout's moves it on: a sent payout becomes paid with the bank's reference; a payout an admin
marked paid becomes reconciled. Anything else (an unknown reference, another amount, a
payout in another state, money coming back) is listed for review and changes nothing.

The same bank transaction never moves a payout twice: a payout the statement marked paid is
not reconciled by the same statement imported again (the audit log remembers which payouts a
statement marked paid), so importing a statement twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.audit.services import record
from shop.banking.statement import CREDIT, StatementRow, bank_reference, find_references
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.providers import DEFAULT_PROVIDER, REFERENCE_PREFIX
from shop.payouts.services import mark_paid, mark_reconciled

PAID_FROM_STATEMENT = "payout.paid_from_statement"
RECONCILED_FROM_STATEMENT = "payout.reconciled_from_statement"

# What a statement row does to its payout.
PAY = "pay"
RECONCILE = "reconcile"
DONE = "done"  # already applied by an earlier import: nothing to do
# Why a row needs a person to look at it.
UNKNOWN = "unknown_reference"
AMOUNT = "amount_differs"
STATE = "wrong_state"
RETURNED = "money_returned"
TWICE = "payout_twice"
MANY = "several_references"
OTHER_METHOD = "other_method"


@dataclass(frozen=True)
class Match:
    row: StatementRow
    payout_id: int | None
    action: str  # PAY, RECONCILE, DONE, or a reason for review
    status: str | None = None  # the payout's status when matched
    amount_vnd: int | None = None  # the payout's amount

    @property
    def applies(self) -> bool:
        return self.action in (PAY, RECONCILE)

    @property
    def review(self) -> bool:
        return self.action not in (PAY, RECONCILE, DONE)


def _paid_from_statement(payout_ids: set[int]) -> set[int]:
    if not payout_ids:
        return set()
    return set(
        db.session.scalars(
            select(AuditLog.target_id).where(
                AuditLog.action == PAID_FROM_STATEMENT,
                AuditLog.target_type == "payout",
                AuditLog.target_id.in_(payout_ids),
            )
        )
    )


def match_statement(rows: list[StatementRow]) -> list[Match]:
    """What each row carrying a payout reference would do (rows without one are not ours)."""
    referenced = [(row, find_references(row.note, REFERENCE_PREFIX)) for row in rows]
    referenced = [(row, refs) for row, refs in referenced if refs]
    ids = {ref for _row, refs in referenced for ref in refs}
    payouts = {
        p.id: p for p in db.session.scalars(select(Payout).where(Payout.id.in_(ids)))
    } if ids else {}  # fmt: skip
    by_statement = _paid_from_statement(set(payouts))
    matches: list[Match] = []
    seen: set[int] = set()
    for row, refs in referenced:
        if len(refs) > 1:
            matches.append(Match(row, None, MANY))
            continue
        payout = payouts.get(refs[0])
        if payout is None:
            matches.append(Match(row, refs[0], UNKNOWN))
            continue
        facts = {"status": payout.status, "amount_vnd": payout.amount_vnd}
        if row.side == CREDIT:
            action = RETURNED
        elif payout.provider != DEFAULT_PROVIDER:
            action = OTHER_METHOD
        elif row.amount_vnd != payout.amount_vnd:
            action = AMOUNT
        elif payout.id in seen:
            action = TWICE
        elif payout.status == PayoutStatus.SENT:
            action = PAY
        elif payout.status == PayoutStatus.PAID:
            action = DONE if payout.id in by_statement else RECONCILE
        elif payout.status == PayoutStatus.RECONCILED:
            action = DONE
        else:
            action = STATE
        if action in (PAY, RECONCILE, DONE):
            seen.add(payout.id)
        matches.append(Match(row, payout.id, action, **facts))
    return matches


def apply_statement(rows: list[StatementRow], *, admin_id: int) -> list[Match]:
    """Apply the matches of ``rows`` (checked again against the database now) through the
    payout state machine; returns those applied. Flushes; the caller commits."""
    applied = []
    for match in match_statement(rows):
        if not match.applies:
            continue
        payout = db.session.get(Payout, match.payout_id, with_for_update=True)
        reference = bank_reference(match.row)
        try:
            if match.action == PAY:
                mark_paid(payout, provider_reference=reference)
                action = PAID_FROM_STATEMENT
            else:
                mark_reconciled(payout)
                action = RECONCILED_FROM_STATEMENT
        except InvalidTransition:
            continue  # moved meanwhile: the next import shows where it is
        record(admin_id, action, "payout", payout.id, {"status": match.status},
               {"status": payout.status, "bank_reference": reference, "row": match.row.row},
               producer_id=payout.producer_id)  # fmt: skip
        applied.append(match)
    return applied
