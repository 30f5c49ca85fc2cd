"""Printed tickets (vouchers) and participant lists, as PDF, with fpdf2.

The font is Be Vietnam Pro (SIL OFL 1.1, ``shop/tourism/fonts/``), embedded in every file: it
has every Vietnamese diacritic, so "Hướng dẫn viên" prints and copies out as typed. Text is in
the language in force (the caller wraps the call in ``force_locale``).
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shop.templating import current_lang, localized_in
from shop.tourism.queries import ParticipantList, TicketView
from shop.tourism.ticket_text import (
    cancellation_words,
    clock,
    session_day,
    ticket_state_text,
    time_range,
    units_summary,
)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "BeVietnamPro"
INK = (33, 37, 41)
MUTED = (95, 99, 104)
NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


class ShopPDF(FPDF):
    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_font(FAMILY, "", str(FONTS / "BeVietnamPro-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "BeVietnamPro-Bold.ttf"))
        self.set_title(title)
        self.set_author(_("OCOP Market"))
        self.set_creator(_("OCOP Market"))
        self.set_lang(current_lang())
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.set_text_color(*INK)

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, **NEXT)
        self.ln(1)

    def label_value(self, label: str, value: str, label_width: float = 45) -> None:
        if not value:
            return
        self.set_font(FAMILY, "B", 10)
        self.set_text_color(*MUTED)
        self.cell(label_width, 6, label)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", 10)
        self.multi_cell(0, 6, value, **NEXT)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(FAMILY, "", size)
        self.multi_cell(0, size * 0.5, text, **NEXT)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{_('OCOP Market')} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*INK)


def qr_png(data: str, scale: int = 10) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return buffer


def ticket_pdf(view: TicketView, ticket_url: str) -> bytes:
    """The voucher: QR code and ticket code, experience, local date and time, meeting point,
    guests, and the cancellation rules in words."""
    lang = current_lang()
    experience, session, booking = view.experience, view.session, view.booking
    name = localized_in(experience, "name", lang)
    pdf = ShopPDF(_("Ticket %(code)s", code=view.ticket.code), format="A4")
    pdf.add_page()
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _("OCOP Market · Experience ticket"), **NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.heading(name, 18)
    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(0, 6, experience.producer.name, **NEXT)
    pdf.ln(3)

    top = pdf.get_y()
    pdf.image(qr_png(ticket_url), x=pdf.l_margin, y=top, w=50, h=50)
    pdf.set_xy(pdf.l_margin + 56, top + 4)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _("Ticket code"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 20)
    pdf.cell(0, 10, view.ticket.code, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(0, 6, ticket_state_text(view), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0, 5, _("Show this code or its QR at the meeting point."), new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_text_color(*INK)
    pdf.set_y(top + 56)

    pdf.label_value(_("Date"), session_day(session.starts_at))
    pdf.label_value(
        _("Time"),
        time_range(session.starts_at, session.ends_at),
    )
    pdf.label_value(_("Meeting point"), localized_in(experience, "meeting_point", lang))
    if experience.meeting_lat is not None and experience.meeting_lng is not None:
        pdf.label_value(
            _("Coordinates"), f"{experience.meeting_lat:.5f}, {experience.meeting_lng:.5f}"
        )
    pdf.label_value(_("Lead guest"), f"{booking.lead_name} · {booking.lead_phone}")
    pdf.label_value(_("Guests"), units_summary(view.units))
    directions = localized_in(experience, "directions", lang)
    bring = localized_in(experience, "bring", lang)
    if directions:
        pdf.ln(2)
        pdf.heading(_("How to get there"), 12)
        pdf.paragraph(directions)
    if bring:
        pdf.ln(2)
        pdf.heading(_("What to bring"), 12)
        pdf.paragraph(bring)
    pdf.ln(2)
    pdf.heading(_("Cancellation"), 12)
    for sentence in cancellation_words(booking.cancellation_rules, session.starts_at):
        pdf.paragraph(f"• {sentence}")
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4, ticket_url, **NEXT)
    return bytes(pdf.output())


def participants_pdf(listing: ParticipantList, labels: dict[str, str]) -> bytes:
    """The participant list to print for a farm without mobile signal: one row per booking
    (ticket code, lead guest and phone, guests, check-in box) and, for overnight stays, the
    foreign guests' passport data for the police declaration."""
    lang = current_lang()
    session, experience = listing.session, listing.experience
    name = localized_in(experience, "name", lang)
    pdf = ShopPDF(_("Participants"), orientation="landscape", format="A4")
    pdf.add_page()
    pdf.heading(name, 15)
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(
        0,
        6,
        f"{session_day(session.starts_at)} · {time_range(session.starts_at, session.ends_at)}"
        f" · {labels['status']}",
        **NEXT,
    )
    pdf.multi_cell(0, 6, labels["summary"], **NEXT)
    pdf.ln(3)
    widths = (32, 60, 40, 80, 55)
    headers = (_("Ticket"), _("Lead guest"), _("Phone"), _("Guests"), _("Checked in"))
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=6) as table:
        row = table.row()
        for header in headers:
            row.cell(header)
        for participant in listing.participants:
            row = table.row()
            row.cell(participant.ticket_code or "—")
            row.cell(participant.booking.lead_name)
            row.cell(participant.booking.lead_phone)
            row.cell(units_summary(participant.units))
            row.cell(clock(participant.checked_in_at) if participant.checked_in_at else "")
    if not listing.participants:
        pdf.ln(2)
        pdf.paragraph(_("No bookings for this session yet."))
    if listing.shows_guests:
        guests = [(p, g) for p in listing.participants for g in p.guests]
        pdf.ln(4)
        pdf.heading(_("Foreign guests (police residence declaration)"), 12)
        if guests:
            pdf.set_font(FAMILY, "", 9)
            with pdf.table(
                col_widths=(32, 80, 30, 40, 60), text_align="LEFT", line_height=6
            ) as table:
                row = table.row()
                for header in (
                    _("Ticket"),
                    _("Full name"),
                    _("Nationality"),
                    _("Date of birth"),
                    _("Passport number"),
                ):
                    row.cell(header)
                for participant, guest in guests:
                    row = table.row()
                    row.cell(participant.ticket_code or "—")
                    row.cell(guest.full_name)
                    row.cell(guest.nationality)
                    row.cell(guest.date_of_birth.isoformat())
                    row.cell(guest.passport_number)
        else:
            pdf.paragraph(_("No foreign guests' details on this session."))
    return bytes(pdf.output())
