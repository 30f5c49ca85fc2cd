"""A producer's ledger a page at a time (the office's and the producer's statement pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from shop.extensions import db
from shop.payouts.models import LedgerEntry, LedgerRelease


@dataclass(frozen=True)
class EntryRow:
    id: int
    kind: str
    tax: str | None
    amount_vnd: int
    order_line_id: int | None
    payout_id: int | None
    available_on: date | None  # the entry's own date, else its producer order's release
    created_at: object


@dataclass(frozen=True)
class EntryPage:
    rows: list[EntryRow]
    page: int
    total: int


def entries_page(producer_id: int, page: int = 1, per_page: int = 50) -> EntryPage:
    """One page of a producer's entries, newest first, with how many there are in all: one
    SQL statement (the count is a window over the same rows), whatever the number of entries."""
    page = max(1, page)
    result = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.tax,
            LedgerEntry.amount_vnd,
            LedgerEntry.order_line_id,
            LedgerEntry.payout_id,
            func.coalesce(LedgerEntry.available_on, LedgerRelease.available_on),
            LedgerEntry.created_at,
            func.count().over().label("total"),
        )
        .select_from(LedgerEntry)
        .outerjoin(LedgerRelease, LedgerRelease.producer_order_id == LedgerEntry.producer_order_id)
        .where(LedgerEntry.producer_id == producer_id)
        .order_by(LedgerEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = result[0].total if result else 0
    return EntryPage([EntryRow(*row[:8]) for row in result], page, total)
