"""A producer's monthly statement: the balance at the start of the month, every ledger entry of
the month in order, the balance at its end, and the month's totals by kind; as CSV and PDF.

Months are Vietnam's calendar months (``LOCAL_TZ``): an entry at 23:30 on the 31st local time
belongs to that month although it is 16:30 UTC. The opening balance is the sum of every entry
written before the month, so a month's closing balance is the next month's opening balance.
A statement takes three SQL statements whatever the number of entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.orders.models import Order, OrderLine, ProducerOrder
from shop.payouts.models import EntryKind, LedgerEntry, WithheldTax
from shop.payouts.providers import payout_reference
from shop.templating import LOCAL_TZ, legal_type_label, localdate
from shop.tourism.models import Booking, Experience

# Months a statement or a report may name: the shop's own years, well inside every database's
# date range (a year such as 99999 is no month: the page is a 404).
FIRST_YEAR, LAST_YEAR = 2000, 2999


MONTH_TEXT = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


class InvalidMonth(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in Vietnam's time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.month <= 12):
            raise InvalidMonth(f"{self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11`` → November 2026; anything else raises ``InvalidMonth``."""
        found = MONTH_TEXT.fullmatch(text.strip())
        if found is None:
            raise InvalidMonth(text)
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def minus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 - months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        """The month's first moment, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=LOCAL_TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The next month's first moment, in UTC (the month is ``[start, end)``)."""
        first = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return datetime(first.year, first.month, 1, tzinfo=LOCAL_TZ).astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """``11/2026`` — the same in both languages."""
        return f"{self.month:02d}/{self.year}"


def local_month(column):
    """SQL for the Vietnam-time month (``YYYY-MM``) of a UTC timestamp column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(str(LOCAL_TZ), column), "YYYY-MM")
    # SQLite stores UTC; Vietnam has kept UTC+7 without daylight saving since 1975.
    offset = datetime.now(LOCAL_TZ).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return func.strftime("%Y-%m", column, f"{hours:+d} hours")


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# --- kinds ----------------------------------------------------------------------------------

# The statement's totals: each entry counts in exactly one group, so the groups add up to the
# month's movement.
GROUPS = ("sales", "commission", "vat", "pit", "refunds", "payouts", "adjustments")


def group_of(kind: str, tax: str | None) -> str:
    if kind == EntryKind.SALE:
        return "sales"
    if kind == EntryKind.COMMISSION:
        return "commission"
    if kind == EntryKind.WITHHOLDING:
        return "pit" if tax == WithheldTax.PIT else "vat"
    if kind in (EntryKind.REFUND_SALE, EntryKind.REFUND_COMMISSION, EntryKind.REFUND_WITHHOLDING):
        return "refunds"
    if kind in (EntryKind.PAYOUT, EntryKind.PAYOUT_REVERSAL):
        return "payouts"
    return "adjustments"


def group_label(group: str) -> str:
    labels = {
        "sales": _("Sales"),
        "commission": _("Commission"),
        "vat": _("VAT withheld"),
        "pit": _("Personal income tax withheld"),
        "refunds": _("Refunds"),
        "payouts": _("Payouts"),
        "adjustments": _("Adjustments"),
    }
    return labels[group]


def kind_label(kind: str, tax: str | None = None) -> str:
    """What an entry is, in the language in force."""
    vat = tax != WithheldTax.PIT
    labels = {
        EntryKind.SALE: _("Sale"),
        EntryKind.COMMISSION: _("Commission"),
        EntryKind.WITHHOLDING: _("VAT withheld") if vat else _("Personal income tax withheld"),
        EntryKind.REFUND_SALE: _("Sale refunded"),
        EntryKind.REFUND_COMMISSION: _("Commission returned on a refund"),
        EntryKind.REFUND_WITHHOLDING: (
            _("VAT withheld, returned on a refund")
            if vat
            else _("Personal income tax withheld, returned on a refund")
        ),
        EntryKind.PAYOUT: _("Payout"),
        EntryKind.PAYOUT_REVERSAL: _("Payout returned"),
        EntryKind.ADJUSTMENT: _("Adjustment"),
    }
    return labels.get(kind, kind)


# --- the statement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    created_at: datetime  # UTC
    kind: str
    tax: str | None
    amount_vnd: int
    balance_vnd: int  # the balance after this entry
    order_reference: str | None
    item_name: str | None  # the order line's product (or seats) name
    experience_vi: str | None
    experience_en: str | None
    payout_id: int | None

    @property
    def label(self) -> str:
        return kind_label(self.kind, self.tax)

    def concerns(self, lang: str) -> str:
        """What the entry is about: the order and its product, the booked experience, or the
        payout's transfer reference."""
        if self.payout_id is not None:
            return payout_reference(self.payout_id)
        parts = [self.order_reference] if self.order_reference else []
        experience = (self.experience_en if lang == "en" else None) or self.experience_vi
        if self.item_name:
            parts.append(self.item_name)
        elif experience:
            parts.append(experience)
        return " · ".join(parts)


@dataclass
class Statement:
    producer: Producer
    month: Month
    opening_vnd: int
    lines: list[StatementLine]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def movement_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @property
    def closing_vnd(self) -> int:
        return self.opening_vnd + self.movement_vnd

    @property
    def legal_type(self) -> str:
        return legal_type_label(self.producer.legal_type)

    def filename(self, extension: str, lang: str) -> str:
        return f"statement-{self.producer.slug}-{self.month}-{lang}.{extension}"


def statement(producer_id: int, month: Month) -> Statement | None:
    """The producer's statement for ``month``; None when there is no such producer."""
    producer = db.session.get(Producer, producer_id)
    if producer is None:
        return None
    opening = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_vnd), 0)).where(
            LedgerEntry.producer_id == producer_id, LedgerEntry.created_at < month.start
        )
    )
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.tax,
            LedgerEntry.amount_vnd,
            Order.reference,
            OrderLine.name,
            Experience.name_vi,
            Experience.name_en,
            LedgerEntry.payout_id,
        )
        .select_from(LedgerEntry)
        .outerjoin(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .outerjoin(Booking, Booking.id == LedgerEntry.booking_id)
        .outerjoin(Experience, Experience.id == Booking.experience_id)
        .outerjoin(
            ProducerOrder,
            ProducerOrder.id
            == func.coalesce(LedgerEntry.producer_order_id, Booking.producer_order_id),
        )
        .outerjoin(Order, Order.id == ProducerOrder.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.created_at >= month.start,
            LedgerEntry.created_at < month.end,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    running = int(opening)
    lines = []
    totals = dict.fromkeys(GROUPS, 0)
    for row in rows:
        running += row.amount_vnd
        totals[group_of(row.kind, row.tax)] += row.amount_vnd
        lines.append(
            StatementLine(
                entry_id=row.id,
                created_at=as_utc(row.created_at),
                kind=row.kind,
                tax=row.tax,
                amount_vnd=row.amount_vnd,
                balance_vnd=running,
                order_reference=row.reference,
                item_name=row.name,
                experience_vi=row.name_vi,
                experience_en=row.name_en,
                payout_id=row.payout_id,
            )
        )
    return Statement(producer, month, int(opening), lines, totals)


def statement_months(producer_id: int) -> list[Month]:
    """The months in which the producer's ledger moved, newest first (one statement)."""
    month = local_month(LedgerEntry.created_at)
    texts = db.session.scalars(
        select(month).where(LedgerEntry.producer_id == producer_id).group_by(month)
    ).all()
    months = []
    for text in texts:
        try:
            months.append(Month.parse(text))
        except InvalidMonth:
            continue
    return sorted(months, reverse=True)


# --- files ----------------------------------------------------------------------------------


def statement_rows(stmt: Statement, lang: str) -> list[list[object]]:
    """The statement as spreadsheet rows, in the language in force."""
    rows: list[list[object]] = [
        [_("Producer"), stmt.producer.name],
        [_("Tax code"), stmt.producer.tax_code],
        [_("Month"), stmt.month.label],
        [_("Opening balance"), stmt.opening_vnd],
        [],
        [_("Date"), _("Entry"), _("Concerns"), _("Amount (đồng)"), _("Balance (đồng)")],
    ]
    for line in stmt.lines:
        rows.append(
            [
                localdate(line.created_at),
                line.label,
                line.concerns(lang),
                line.amount_vnd,
                line.balance_vnd,
            ]
        )
    rows += [[], [_("Closing balance"), stmt.closing_vnd], [], [_("Totals of the month")]]
    rows += [[group_label(group), stmt.totals[group]] for group in GROUPS]
    return rows


def statement_pdf(stmt: Statement, lang: str) -> bytes:
    """The statement on A4, in Be Vietnam Pro (embedded, so the diacritics print and copy out
    as typed)."""
    from shop.money import format_vnd
    from shop.tourism.pdf import FAMILY, MUTED, NEXT, ShopPDF

    pdf = ShopPDF(_("Statement %(month)s", month=stmt.month.label), format="A4")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _("OCOP Market · Monthly statement"), **NEXT)
    pdf.ln(2)
    pdf.heading(stmt.producer.name, 16)
    pdf.label_value(_("Tax code"), stmt.producer.tax_code)
    pdf.label_value(_("Legal type"), stmt.legal_type)
    pdf.label_value(_("Month"), stmt.month.label)
    pdf.label_value(_("Opening balance"), format_vnd(stmt.opening_vnd))
    pdf.ln(3)
    if stmt.lines:
        pdf.set_font(FAMILY, "", 8)
        with pdf.table(
            col_widths=(20, 45, 55, 30, 30),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
            line_height=5,
        ) as table:
            row = table.row()
            for header in (_("Date"), _("Entry"), _("Concerns"), _("Amount"), _("Balance")):
                row.cell(header)
            for line in stmt.lines:
                row = table.row()
                row.cell(localdate(line.created_at))
                row.cell(line.label)
                row.cell(line.concerns(lang))
                row.cell(format_vnd(line.amount_vnd))
                row.cell(format_vnd(line.balance_vnd))
    else:
        pdf.paragraph(_("No entries this month."))
    pdf.ln(3)
    pdf.label_value(_("Closing balance"), format_vnd(stmt.closing_vnd))
    pdf.ln(3)
    pdf.heading(_("Totals of the month"), 12)
    for group in GROUPS:
        pdf.label_value(group_label(group), format_vnd(stmt.totals[group]), label_width=70)
    return bytes(pdf.output())
