"""The office's reports over a range of local days (Asia/Ho_Chi_Minh), each a table the page
shows, draws as a bar chart where it helps, and hands over as CSV or XLSX (a registry of report
generators, as django-oscar's dashboard keeps them).

* Sales by OCOP group, by commune and by stars come from the producers' ledger: a ``sale``
  entry is written once per paid line when its payment is accepted (cash on delivery: when the
  carrier remits the cash), with the producer and the line's amount; a ``refund_sale`` entry
  when part of it is refunded. A sale counts on the local day its entry was written; refunds
  count on the day they were written (the ledger's view, as in the money reports), in the row
  of the line they refund. Stars are the best certificate in force on the **sale day**
  (decision date ≤ day ≤ last valid day, not revoked).
* Experiences: sessions starting in the range (not cancelled), tickets sold (paid bookings),
  their guests (seats) and the guests checked in.
* Withholding by month: the Decree 117/2025 VAT and personal income tax withheld from
  household and individual sellers, with the sales they were withheld from, net of refunds.

Every query is limited to the office account's province (``shop.admin.scope``); an admin sees
every province. Each report reads a fixed number of statements whatever the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from shop.admin.scope import scoped_by_producer
from shop.catalog.models import Category, CertificateStatus, OcopCertificate, Producer, Product
from shop.extensions import db
from shop.orders.models import OrderLine
from shop.payouts.models import EntryKind, LedgerEntry, WithheldTax
from shop.payouts.statements import FIRST_YEAR, LAST_YEAR, Month, local_month
from shop.templating import LOCAL_TZ, current_lang
from shop.tourism.models import Booking, BookingStatus, Experience, ExperienceSession

MAX_DAYS = 366
# Bookings that came or come to their session: paid for and not cancelled.
ATTENDING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


@dataclass(frozen=True)
class DateRange:
    """Local days ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if not (self.first.year >= FIRST_YEAR and self.last.year <= LAST_YEAR):
            raise ValueError("a report's days are between 2000 and 2999")

    @property
    def start(self) -> datetime:
        """The first day's first moment, in UTC."""
        return datetime.combine(self.first, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment after the last day (the range is ``[start, end)``), in UTC."""
        following = self.last + timedelta(days=1)
        return datetime.combine(following, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def this_month_so_far(today: date) -> DateRange:
    return DateRange(today.replace(day=1), today)


def local_day(column):
    """SQL for the Vietnam-time day of a UTC timestamp column (a date; ``YYYY-MM-DD`` text on
    SQLite, which compares with its dates as stored)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(str(LOCAL_TZ), column))
    offset = datetime.now(LOCAL_TZ).utcoffset()  # UTC+7, no daylight saving since 1975
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return func.date(column, f"{hours:+d} hours")


# --- tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | count | vnd | percent


@dataclass
class Table:
    columns: list[Column]
    rows: list[list]
    total: list | None = None
    # (label, value) pairs for the bar chart, and what the value is.
    chart: list[tuple[str, int]] = field(default_factory=list)
    chart_title: str = ""
    chart_money: bool = False

    def header(self) -> list[str]:
        return [column.label for column in self.columns]


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{format_decimal(value, format='#,##0.0')} %"


def _sum_when(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


# --- sales ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesRow:
    key: tuple
    gross_vnd: int
    refunded_vnd: int
    quantity: int
    orders: int

    @property
    def net_vnd(self) -> int:
        return self.gross_vnd - self.refunded_vnd


def sales_by(dates: DateRange, keys: Callable[[dict], list]) -> list[SalesRow]:
    """Sales and refunds of paid lines written in ``dates``, grouped by ``keys(parts)``: SQL
    expressions over the parts of each entry's line (``entry``, ``sale`` — the sale a refund
    reverses —, ``product``, ``experience``, ``producer``, ``sale_day``)."""
    entry, sale = LedgerEntry, aliased(LedgerEntry)
    parts = {
        "entry": entry,
        "sale": sale,
        "sale_day": local_day(func.coalesce(sale.created_at, entry.created_at)),
    }
    key_columns = [column.label(f"k{i}") for i, column in enumerate(keys(parts))]
    inner = scoped_by_producer(
        select(
            *key_columns,
            entry.kind.label("kind"),
            entry.amount_vnd.label("amount"),
            OrderLine.quantity.label("quantity"),
            OrderLine.order_id.label("order_id"),
        )
        .select_from(entry)
        .join(OrderLine, OrderLine.id == entry.order_line_id)
        .join(Producer, Producer.id == entry.producer_id)
        .outerjoin(sale, sale.id == entry.reverses_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(ExperienceSession, ExperienceSession.id == OrderLine.session_id)
        .outerjoin(Experience, Experience.id == ExperienceSession.experience_id)
        .where(
            entry.kind.in_([EntryKind.SALE, EntryKind.REFUND_SALE]),
            entry.created_at >= dates.start,
            entry.created_at < dates.end,
        ),
        entry.producer_id,
    ).subquery()
    is_sale = inner.c.kind == EntryKind.SALE.value
    keys_out = [inner.c[f"k{i}"] for i in range(len(key_columns))]
    rows = db.session.execute(
        select(
            *keys_out,
            _sum_when(is_sale, inner.c.amount),
            _sum_when(inner.c.kind == EntryKind.REFUND_SALE.value, -inner.c.amount),
            _sum_when(is_sale, inner.c.quantity),
            func.count(func.distinct(case((is_sale, inner.c.order_id), else_=None))),
        ).group_by(*keys_out)
    ).all()
    found = [
        SalesRow(tuple(row[: len(keys_out)]), *(int(v) for v in row[len(keys_out) :]))
        for row in rows
    ]
    return sorted(found, key=lambda r: (-r.gross_vnd, -r.refunded_vnd, str(r.key)))


def _sales_columns(*first: Column) -> list[Column]:
    return [
        *first,
        Column(_("Gross sales"), "vnd"),
        Column(_("Refunded"), "vnd"),
        Column(_("Net sales"), "vnd"),
        Column(_("Quantity"), "count"),
        Column(_("Orders"), "count"),
    ]


def _sales_table(columns: list[Column], rows: list[SalesRow], labels) -> Table:
    width = len(columns) - 5
    body = [
        [*labels(row), row.gross_vnd, row.refunded_vnd, row.net_vnd, row.quantity, row.orders]
        for row in rows
    ]
    total = [
        _("Total"),
        *([""] * (width - 1)),
        sum(r.gross_vnd for r in rows),
        sum(r.refunded_vnd for r in rows),
        sum(r.net_vnd for r in rows),
        sum(r.quantity for r in rows),
        # An order of two groups counts in both rows: the total counts it once.
        None,
    ]
    return Table(
        columns,
        body,
        total,
        chart=[(" · ".join(str(x) for x in labels(row) if x), row.gross_vnd) for row in rows[:12]],
        chart_title=_("Gross sales"),
        chart_money=True,
    )


def _orders_total(dates: DateRange) -> int:
    """Orders with a sale in the range (each once), for the tables' total row."""
    return int(
        db.session.scalar(
            scoped_by_producer(
                select(func.count(func.distinct(OrderLine.order_id)))
                .select_from(LedgerEntry)
                .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
                .where(
                    LedgerEntry.kind == EntryKind.SALE,
                    LedgerEntry.created_at >= dates.start,
                    LedgerEntry.created_at < dates.end,
                ),
                LedgerEntry.producer_id,
            )
        )
        or 0
    )


def sales_by_group(dates: DateRange) -> Table:
    """Sales by the top-level OCOP group of the product's (or experience's) category."""
    line_category = aliased(Category)

    def keys(parts):
        category_id = func.coalesce(Product.category_id, Experience.category_id)
        group_id = (
            select(func.coalesce(line_category.parent_id, line_category.id))
            .where(line_category.id == category_id)
            .scalar_subquery()
        )
        return [group_id]

    rows = sales_by(dates, keys)
    ids = [row.key[0] for row in rows if row.key[0] is not None]
    names = {
        id_: (vi, en)
        for id_, vi, en in db.session.execute(
            select(Category.id, Category.name_vi, Category.name_en).where(Category.id.in_(ids))
        )
    }
    english = current_lang() == "en"

    def labels(row: SalesRow) -> list:
        vi, en = names.get(row.key[0], (_("No group"), None))
        return [(en or vi) if english else vi]

    table = _sales_table(_sales_columns(Column(_("OCOP group"))), rows, labels)
    table.total[-1] = _orders_total(dates)
    return table


def sales_by_commune(dates: DateRange) -> Table:
    """Sales by the producer's commune (and province)."""
    rows = sales_by(dates, lambda parts: [Producer.commune, Producer.province])
    table = _sales_table(
        _sales_columns(Column(_("Commune")), Column(_("Province"))),
        rows,
        lambda row: [row.key[0], row.key[1]],
    )
    table.total[-1] = _orders_total(dates)
    return table


def sales_by_stars(dates: DateRange) -> Table:
    """Sales by the stars of the best certificate in force on the sale day (lines of a product
    or experience with none: "not rated")."""
    certificate = aliased(OcopCertificate)

    def keys(parts):
        day = parts["sale_day"]
        stars = (
            select(func.max(certificate.stars))
            .where(
                or_(
                    and_(Product.id.is_not(None), certificate.product_id == Product.id),
                    and_(Experience.id.is_not(None), certificate.experience_id == Experience.id),
                ),
                certificate.status != CertificateStatus.REVOKED.value,
                certificate.decision_date <= day,
                certificate.valid_until >= day,
            )
            .scalar_subquery()
        )
        return [stars]

    rows = sales_by(dates, keys)
    rows.sort(key=lambda r: -(r.key[0] or 0))

    def labels(row: SalesRow) -> list:
        stars = row.key[0]
        return [_("%(n)d stars", n=stars) if stars else _("Not rated")]

    table = _sales_table(_sales_columns(Column(_("Stars on the sale day"))), rows, labels)
    table.total[-1] = _orders_total(dates)
    return table


# --- experiences ---------------------------------------------------------------------------------


def experience_visits(dates: DateRange) -> Table:
    """Per experience: its sessions starting in the range (not cancelled), the tickets sold for
    them (paid bookings, not cancelled), their guests and the guests checked in."""
    attending = and_(Booking.session_id == ExperienceSession.id, Booking.status.in_(ATTENDING))
    checked_in = Booking.checked_in_at.is_not(None)
    rows = db.session.execute(
        scoped_by_producer(
            select(
                Experience.id,
                Experience.name_vi,
                Experience.name_en,
                Producer.name,
                func.count(func.distinct(ExperienceSession.id)),
                func.count(Booking.id),
                func.coalesce(func.sum(Booking.seats), 0),
                _sum_when(checked_in, Booking.seats),
            )
            .select_from(ExperienceSession)
            .join(Experience, Experience.id == ExperienceSession.experience_id)
            .join(Producer, Producer.id == Experience.producer_id)
            .outerjoin(Booking, attending)
            .where(
                ExperienceSession.starts_at >= dates.start,
                ExperienceSession.starts_at < dates.end,
                ExperienceSession.status != "cancelled",
            )
            .group_by(Experience.id, Experience.name_vi, Experience.name_en, Producer.name),
            Experience.producer_id,
        )
    ).all()
    english = current_lang() == "en"
    body = []
    for _id, name_vi, name_en, producer, sessions, tickets, guests, arrived in sorted(
        rows, key=lambda r: (-int(r[6]), r[1])
    ):
        guests, arrived = int(guests), int(arrived)
        name = (name_en or name_vi) if english else name_vi
        body.append([name, producer, sessions, tickets, guests, arrived, percent(arrived, guests)])
    totals = [sum(row[i] for row in body) for i in (2, 3, 4, 5)]
    return Table(
        [
            Column(_("Experience")),
            Column(_("Producer")),
            Column(_("Sessions"), "count"),
            Column(_("Tickets sold"), "count"),
            Column(_("Guests"), "count"),
            Column(_("Guests checked in"), "count"),
            Column(_("Check-in rate"), "percent"),
        ],
        body,
        [_("Total"), "", *totals, percent(totals[3], totals[2])],
        chart=[(row[0], row[4]) for row in body[:12]],
        chart_title=_("Guests"),
    )


# --- withholding ---------------------------------------------------------------------------------


def withholding_by_month(dates: DateRange) -> Table:
    """Per month (newest first) and producer: VAT and personal income tax withheld, less what
    refunds gave back, and the sales they were withheld from (less refunded sales)."""
    entry, withholding = LedgerEntry, aliased(LedgerEntry)
    withheld_lines = select(withholding.order_line_id).where(
        withholding.kind == EntryKind.WITHHOLDING
    )
    kind, tax = entry.kind, entry.tax
    month = local_month(entry.created_at)
    rows = db.session.execute(
        scoped_by_producer(
            select(
                month,
                Producer.id,
                Producer.name,
                Producer.tax_code,
                _sum_when(kind == EntryKind.SALE, entry.amount_vnd),
                _sum_when(kind == EntryKind.REFUND_SALE, -entry.amount_vnd),
                _sum_when(
                    (kind == EntryKind.WITHHOLDING) & (tax == WithheldTax.VAT), -entry.amount_vnd
                ),
                _sum_when(
                    (kind == EntryKind.WITHHOLDING) & (tax == WithheldTax.PIT), -entry.amount_vnd
                ),
                _sum_when(kind == EntryKind.REFUND_WITHHOLDING, entry.amount_vnd),
            )  # fmt: skip
            .join(Producer, Producer.id == entry.producer_id)
            .where(
                entry.created_at >= dates.start,
                entry.created_at < dates.end,
                or_(
                    kind.in_([EntryKind.WITHHOLDING, EntryKind.REFUND_WITHHOLDING]),
                    and_(
                        kind.in_([EntryKind.SALE, EntryKind.REFUND_SALE]),
                        entry.order_line_id.in_(withheld_lines),
                    ),
                ),
            )
            .group_by(month, Producer.id, Producer.name, Producer.tax_code)
            .order_by(month.desc(), Producer.name, Producer.id),
            entry.producer_id,
        )
    ).all()
    body = []
    for text, _id, name, tax_code, *amounts in rows:
        sales, refunded, vat, pit, returned = (int(a) for a in amounts)
        body.append(
            [Month.parse(text).label, name, tax_code, sales, refunded, vat, pit, returned,
             vat + pit - returned]
        )  # fmt: skip
    return Table(
        [
            Column(_("Month")),
            Column(_("Producer")),
            Column(_("Tax code")),
            Column(_("Sales withheld from"), "vnd"),
            Column(_("Refunded sales"), "vnd"),
            Column(_("VAT withheld"), "vnd"),
            Column(_("Personal income tax withheld"), "vnd"),
            Column(_("Returned on refunds"), "vnd"),
            Column(_("Withholding to declare"), "vnd"),
        ],
        body,
        [_("Total"), "", "", *(sum(row[i] for row in body) for i in range(3, 9))],
    )


# --- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    code: str
    title: object  # lazy text
    about: object  # lazy text
    build: Callable[[DateRange], Table]


REPORTS: dict[str, Report] = {
    report.code: report
    for report in (
        Report(
            "sales-by-group",
            _l("Sales by OCOP group"),
            _l("Paid lines by the OCOP group of the product or experience."),
            sales_by_group,
        ),
        Report(
            "sales-by-commune",
            _l("Sales by commune"),
            _l("Paid lines by the commune of the producer."),
            sales_by_commune,
        ),
        Report(
            "sales-by-stars",
            _l("Sales by stars"),
            _l("Paid lines by the stars of the certificate in force on the sale day."),
            sales_by_stars,
        ),
        Report(
            "experiences",
            _l("Experiences: visitors and check-in rate"),
            _l("Sessions in the range, tickets sold, guests and guests checked in."),
            experience_visits,
        ),
        Report(
            "withholding",
            _l("Withholding by month"),
            _l("VAT and personal income tax withheld (Decree 117/2025) by month and producer."),
            withholding_by_month,
        ),
    )
}
