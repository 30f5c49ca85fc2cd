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
