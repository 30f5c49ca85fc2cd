"""Producers' bank details: where a bank-transfer payout goes.

A producer has one current account. Its staff enter or change it; the holder's name must be
the producer's legal name (banks refuse a transfer whose name does not match the account).
An admin verifies it against the producer's papers; changing the details clears the check,
and payout runs skip a bank-transfer producer until its details are verified.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from shop.audit.services import record
from shop.banking.banks import bank_for
from shop.catalog.models import Producer
from shop.db import utcnow
from shop.errors import ShopError
from shop.extensions import db

ACCOUNT_MIN = 6
ACCOUNT_MAX = 19
HOLDER_MAX = 120


class ProducerBankAccount(db.Model):
    __tablename__ = "producer_bank_account"
    __table_args__ = (
        CheckConstraint("length(bank_bin) = 6", name="bin_six_digits"),
        CheckConstraint(
            f"length(account_number) BETWEEN {ACCOUNT_MIN} AND {ACCOUNT_MAX}",
            name="account_number_length",
        ),
        CheckConstraint("length(trim(holder_name)) > 0", name="holder_named"),
        CheckConstraint(
            "(verified_at IS NULL) = (verified_by_id IS NULL)", name="verified_by_someone"
        ),
        CheckConstraint(
            "verified_by_id IS NULL OR created_by_id IS NULL OR verified_by_id <> created_by_id",
            name="verified_by_another",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), unique=True)
    bank_bin: Mapped[str] = mapped_column(String(6))
    account_number: Mapped[str] = mapped_column(String(ACCOUNT_MAX))
    holder_name: Mapped[str] = mapped_column(String(HOLDER_MAX))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who entered the current details, and when (a change replaces both).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def bank(self):
        return bank_for(self.bank_bin)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def details(self) -> dict:
        return {
            "bank_bin": self.bank_bin,
            "account_number": self.account_number,
            "holder_name": self.holder_name,
        }


class BankAccountNotAllowed(ShopError):
    code = "bank_account_not_allowed"
    status = 409


def bank_account_of(producer_id: int) -> ProducerBankAccount | None:
    return db.session.scalars(
        select(ProducerBankAccount).where(ProducerBankAccount.producer_id == producer_id)
    ).one_or_none()


def verified_producers(producer_ids) -> set[int]:
    """Those of ``producer_ids`` whose bank details are verified."""
    ids = list(producer_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ProducerBankAccount.producer_id).where(
                ProducerBankAccount.producer_id.in_(ids),
                ProducerBankAccount.verified_at.is_not(None),
            )
        )
    )


def save_bank_account(
    producer: Producer, *, bank_bin: str, account_number: str, holder_name: str, user_id: int
) -> ProducerBankAccount:
    """Enter or change a producer's bank details (checked by the form); a change clears the
    verification. Audit-logged. Flushes."""
    if bank_for(bank_bin) is None:
        raise BankAccountNotAllowed("unknown bank", reason="unknown_bank")
    account = bank_account_of(producer.id)
    new = {"bank_bin": bank_bin, "account_number": account_number, "holder_name": holder_name}
    if account is None:
        account = ProducerBankAccount(producer_id=producer.id, created_by_id=user_id, **new)
        db.session.add(account)
        db.session.flush()
        record(user_id, "bank_account.entered", "producer_bank_account", account.id, {}, new,
               producer_id=producer.id)  # fmt: skip
        return account
    before = account.details() | {"verified": account.verified}
    if account.details() == new:
        return account
    for key, value in new.items():
        setattr(account, key, value)
    account.verified_at = None
    account.verified_by_id = None
    account.created_by_id = user_id
    account.created_at = utcnow()
    db.session.flush()
    record(user_id, "bank_account.changed", "producer_bank_account", account.id, before,
           new | {"verified": False}, producer_id=producer.id)  # fmt: skip
    return account


def verify_bank_account(
    account: ProducerBankAccount, *, admin_id: int, now: datetime, seen: dict
) -> bool:
    """An admin confirms the details they saw (``seen``: bank BIN, account, holder). Only
    the details still current and unverified are marked (compare-and-set): False when they
    changed meanwhile or were verified already. Never by the one who entered them."""
    if account.created_by_id is not None and account.created_by_id == admin_id:
        raise BankAccountNotAllowed("another person must verify these details", reason="same_user")
    result = db.session.execute(
        update(ProducerBankAccount)
        .where(
            ProducerBankAccount.id == account.id,
            ProducerBankAccount.verified_at.is_(None),
            ProducerBankAccount.bank_bin == seen.get("bank_bin"),
            ProducerBankAccount.account_number == seen.get("account_number"),
            ProducerBankAccount.holder_name == seen.get("holder_name"),
        )
        .values(verified_at=now, verified_by_id=admin_id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(account)
    if result.rowcount != 1:
        return False
    record(admin_id, "bank_account.verified", "producer_bank_account", account.id,
           {"verified": False}, {"verified": True} | account.details(),
           producer_id=account.producer_id)  # fmt: skip
    return True
