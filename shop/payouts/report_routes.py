"""The office's money reports and producers' statements (admin), and the statement download
the producer portal shares."""

from __future__ import annotations

from flask import abort, current_app, g, render_template, request
from flask.wrappers import Response
from flask_babel import gettext as _
from sqlalchemy import exists, select

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.db import utcnow
from shop.extensions import db
from shop.i18n import speaking
from shop.payouts import bp
from shop.payouts.models import LedgerEntry
from shop.payouts.reports import (
    MonthRange,
    commission_by_month,
    declaration_due,
    parse_range,
    payout_status_label,
    payouts_by_status,
    withholding_by_month,
)
from shop.payouts.statements import (
    InvalidMonth,
    Month,
    statement,
    statement_pdf,
    statement_rows,
)
from shop.spreadsheet import csv_response
from shop.templating import current_lang, legal_type_label, localdate


def file_lang() -> str:
    """``?lang=vi|en`` picks the file's language; else the reader's."""
    asked = request.args.get("lang", "")
    g.lang_for_file_only = True  # the reader's language cookie stays as it is
    return asked if asked in current_app.config["LANGUAGES"] else current_lang()


def statement_file(producer_id: int, year: int, month: int, fmt: str) -> Response:
    """A producer's statement of a month as PDF or CSV; 404 for a month that is no month, one
    still to come, or one before the producer's ledger began."""
    try:
        wanted = Month(year, month)
    except InvalidMonth:
        abort(404)
    if wanted.start > utcnow():
        abort(404)
    began = db.session.scalar(
        select(
            exists().where(
                LedgerEntry.producer_id == producer_id, LedgerEntry.created_at < wanted.end
            )
        )
    )
    if not began:
        abort(404)
    found = statement(producer_id, wanted)
    if found is None:
        abort(404)
    lang = file_lang()
    with speaking(lang):
        if fmt == "csv":
            return csv_response(statement_rows(found, lang), found.filename("csv", lang))
        body = statement_pdf(found, lang)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{found.filename("pdf", lang)}"'
    )
    return response


@bp.get("/admin/producers/<int:producer_id>/statements/<int:year>/<int:month>.<any(pdf, csv):fmt>")
@role_required(Role.ADMIN)
def producer_statement(producer_id: int, year: int, month: int, fmt: str):
    return statement_file(producer_id, year, month, fmt)


# --- reports -------------------------------------------------------------------------------------


@bp.get("/admin/payouts/reports")
@role_required(Role.ADMIN)
def reports():
    months, errors = parse_range(request.args)
    commission = commission_by_month(months)
    return render_template(
        "payouts/reports.html",
        months=months,
        errors=errors,
        args=request.args,
        commission=commission,
        commission_total={
            "basis": sum(row.basis_vnd for row in commission),
            "commission": sum(row.commission_vnd for row in commission),
            "refunded": sum(row.refunded_commission_vnd for row in commission),
            "earned": sum(row.earned_vnd for row in commission),
        },
        withholding=withholding_by_month(months),
        declaration_due=declaration_due,
        payouts=payouts_by_status(months),
        payout_status_label=payout_status_label,
    )


def _range_or_404() -> MonthRange:
    months, errors = parse_range(request.args)
    if errors:
        abort(404)
    return months


@bp.get("/admin/payouts/reports/commission.csv")
@role_required(Role.ADMIN)
def commission_csv():
    months = _range_or_404()
    rows: list[list[object]] = [
        [
            _("Month"),
            _("Sales"),
            _("Refunded sales"),
            _("Sales basis"),
            _("Commission"),
            _("Commission returned on refunds"),
            _("Commission earned"),
        ]
    ]
    for row in commission_by_month(months):
        rows.append(
            [
                str(row.month),
                row.sales_vnd,
                row.refunded_sales_vnd,
                row.basis_vnd,
                row.commission_vnd,
                row.refunded_commission_vnd,
                row.earned_vnd,
            ]
        )
    return csv_response(rows, f"commission-{months.first}-{months.last}.csv")


@bp.get("/admin/payouts/reports/withholding.csv")
@role_required(Role.ADMIN)
def withholding_csv():
    try:
        month = Month.parse(request.args.get("month", ""))
    except InvalidMonth:
        abort(404)
    found = withholding_by_month(MonthRange(month, month)).get(month, [])
    rows: list[list[object]] = [
        [_("Month"), str(month), _("Due by"), localdate(declaration_due(month))],
        [],
        [
            _("Producer"),
            _("Tax code"),
            _("Legal type"),
            _("Revenue"),
            _("VAT withheld"),
            _("VAT returned on refunds"),
            _("VAT to declare"),
            _("Personal income tax withheld"),
            _("Personal income tax returned on refunds"),
            _("Personal income tax to declare"),
        ],
    ]
    for row in found:
        rows.append(
            [
                row.producer_name,
                row.tax_code,
                legal_type_label(row.legal_type),
                row.revenue_vnd,
                row.vat_withheld_vnd,
                row.vat_returned_vnd,
                row.vat_vnd,
                row.pit_withheld_vnd,
                row.pit_returned_vnd,
                row.pit_vnd,
            ]
        )
    return csv_response(rows, f"withholding-{month}.csv")


@bp.get("/admin/payouts/reports/payouts.csv")
@role_required(Role.ADMIN)
def payouts_csv():
    months = _range_or_404()
    rows: list[list[object]] = [[_("Status"), _("Payouts"), _("Total (đồng)")]]
    for row in payouts_by_status(months):
        rows.append([payout_status_label(row.status), row.count, row.total_vnd])
    return csv_response(rows, f"payouts-{months.first}-{months.last}.csv")
