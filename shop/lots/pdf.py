"""The sheet of OCOP stamps of a lot: an A4 page of 3 × 8 labels (70 × 37 mm, the common
self-adhesive sheet), each with a QR code of the lot's full ``/trace/<code>`` address and,
beside it, the product, its OCOP stars on the harvest date, the lot code and the harvest date.

Text is in Be Vietnam Pro, embedded (the tickets' font, ``shop.tourism.pdf``), so the
diacritics print and copy out as typed. The stars are drawn, not typed: the font has no ★.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from shop.lots.models import Lot
from shop.templating import localdate, localized
from shop.tourism.pdf import FAMILY, INK, MUTED, ShopPDF, qr_png

COLUMNS, ROWS = 3, 8
PAGE_W, PAGE_H = 210.0, 297.0
LABEL_W, LABEL_H = PAGE_W / COLUMNS, PAGE_H / ROWS
PAD = 3.0
QR_SIZE = LABEL_H - 2 * PAD
GOLD = (184, 134, 11)
NAME_LINES = 2


class StampSheet(ShopPDF):
    def footer(self) -> None:  # the labels fill the page: no page footer
        return None


def _stars(pdf: StampSheet, x: float, y: float, count: int, size: float = 2.6) -> float:
    """``count`` filled stars from ``(x, y)`` (their top); returns the x after them."""
    pdf.set_fill_color(*GOLD)
    pdf.set_draw_color(*GOLD)
    r = size / 2
    for i in range(count):
        pdf.star(x + r + i * (size + 0.4), y + r, r * 0.45, r, 5, rotate_degrees=90, style="F")
    return x + count * (size + 0.4)


def _label(
    pdf: StampSheet, x: float, y: float, *, qr: bytes, name: str, stars: int | None, lot: Lot
) -> None:
    pdf.image(io.BytesIO(qr), x=x + PAD, y=y + PAD, w=QR_SIZE, h=QR_SIZE)
    left = x + PAD + QR_SIZE + 2
    width = x + LABEL_W - PAD - left
    top = y + PAD + 1
    pdf.set_xy(left, top)
    pdf.set_font(FAMILY, "B", 8)
    lines = pdf.multi_cell(width, 3.6, name, dry_run=True, output="LINES")
    if len(lines) > NAME_LINES:
        lines = [*lines[: NAME_LINES - 1], lines[NAME_LINES - 1].rstrip()[:-1] + "…"]
    for line in lines:
        pdf.set_x(left)
        pdf.cell(width, 3.6, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(0.8)
    pdf.set_x(left)
    if stars:
        pdf.set_font(FAMILY, "B", 7.5)
        pdf.cell(pdf.get_string_width("OCOP ") + 0.3, 3.6, "OCOP ")
        after = _stars(pdf, pdf.get_x(), pdf.get_y() + 0.4, stars)
        pdf.set_xy(after + 0.8, pdf.get_y())
        pdf.cell(0, 3.6, _("%(n)d stars", n=stars), new_x=XPos.LEFT, new_y=YPos.NEXT)
    else:
        pdf.set_font(FAMILY, "", 7)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 3.6, _("Not OCOP certified"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    pdf.set_x(left)
    pdf.ln(0.6)
    pdf.set_x(left)
    pdf.set_font(FAMILY, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(width, 3, _("Lot"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 9)
    pdf.cell(width, 4, lot.code, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 6.5)
    pdf.cell(
        width,
        3.2,
        _("Harvested %(date)s", date=localdate(lot.harvest_date)),
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )


def stamps_pdf(
    lot: Lot, trace_url: str, stars: int | None, *, labels: int = COLUMNS * ROWS
) -> bytes:
    """``labels`` stamps of ``lot`` (24 to a page), in the language in force."""
    pdf = StampSheet(_("OCOP stamps for lot %(code)s", code=lot.code), format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    name = localized(lot.product, "name")
    qr = qr_png(trace_url, scale=8).getvalue()  # one image, placed on every label
    for index in range(labels):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        row, column = divmod(slot, COLUMNS)
        _label(pdf, column * LABEL_W, row * LABEL_H, qr=qr, name=name, stars=stars, lot=lot)
    return bytes(pdf.output())
