"""CSV downloads that open cleanly in Excel: UTF-8 with a BOM (so Vietnamese shows as typed)
and text cells that Excel will never run as a formula (OWASP's CSV injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask.wrappers import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Whole numbers stay numbers (Excel sums them); any text starting like a formula gets a
    leading ``'`` so it shows as typed."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff" + out.getvalue()  # the BOM tells Excel the file is UTF-8


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    response = Response(csv_text(rows), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def xlsx_bytes(rows: Iterable[Iterable[object]], title: str = "Sheet") -> bytes:
    """One sheet, the first row bold and frozen; whole numbers stay numbers (with thousands
    separators), every other value is text — never a formula, whatever it starts with."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title.translate(SHEET_TITLE_FORBIDDEN).strip()[:31] or "Sheet"
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(value)
            else:
                cells.append("" if value is None else str(value))
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl reads "=…" as a formula: keep it text
            elif isinstance(cell.value, int):
                cell.number_format = "#,##0"
            if index == 0:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(
    rows: Iterable[Iterable[object]], filename: str, title: str = "Sheet"
) -> Response:
    response = Response(xlsx_bytes(rows, title), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
