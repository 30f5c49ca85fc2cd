"""The OCOP office's money reports over a range of months (Vietnam's calendar):

* commission earned by month (commission less what refunds returned), with its sales basis;
* VAT and personal income tax withheld by month and producer, net of refunds, for the monthly
  declaration (due on the 20th of the following month);
* payouts by status: how many and how much.

Each report is one SQL statement whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from werkzeug.datastructures import MultiDict

from shop.catalog.models import Producer
from shop.extensions import db
from shop.payouts.models import EntryKind, LedgerEntry, Payout, PayoutStatus, WithheldTax
from shop.payouts.statements import InvalidMonth, Month, local_month
from shop.templating import local_today

DEFAULT_MONTHS = 12
MAX_MONTHS = 120  # ten years on one page


@dataclass(frozen=True)
class MonthRange:
    first: Month
    last: Month

    @property
    def start(self):
        return self.first.start

    @property
    def end(self):
        return self.last.end

    def months(self) -> list[Month]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = month.next()
        return months


def default_range(today: date | None = None) -> MonthRange:
    """The last twelve months, this one included."""
    last = Month.of(today or local_today())
    return MonthRange(last.minus(DEFAULT_MONTHS - 1), last)


def parse_range(args: MultiDict) -> tuple[MonthRange, dict[str, str]]:
    """``?from=YYYY-MM&to=YYYY-MM`` (each defaults to the last twelve months' ends); errors
    maps a parameter to its message, and the range is then the default one."""
    default = default_range()
    errors: dict[str, str] = {}
    found: dict[str, Month] = {}
    for name, fallback in (("from", default.first), ("to", default.last)):
        raw = args.get(name, "").strip()
        if not raw:
            found[name] = fallback
            continue
        try:
            found[name] = Month.parse(raw)
        except InvalidMonth:
            errors[name] = _("Enter a month as year-month, for example 2026-11.")
    if not errors:
        if found["to"] < found["from"]:
            errors["to"] = _("The last month must not be before the first month.")
        elif len(MonthRange(found["from"], found["to"]).months()) > MAX_MONTHS:
            errors["to"] = _("Choose at most %(num)d months.", num=MAX_MONTHS)
    if errors:
        return default, errors
    return MonthRange(found["from"], found["to"]), errors


def _sum_when(condition, sign: int = 1):
    return func.coalesce(func.sum(case((condition, sign * LedgerEntry.amount_vnd), else_=0)), 0)


def _in_range(months: MonthRange):
    return (LedgerEntry.created_at >= months.start, LedgerEntry.created_at < months.end)


# --- commission --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommissionMonth:
    month: Month
    sales_vnd: int
    refunded_sales_vnd: int
    commission_vnd: int
    refunded_commission_vnd: int

    @property
    def basis_vnd(self) -> int:
        """The sales the commission was earned on: sales less refunded sales."""
        return self.sales_vnd - self.refunded_sales_vnd

    @property
    def earned_vnd(self) -> int:
        return self.commission_vnd - self.refunded_commission_vnd


def commission_by_month(months: MonthRange) -> list[CommissionMonth]:
    """Every month of the range, oldest first (months without sales show zeros)."""
    month = local_month(LedgerEntry.created_at)
    kind = LedgerEntry.kind
    rows = db.session.execute(
        select(
            month,
            _sum_when(kind == EntryKind.SALE),
            _sum_when(kind == EntryKind.REFUND_SALE, -1),
            _sum_when(kind == EntryKind.COMMISSION, -1),
            _sum_when(kind == EntryKind.REFUND_COMMISSION),
        )
        .where(
            *_in_range(months),
            kind.in_(
                [
                    EntryKind.SALE,
                    EntryKind.REFUND_SALE,
                    EntryKind.COMMISSION,
                    EntryKind.REFUND_COMMISSION,
                ]
            ),
        )
        .group_by(month)
    ).all()
    found = {text: [int(value) for value in values] for text, *values in rows}
    return [
        CommissionMonth(m, *found.get(str(m), [0, 0, 0, 0]))  # type: ignore[arg-type]
        for m in months.months()
    ]


# --- withholding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithholdingRow:
    month: Month
    producer_id: int
    producer_name: str
    tax_code: str
    legal_type: str
    revenue_vnd: int  # sales less refunded sales: the basis of the withholding
    vat_withheld_vnd: int
    vat_returned_vnd: int  # given back on refunds
    pit_withheld_vnd: int
    pit_returned_vnd: int

    @property
    def vat_vnd(self) -> int:
        """VAT to declare: withheld less what refunds gave back."""
        return self.vat_withheld_vnd - self.vat_returned_vnd

    @property
    def pit_vnd(self) -> int:
        return self.pit_withheld_vnd - self.pit_returned_vnd

    @property
    def total_vnd(self) -> int:
        return self.vat_vnd + self.pit_vnd


def declaration_due(month: Month) -> date:
    """The withholding of a month is declared and paid by the 20th of the next month."""
    return month.next().first_day.replace(day=20)


def withholding_by_month(months: MonthRange) -> dict[Month, list[WithholdingRow]]:
    """{month: one row per producer with withholding that month}, newest month first,
    producers by name."""
    month = local_month(LedgerEntry.created_at)
    kind, tax = LedgerEntry.kind, LedgerEntry.tax
    withholding = kind.in_([EntryKind.WITHHOLDING, EntryKind.REFUND_WITHHOLDING])
    vat, pit = tax == WithheldTax.VAT, tax == WithheldTax.PIT
    rows = db.session.execute(
        select(
            month,
            Producer.id,
            Producer.name,
            Producer.tax_code,
            Producer.legal_type,
            _sum_when(kind.in_([EntryKind.SALE, EntryKind.REFUND_SALE])),
            _sum_when((kind == EntryKind.WITHHOLDING) & vat, -1),
            _sum_when((kind == EntryKind.REFUND_WITHHOLDING) & vat),
            _sum_when((kind == EntryKind.WITHHOLDING) & pit, -1),
            _sum_when((kind == EntryKind.REFUND_WITHHOLDING) & pit),
        )
        .join(Producer, Producer.id == LedgerEntry.producer_id)
        .where(*_in_range(months))
        .group_by(month, Producer.id, Producer.name, Producer.tax_code, Producer.legal_type)
        .having(func.sum(case((withholding, 1), else_=0)) > 0)
        .order_by(month.desc(), Producer.name, Producer.id)
    ).all()
    found: dict[Month, list[WithholdingRow]] = {}
    for text, producer_id, name, tax_code, legal_type, *amounts in rows:
        m = Month.parse(text)
        found.setdefault(m, []).append(
            WithholdingRow(
                m,
                producer_id,
                name,
                tax_code,
                legal_type,
                *[int(a) for a in amounts],  # type: ignore[arg-type]
            )
        )
    return found


# --- payouts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutStatusRow:
    status: str
    count: int
    total_vnd: int


def payouts_by_status(months: MonthRange) -> list[PayoutStatusRow]:
    """Every status, in the order a payout goes through them, with the payouts created in the
    range."""
    rows = db.session.execute(
        select(Payout.status, func.count(Payout.id), func.coalesce(func.sum(Payout.amount_vnd), 0))
        .where(Payout.created_at >= months.start, Payout.created_at < months.end)
        .group_by(Payout.status)
    ).all()
    found = {status: (int(count), int(total)) for status, count, total in rows}
    return [PayoutStatusRow(str(s), *found.get(str(s), (0, 0))) for s in PayoutStatus]


def payout_status_label(status: str) -> str:
    labels = {
        PayoutStatus.DRAFT: _("Draft"),
        PayoutStatus.APPROVED: _("Approved"),
        PayoutStatus.SENT: _("Sent"),
        PayoutStatus.PAID: _("Paid"),
        PayoutStatus.FAILED: _("Failed"),
        PayoutStatus.RECONCILED: _("Reconciled"),
    }
    return labels.get(status, status)
