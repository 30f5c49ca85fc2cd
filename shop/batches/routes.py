"""``GET /gift-orders/template.csv`` and ``/gift-orders/template.xlsx``: the recipient list to
fill in, its header in the requested language (``?lang=vi|en``) and two example rows."""

from __future__ import annotations

import io

from flask import Response, current_app, request
from openpyxl import Workbook
from openpyxl.styles import Font

from shop.batches import bp
from shop.batches.recipients import COLUMNS, header_labels
from shop.i18n import select_locale
from shop.spreadsheet import csv_response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths (characters) in the XLSX template, in the order of ``COLUMNS``.
WIDTHS = {
    "name": 24,
    "phone": 16,
    "email": 26,
    "province": 18,
    "commune": 22,
    "street": 30,
    "gift_set": 24,
    "quantity": 10,
    "message": 40,
    "deliver_on": 14,
    "note": 24,
    "link": 18,
}
# Two real two-level addresses (2025 list), the second with a greeting.
EXAMPLES = (
    (
        "Nguyễn Thị Lan",
        "0912 345 678",
        "lan.nguyen@example.vn",
        "Hà Nội",
        "Phường Hoàn Kiếm",
        "12 Phố Tràng Tiền",
        "tet-kinh-bac-gift-set",
        "1",
        "",
        "20/01/2027",
        "",
        "",
    ),
    (
        "Trần Văn Minh",
        "0987 654 321",
        "",
        "Bắc Ninh",
        "Phường Chũ",
        "45 Đường Thân Nhân Trung",
        "tet-kinh-bac-gift-set",
        "2",
        "Chúc anh và gia đình năm mới an khang thịnh vượng!",
        "",
        "Gọi trước khi giao",
        "",
    ),
)


def _lang() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in current_app.config["LANGUAGES"] else select_locale()


def _filename(lang: str, extension: str) -> str:
    return f"gift-order-recipients-{lang}.{extension}"


@bp.get("/template.csv")
def template_csv():
    lang = _lang()
    response = csv_response([header_labels(lang), *EXAMPLES], _filename(lang, "csv"))
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def template_workbook(lang: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Recipients" if lang == "en" else "Người nhận"
    sheet.append(header_labels(lang))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLES:
        # Every cell is text: a phone keeps its leading 0, a date stays as written.
        sheet.append(list(example))
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = WIDTHS[column.key]
        for row in range(1, 200):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@bp.get("/template.xlsx")
def template_xlsx():
    lang = _lang()
    response = Response(template_workbook(lang), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(lang, "xlsx")}"'
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
