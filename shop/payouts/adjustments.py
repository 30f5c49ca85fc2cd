"""Manual adjustment entries: the office credits or charges a producer's ledger by hand (a
correction, a goodwill payment, a charge), always with a reason, audit-logged.

The adjustment and its ledger entry (kind ``adjustment``, key ``adjustment-<id>``) are written
in one transaction. The form's one-time token is unique on the adjustment, so the same form
posted several times (a double click, a retried request) writes one adjustment.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.audit.services import record as audit
from shop.catalog.models import Producer
from shop.db import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.payouts.ledger import append
from shop.payouts.models import EntryKind
from shop.payouts.office_models import ADJUSTMENT_LIMIT_VND, LedgerAdjustment

TOKEN = re.compile(r"\A[A-Za-z0-9_-]{20,64}\Z")


class AdjustmentNotAllowed(ShopError):
    code = "adjustment_not_allowed"
    status = 422


def new_form_token() -> str:
    """A one-time token for one adjustment form."""
    return secrets.token_urlsafe(24)


def make_adjustment(
    *,
    producer_id: int,
    amount_vnd: int,
    reason: str,
    available_on: date,
    admin_id: int | None,
    form_token: str,
) -> LedgerAdjustment | None:
    """Write an adjustment and its ledger entry; None when this form's token was already used
    (nothing written). Flushes; the caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentNotAllowed("an adjustment needs a reason", reason="no_reason")
    if amount_vnd == 0 or abs(amount_vnd) > ADJUSTMENT_LIMIT_VND:
        raise AdjustmentNotAllowed("amount out of range", reason="amount")
    if not TOKEN.match(form_token or ""):
        raise AdjustmentNotAllowed("no form token", reason="token")
    if db.session.get(Producer, producer_id) is None:
        raise AdjustmentNotAllowed("no such producer", reason="producer")
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    adjustment_id = db.session.scalar(
        insert(LedgerAdjustment)
        .values(
            producer_id=producer_id,
            amount_vnd=amount_vnd,
            reason=reason,
            available_on=available_on,
            created_by_id=admin_id,
            created_at=utcnow(),
            form_token=form_token,
        )
        .on_conflict_do_nothing(index_elements=["form_token"])
        .returning(LedgerAdjustment.id)
    )
    if adjustment_id is None:
        return None
    append(
        [
            {
                "producer_id": producer_id,
                "kind": EntryKind.ADJUSTMENT,
                "amount_vnd": amount_vnd,
                "available_on": available_on,
                "idempotency_key": f"adjustment-{adjustment_id}",
            }
        ]
    )
    adjustment = db.session.get(LedgerAdjustment, adjustment_id)
    audit(
        admin_id,
        "ledger.adjustment",
        "ledger_adjustment",
        adjustment_id,
        after={"amount_vnd": amount_vnd, "reason": reason, "available_on": available_on},
        producer_id=producer_id,
    )
    return adjustment


def adjustments_query():
    """Adjustments with their producer's name, newest first, and their count."""
    return (
        select(LedgerAdjustment, Producer.name)
        .join(Producer, Producer.id == LedgerAdjustment.producer_id)
        .order_by(LedgerAdjustment.created_at.desc(), LedgerAdjustment.id.desc()),
        select(func.count(LedgerAdjustment.id)),
    )
