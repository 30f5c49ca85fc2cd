"""Read models of the payouts domain for the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from shop.accounts.models import User
from shop.catalog.models import Producer
from shop.extensions import db
from shop.payouts.models import Payout, PayoutRun, PayoutStatus


@dataclass(frozen=True)
class PayoutRow:
    id: int
    producer_name: str
    amount_vnd: int
    run_on: date
    created_by: str | None
    created_by_id: int | None
    provider: str = ""
    provider_reference: str | None = None
    note: str | None = None
    send_error: str | None = None
    producer_id: int | None = None


def payouts_with_status(status: str, limit: int = 500) -> list[PayoutRow]:
    """Payouts of ``status`` with their producer and run, oldest run first (one statement)."""
    creator = aliased(User)
    rows = db.session.execute(
        select(
            Payout.id,
            Producer.name,
            Payout.amount_vnd,
            PayoutRun.run_on,
            creator.name,
            Payout.created_by_id,
            Payout.provider,
            Payout.provider_reference,
            Payout.note,
            Payout.send_error,
            Payout.producer_id,
        )
        .join(Producer, Producer.id == Payout.producer_id)
        .join(PayoutRun, PayoutRun.id == Payout.run_id)
        .outerjoin(creator, creator.id == Payout.created_by_id)
        .where(Payout.status == status)
        .order_by(PayoutRun.run_on, Payout.id)
        .limit(limit)
    ).all()
    return [PayoutRow(*row) for row in rows]


def status_counts() -> dict[str, int]:
    """{status: number of payouts} for every status, zero included (one statement)."""
    counts = dict(
        db.session.execute(select(Payout.status, func.count(Payout.id)).group_by(Payout.status))
        .tuples()
        .all()
    )
    return {str(status): int(counts.get(str(status), 0)) for status in PayoutStatus}
