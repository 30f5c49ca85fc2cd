"""Carriers' cash-on-delivery remittance files: read, checked against the orders (a preview),
then confirmed by an admin, which credits each matching order's producers.

GHN, GHTK and Viettel Post export their remittance statements as spreadsheets saved as CSV:
UTF-8 with or without a BOM, separated by ``,``, ``;`` or tabs, amounts written the Vietnamese
way ("1.250.000"). The columns are found by their header names, in Vietnamese or English.

Nothing the preview found is trusted at confirmation: each row is checked again against the
order as it is then, and recorded in its own transaction so one failure never loses the others.
Recording is idempotent (the ledger's keys), so the same file imported twice credits nothing
new: its second batch shows the orders as already remitted.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from shop.db import begin_write_transaction
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.http import DB_INT_MAX
from shop.orders.models import Order, OrderLine, PaymentMethod
from shop.payouts.ledger import RemittanceMismatch, record_remittance
from shop.payouts.models import EntryKind, LedgerEntry
from shop.payouts.office_models import (
    Remittance,
    RemittanceLine,
    RemittanceOutcome,
    RemittanceStatus,
)

log = logging.getLogger(__name__)

Outcome = RemittanceOutcome
# Rows at most in one file (a carrier's daily statement is far smaller).
MAX_ROWS = 5000


def _normal(text: str) -> str:
    """A header name compared without case, accents or extra spaces ("Mã  ĐƠN hàng" →
    "ma don hang")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


# Header names, most specific first: GHN's "Mã đơn khách hàng" is the shop's own reference,
# its "Mã đơn hàng" the carrier's; GHTK and Viettel Post call the shop's reference "Mã đơn hàng".
REFERENCE_HEADERS = [
    _normal(name)
    for name in (
        "Mã đơn khách hàng",
        "Mã đơn hàng khách hàng",
        "Order reference",
        "Client order code",
        "Mã đơn hàng",
        "Mã đơn",
        "Reference",
        "Order",
    )
]
AMOUNT_HEADERS = [
    _normal(name)
    for name in (
        "Tiền thu hộ",
        "Tiền COD",
        "COD",
        "Thu hộ",
        "COD amount",
        "Amount",
        "Số tiền",
    )
]


class RemittanceFileError(ShopError):
    """The file cannot be read as a remittance statement (``reason`` says why)."""

    code = "remittance_file"
    status = 422


@dataclass(frozen=True)
class FileRow:
    row_number: int  # the row in the spreadsheet (the header is row 1)
    reference: str
    amount_vnd: int | None  # None: missing or unreadable
    amount_text: str


def parse_amount(text: str) -> int | None:
    """Đồng written by a carrier: "1.250.000", "1,250,000", "1 250 000 đ", "1250000"; None for
    anything else (decimals, negative amounts, digits other than 0–9)."""
    cleaned = text.strip()
    for suffix in ("₫", "VNĐ", "VND", "vnđ", "vnd", "đ", "Đ", "d"):
        cleaned = cleaned.removesuffix(suffix).strip()
    cleaned = cleaned.replace("\u00a0", " ").replace("\u202f", " ")
    if not cleaned.isascii():
        return None
    if re.fullmatch(r"\d{1,3}([.,  ]\d{3})+", cleaned):
        cleaned = re.sub(r"[., ]", "", cleaned)
    if not re.fullmatch(r"\d{1,12}", cleaned):
        return None
    value = int(cleaned)
    return value if value <= DB_INT_MAX else None


def _column(headers: list[str], names: list[str]) -> int | None:
    normal = [_normal(h) for h in headers]
    for name in names:
        if name in normal:
            return normal.index(name)
    return None


def read_file(data: bytes) -> list[FileRow]:
    """The rows of a carrier's file (blank rows skipped). Raises ``RemittanceFileError`` when
    it is not UTF-8 text, has no reference or amount column, or has no rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RemittanceFileError("not UTF-8", reason="encoding") from exc
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = max([",", ";", "\t"], key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise RemittanceFileError("not a CSV file", reason="format") from exc
    start = next((i for i, row in enumerate(table) if any(cell.strip() for cell in row)), None)
    if start is None:
        raise RemittanceFileError("empty file", reason="empty")
    headers = table[start]
    reference_at = _column(headers, REFERENCE_HEADERS)
    amount_at = _column(headers, AMOUNT_HEADERS)
    if reference_at is None or amount_at is None:
        raise RemittanceFileError("no reference or amount column", reason="columns")
    rows: list[FileRow] = []
    for index, row in enumerate(table[start + 1 :], start=start + 2):
        if not any(cell.strip() for cell in row):
            continue
        reference = row[reference_at].strip() if reference_at < len(row) else ""
        amount_text = row[amount_at].strip() if amount_at < len(row) else ""
        rows.append(FileRow(index, reference[:60], parse_amount(amount_text), amount_text[:60]))
        if len(rows) > MAX_ROWS:
            raise RemittanceFileError("too many rows", reason="too_many")
    if not rows:
        raise RemittanceFileError("no rows", reason="empty")
    return rows


# --- checking ------------------------------------------------------------------------------------


def remitted_order_ids(order_ids: list[int]) -> set[int]:
    """The orders among ``order_ids`` whose lines already credit their producers."""
    if not order_ids:
        return set()
    return set(
        db.session.scalars(
            select(OrderLine.order_id)
            .join(LedgerEntry, LedgerEntry.order_line_id == OrderLine.id)
            .where(OrderLine.order_id.in_(order_ids), LedgerEntry.kind == EntryKind.SALE)
            .distinct()
        )
    )


def classify(order: Order | None, amount_vnd: int, already_remitted: bool) -> RemittanceOutcome:
    """What a row naming ``order`` with ``amount_vnd`` would do if recorded now."""
    if order is None:
        return Outcome.UNKNOWN_REFERENCE
    if order.payment_method != PaymentMethod.COD:
        return Outcome.NOT_COD
    if order.paid_vnd == 0:
        return Outcome.NOT_COLLECTED
    if already_remitted:
        return Outcome.ALREADY_REMITTED
    if amount_vnd != order.paid_vnd:
        return Outcome.AMOUNT_DIFFERS
    if order.refunded_vnd > 0:
        return Outcome.REFUNDED
    return Outcome.MATCHED


def preview(
    rows: list[FileRow], *, file_name: str, admin_id: int | None, now: datetime
) -> Remittance:
    """Store the file as a batch awaiting confirmation, each row checked. Flushes."""
    references = {row.reference for row in rows if row.reference}
    orders = {
        order.reference: order
        for order in db.session.scalars(select(Order).where(Order.reference.in_(references)))
    }
    remitted = remitted_order_ids([order.id for order in orders.values()])
    batch = Remittance(
        file_name=file_name[:200] or "remittance.csv",
        status=RemittanceStatus.PREVIEW,
        uploaded_by_id=admin_id,
        uploaded_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    seen: set[str] = set()
    for row in rows:
        order = orders.get(row.reference)
        line = RemittanceLine(
            batch_id=batch.id,
            row_number=row.row_number,
            reference=row.reference,
            order_id=order.id if order else None,
            amount_vnd=row.amount_vnd,
            collected_vnd=order.paid_vnd if order else None,
        )
        if not row.reference or row.amount_vnd is None:
            line.outcome = Outcome.BAD_ROW
            line.reason = "no reference" if not row.reference else row.amount_text or "no amount"
        elif row.reference in seen:
            line.outcome = Outcome.DUPLICATE
        else:
            done = order is not None and order.id in remitted
            line.outcome = classify(order, row.amount_vnd, done)
        seen.add(row.reference)
        db.session.add(line)
    db.session.flush()
    _count(batch, matched=Outcome.MATCHED)
    return batch


def _count(batch: Remittance, *, matched: RemittanceOutcome) -> None:
    """The batch's counts and total from its lines (``matched``: the outcome that counts)."""
    counts = dict(
        db.session.execute(
            select(RemittanceLine.outcome, func.count(RemittanceLine.id))
            .where(RemittanceLine.batch_id == batch.id)
            .group_by(RemittanceLine.outcome)
        ).all()
    )
    total = db.session.scalar(
        select(func.coalesce(func.sum(RemittanceLine.amount_vnd), 0)).where(
            RemittanceLine.batch_id == batch.id, RemittanceLine.outcome == matched
        )
    )
    batch.rows_matched = counts.get(str(matched), 0)
    batch.rows_mismatched = sum(counts.values()) - batch.rows_matched
    batch.total_vnd = int(total)
    db.session.flush()


# --- confirming ----------------------------------------------------------------------------------


class RemittanceAlreadyConfirmed(ShopError):
    code = "remittance_confirmed"
    status = 409


def find_batch(batch_id: int) -> Remittance:
    batch = db.session.get(Remittance, batch_id)
    if batch is None:
        raise NotFound("no such remittance", batch_id=batch_id)
    return batch


def _settle_line(line_id: int, now: datetime) -> None:
    """Check one row again against its order as it is now and record it if it matches.
    Commits (its own transaction)."""
    begin_write_transaction(db.session)
    line = db.session.get(RemittanceLine, line_id)
    before = line.outcome
    if before in (Outcome.BAD_ROW, Outcome.DUPLICATE) or line.amount_vnd is None:
        db.session.rollback()
        return
    order = db.session.get(Order, line.order_id) if line.order_id else None
    outcome = classify(order, line.amount_vnd, bool(order and remitted_order_ids([order.id])))
    reason = None
    if outcome in (Outcome.MATCHED, Outcome.AMOUNT_DIFFERS, Outcome.REFUNDED):
        try:
            written = record_remittance(order, amount_vnd=line.amount_vnd, now=now)
        except RemittanceMismatch as exc:  # the order is flagged for the office's review
            refunded = exc.details.get("reason") == "refunded"
            outcome, reason = (Outcome.REFUNDED if refunded else Outcome.AMOUNT_DIFFERS), str(exc)
        else:
            outcome = Outcome.RECORDED if written else Outcome.ALREADY_REMITTED
    # Compare-and-set: a confirmation running at the same time settles each row once.
    db.session.execute(
        update(RemittanceLine)
        .where(RemittanceLine.id == line_id, RemittanceLine.outcome == before)
        .values(
            outcome=outcome,
            reason=reason,
            collected_vnd=order.paid_vnd if order else None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def confirm(batch_id: int, *, admin_id: int | None, now: datetime) -> Remittance:
    """Record every row of a previewed batch that matches now, each in its own transaction,
    then mark the batch confirmed with what was recorded. Commits."""
    batch = find_batch(batch_id)
    if batch.status != RemittanceStatus.PREVIEW:
        raise RemittanceAlreadyConfirmed("this remittance was already confirmed", batch_id=batch_id)
    line_ids = list(
        db.session.scalars(
            select(RemittanceLine.id)
            .where(RemittanceLine.batch_id == batch_id)
            .order_by(RemittanceLine.row_number)
        )
    )
    db.session.rollback()
    for line_id in line_ids:
        try:
            _settle_line(line_id, now)
        except Exception:  # one row's failure never loses the others (logged, left as is)
            db.session.rollback()
            log.exception("remittance %s: row %s could not be recorded", batch_id, line_id)
    begin_write_transaction(db.session)
    result = db.session.execute(
        update(Remittance)
        .where(Remittance.id == batch_id, Remittance.status == RemittanceStatus.PREVIEW)
        .values(status=RemittanceStatus.CONFIRMED, confirmed_at=now, confirmed_by_id=admin_id)
        .execution_options(synchronize_session=False)
    )
    batch = find_batch(batch_id)
    db.session.refresh(batch)
    if result.rowcount == 1:
        _count(batch, matched=Outcome.RECORDED)
    db.session.commit()
    return batch


def batches_query():
    """The remittance batches, newest first, and their count (for ``paginate``)."""
    return (
        select(Remittance).order_by(Remittance.uploaded_at.desc(), Remittance.id.desc()),
        select(func.count(Remittance.id)),
    )
