"""Builders for ledger tests: paid orders, deliveries and refunds through the real services."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order
from shop.orders.services import (
    confirm_producer_order,
    deliver_producer_order,
    mark_paid,
    ship_producer_order,
)
from shop.payouts.bank_accounts import ProducerBankAccount
from shop.payouts.models import LedgerEntry
from tests.factories import gen_order, gen_user

PAID_AT = datetime(2026, 11, 28, 3, 5, tzinfo=UTC)


def paid_order(items, *, now=PAID_AT) -> Order:
    """An order of ``items`` ([(product, quantity)]) placed and paid online."""
    import time_machine

    order = gen_order(items)
    with time_machine.travel(now, tick=False):
        assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def deliver(order: Order, now: datetime, producer_order=None) -> None:
    """Confirm, ship and deliver each producer order (or just ``producer_order``)."""
    for part in [producer_order] if producer_order else list(order.producer_orders):
        confirm_producer_order(part, user_id=None)
        ship_producer_order(part, carrier="VNPost", tracking_number="EB1", user_id=None, now=now)
        deliver_producer_order(part, user_id=None, now=now)


def entries(**where) -> list[LedgerEntry]:
    query = select(LedgerEntry).order_by(LedgerEntry.id)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return list(db.session.scalars(query))


def amounts(**where) -> dict[str, int]:
    """{kind (with the tax for withholding): total đồng} of the matching entries."""
    totals: dict[str, int] = {}
    for entry in entries(**where):
        name = f"{entry.kind}:{entry.tax}" if entry.tax else entry.kind
        totals[name] = totals.get(name, 0) + entry.amount_vnd
    return totals


def bank_account(producer, *, verified: bool = True, account_number: str = "0011001932418",
                 bank_bin: str = "970436") -> ProducerBankAccount:  # fmt: skip
    """The producer's bank details in its legal name, verified by the office unless told."""
    account = ProducerBankAccount(
        producer_id=producer.id,
        bank_bin=bank_bin,
        account_number=account_number,
        holder_name=producer.name.upper(),
        verified_at=PAID_AT if verified else None,
    )
    if verified:
        account.verified_by_id = gen_user("admin").id
    db.session.add(account)
    db.session.flush()
    return account
