"""``/admin/reports``: the office's reports over a range of local days, and
``/admin/reports/<report>``: one report as a page (a table and a bar chart), or with
``?format=csv`` / ``?format=xlsx`` as a file. Bad days are answered next to their field (the
typed values kept), on the page and instead of a file."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from shop.admin import bp
from shop.admin.reports import (
    MAX_DAYS,
    REPORTS,
    DateRange,
    Table,
    percent_text,
    this_month_so_far,
)
from shop.admin.scope import office_required
from shop.payouts.statements import FIRST_YEAR, LAST_YEAR
from shop.spreadsheet import csv_response, xlsx_response
from shop.templating import local_today

FORMATS = ("html", "csv", "xlsx")


def _in_years(form, field) -> None:
    if field.data is not None and not (FIRST_YEAR <= field.data.year <= LAST_YEAR):
        raise ValidationError(
            _("Enter a day between the years %(first)d and %(last)d.", first=FIRST_YEAR,
              last=LAST_YEAR)
        )  # fmt: skip


class ReportRangeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: nothing changes

    # ``from`` is a Python keyword: the attribute names differ from the parameters.
    first = DateField(_l("First day"), name="from", validators=[Optional(), _in_years])
    last = DateField(_l("Last day"), name="to", validators=[Optional(), _in_years])

    def range(self, today: date) -> DateRange | None:
        """The days asked for (each end defaulting to this month so far), or None with the
        errors next to their field."""
        if request.args and not self.validate():
            return None
        default = this_month_so_far(today)
        first = self.first.data or default.first
        last = self.last.data or default.last
        if last < first:
            self.last.errors = [_("The last day must not be before the first day.")]
            return None
        if (last - first).days + 1 > MAX_DAYS:
            self.last.errors = [_("Choose at most %(num)d days.", num=MAX_DAYS)]
            return None
        self.first.data, self.last.data = first, last  # the form shows the days used
        return DateRange(first, last)


def range_args(dates: DateRange) -> dict[str, str]:
    return {"from": dates.first.isoformat(), "to": dates.last.isoformat()}


@bp.get("/reports")
@office_required
def reports():
    form = ReportRangeForm(request.args)
    dates = form.range(local_today())
    shown = dates or this_month_so_far(local_today())
    return render_template(
        "admin/reports.html",
        form=form,
        reports=REPORTS.values(),
        args=range_args(shown) if dates else {},
    ), 200 if dates else 400


def _rows(table: Table) -> list[list[object]]:
    return [table.header(), *table.rows, *([table.total] if table.total else [])]


@bp.get("/reports/<report>")
@office_required
def report(report: str):
    found = REPORTS.get(report)
    fmt = request.args.get("format", "html")
    if found is None or fmt not in FORMATS:
        abort(404)
    form = ReportRangeForm(request.args)
    dates = form.range(local_today())
    if dates is None:
        return render_template("admin/report.html", report=found, form=form, table=None), 400
    table = found.build(dates)
    filename = f"{found.code}-{dates.first.isoformat()}-{dates.last.isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(_rows(table), filename)
    if fmt == "xlsx":
        return xlsx_response(_rows(table), filename, title=str(found.title))
    return render_template(
        "admin/report.html",
        report=found,
        form=form,
        table=table,
        args=range_args(dates),
        percent_text=percent_text,
    )
