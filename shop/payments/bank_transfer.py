"""Orders paid by bank transfer: the shop's receiving account (checked at startup), an order's
transfer reference and VietQR code, and its payment deadline.

The buyer's bank app reads the VietQR code (the same payload code as payouts use) with the
exact amount and the order's reference; the money is matched from the bank statement
(``shop.payments.bank_statement``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select

from shop.banking import vietqr
from shop.banking.banks import Bank, bank_for
from shop.banking.names import to_ascii
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentMethod
from shop.payments.models import Payment, PaymentStatus

# An order's reference in a transfer note: ``OCOP OCM-2026-000123`` (20 characters; a VietQR
# note carries at most 25).
TRANSFER_PREFIX = "OCOP"
ORDER_REFERENCE_PREFIX = "OCM"
_ACCOUNT_DIGITS = re.compile(r"\d{1,19}")


class BankSettingsError(RuntimeError):
    """The shop's receiving account is set up wrongly: the shop refuses to start."""


@dataclass(frozen=True)
class ReceivingAccount:
    bank: Bank
    account: str
    holder: str


@dataclass(frozen=True)
class TransferDetails:
    """What the buyer needs to pay an order by bank transfer."""

    bank: Bank
    account: str
    holder: str
    amount_vnd: int
    reference: str
    due_at: datetime | None
    payload: str
    svg: str
    terms: PaymentTerms | None = None  # net N days, for a verified organisation's order


def check_bank_settings(app: Flask) -> None:
    """Refuse to start with a receiving account that no transfer could reach: all three of
    ``SHOP_BANK_BIN``, ``SHOP_BANK_ACCOUNT`` and ``SHOP_BANK_HOLDER`` or none, a BIN from the
    NAPAS table, an account number of digits, a holder name in plain letters."""
    config = app.config
    values = [str(config.get(name) or "").strip() for name in
              ("SHOP_BANK_BIN", "SHOP_BANK_ACCOUNT", "SHOP_BANK_HOLDER")]  # fmt: skip
    days = config.get("BANK_TRANSFER_PAYMENT_DAYS")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise BankSettingsError("BANK_TRANSFER_PAYMENT_DAYS must be a whole number of days ≥ 1")
    if not any(values):
        return
    bin_, account, holder = values
    if not all(values):
        raise BankSettingsError(
            "SHOP_BANK_BIN, SHOP_BANK_ACCOUNT and SHOP_BANK_HOLDER are set together or not at all"
        )
    if bank_for(bin_) is None:
        raise BankSettingsError(f"SHOP_BANK_BIN {bin_!r} is not a bank of the NAPAS table")
    if not _ACCOUNT_DIGITS.fullmatch(account):
        raise BankSettingsError("SHOP_BANK_ACCOUNT must be 1 to 19 digits")
    if not to_ascii(holder).isascii():
        raise BankSettingsError("SHOP_BANK_HOLDER must be written in Vietnamese or plain letters")


def receiving_account() -> ReceivingAccount | None:
    """The shop's account for incoming transfers, or None when bank transfer is not set up."""
    config = current_app.config
    bank = bank_for(str(config.get("SHOP_BANK_BIN") or "").strip())
    account = str(config.get("SHOP_BANK_ACCOUNT") or "").strip()
    holder = str(config.get("SHOP_BANK_HOLDER") or "").strip()
    if bank is None or not account or not holder:
        return None
    return ReceivingAccount(bank=bank, account=account, holder=to_ascii(holder).upper())


def payment_window() -> timedelta:
    return timedelta(days=current_app.config["BANK_TRANSFER_PAYMENT_DAYS"])


@dataclass(frozen=True)
class PaymentTerms:
    """Net N days: the order is due by the end of ``due_on`` (Vietnam time)."""

    days: int
    due_on: date


def terms_due_on(days: int, placed_at: datetime) -> date:
    return local_date_of(placed_at) + timedelta(days=days)


def local_date_of(moment: datetime) -> date:
    from shop.templating import LOCAL_TZ

    return _aware(moment).astimezone(LOCAL_TZ).date()


def end_of_local_day(day: date) -> datetime:
    """The last second of ``day`` in Vietnam, in UTC."""
    from shop.templating import LOCAL_TZ

    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(UTC)


def transfer_due_at(order: Order, now: datetime) -> datetime:
    """When an unpaid bank-transfer order expires and releases its stock: the payment window
    from when it is placed; for a member of a verified organisation with net-N-days terms,
    the end of the N-th day after it is placed (Vietnam time). Stock stays reserved until
    then: the expiry job and the stock checks read ``Order.expires_at``.

    The one place an order's payment deadline is decided."""
    from shop.agencies.services import payment_terms_days

    days = payment_terms_days(order.user_id)
    if days:
        return end_of_local_day(terms_due_on(days, now))
    return now + payment_window()


def order_terms(order: Order) -> PaymentTerms | None:
    """The net-N-days terms an unpaid bank-transfer order is under (from its buyer's
    organisation and its deadline), or None for the normal window."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.expires_at is None:
        return None
    from shop.agencies.services import payment_terms_days

    days = payment_terms_days(order.user_id)
    if not days:
        return None
    return PaymentTerms(days=days, due_on=local_date_of(order.expires_at))


def session_too_soon(first_session_at: datetime, due_at: datetime | None) -> bool:
    """Whether an experience session starts before a bank transfer for it is due (seats are
    not held for days for a visit that happens first)."""
    starts = _aware(first_session_at)
    if due_at is None:
        due_at = datetime.now(UTC) + payment_window()
    return starts <= _aware(due_at)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def order_transfer_reference(order: Order) -> str:
    """The reference the buyer writes in the transfer note: ASCII, at most 25 characters
    (VietQR's limit; ``vietqr.purpose_text`` refuses anything longer)."""
    return vietqr.purpose_text(f"{TRANSFER_PREFIX} {order.reference}")


def received_vnd(order: Order) -> int:
    """What has arrived by bank transfer for ``order`` so far."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Payment.captured_vnd), 0)).where(
                Payment.order_id == order.id,
                Payment.provider == PaymentMethod.BANK_TRANSFER.value,
                Payment.status == PaymentStatus.SUCCEEDED,
            )
        )
    )


def transfer_details(order: Order) -> TransferDetails | None:
    """The transfer that pays ``order`` (what is still due, when part of it has arrived): for a
    bank-transfer order still awaiting payment on a server whose receiving account is
    configured; None otherwise."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return None
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return None
    account = receiving_account()
    if account is None:
        return None
    reference = order_transfer_reference(order)
    due_vnd = order.total_vnd - received_vnd(order)
    if due_vnd <= 0:
        return None
    payload = vietqr.build_payload(
        bin=account.bank.bin,
        account=account.account,
        amount_vnd=due_vnd,
        purpose=reference,
    )
    return TransferDetails(
        bank=account.bank,
        account=account.account,
        holder=account.holder,
        amount_vnd=due_vnd,
        reference=reference,
        due_at=order.expires_at,
        payload=payload,
        svg=vietqr.svg(payload, title=reference),
        terms=order_terms(order),
    )
