"""The three ways a buyer gives a batch's recipients, each turned into the same table and
checked by the same validator (``shop.batches.recipients.validate_table``): one address for
all the boxes, a pasted list (tab, semicolon or comma between cells, as copied from a sheet),
or an uploaded CSV / XLSX file."""

from __future__ import annotations

import math
from datetime import date

from flask_babel import gettext as _

from shop.batches import recipients
from shop.batches.recipients import (
    COLUMNS,
    MAX_QUANTITY,
    FileRefused,
    GiftSetLookup,
    ImportResult,
    Issue,
)
from shop.text import fold

KEYS = [column.key for column in COLUMNS]


def from_one_address(
    fields: dict[str, str], boxes_text: str, *, today: date, gift_set_lookup: GiftSetLookup
) -> ImportResult:
    """``boxes`` boxes to one address: rows of at most ``MAX_QUANTITY`` boxes each (the most
    one order line takes). Issues name the form's fields (the column keys)."""
    boxes_text = (boxes_text or "").strip()
    if not boxes_text.isascii() or not boxes_text.isdecimal() or not 1 <= int(boxes_text) <= 2000:
        return ImportResult(
            errors=[Issue(2, "quantity", _("Enter a number of boxes from 1 to %(max)d.", max=2000))]
        )
    boxes = int(boxes_text)
    rows = []
    for n in range(math.ceil(boxes / MAX_QUANTITY)):
        quantity = min(MAX_QUANTITY, boxes - n * MAX_QUANTITY)
        rows.append([fields.get(key, "") if key != "quantity" else str(quantity) for key in KEYS])
    try:
        result = recipients.validate_table(
            [KEYS, *rows], today=today, gift_set_lookup=gift_set_lookup
        )
    except FileRefused as refused:
        return ImportResult(errors=[Issue(1, refused.column, refused.message)])
    # The same address on every row is the point here, not a mistake; one message per field.
    result.warnings = []
    seen: set[tuple[str, str]] = set()
    unique = []
    for issue in result.errors:
        if (issue.column, issue.message) not in seen:
            seen.add((issue.column, issue.message))
            unique.append(issue)
    result.errors = unique
    return result


def _has_header(line: str) -> bool:
    cells = [cell for part in line.split("\t") for cell in part.replace(";", ",").split(",")]
    known = {fold(alias) for column in COLUMNS for alias in (column.key, *column.aliases)}
    known |= {fold(str(column.label)) for column in COLUMNS}
    return any(fold(cell.strip()) in known for cell in cells if cell.strip())


def from_pasted(text: str, *, today: date, gift_set_lookup: GiftSetLookup) -> ImportResult:
    """A list pasted from a sheet or typed: read like a CSV file (the delimiter detected).
    Without a header row, the template's column order is assumed."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return ImportResult(errors=[Issue(1, "", _("Paste at least one recipient."))])
    if not _has_header(lines[0]):
        first = lines[0]
        delimiter = "\t" if "\t" in first else ";" if ";" in first else ","
        text = delimiter.join(KEYS) + "\n" + text
    return recipients.validate_bytes(
        text.encode("utf-8"), "pasted.csv", today=today, gift_set_lookup=gift_set_lookup
    )


def from_upload(file_storage, *, today: date, gift_set_lookup: GiftSetLookup) -> ImportResult:
    if file_storage is None or not getattr(file_storage, "filename", ""):
        return ImportResult(errors=[Issue(1, "", _("Choose the file to upload."))])
    return recipients.validate_upload(file_storage, today=today, gift_set_lookup=gift_set_lookup)
