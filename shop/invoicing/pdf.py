"""The proforma for an agency's accountant: every producer's invoice content of an order, seller
by seller, with VAT per rate and totals, clearly marked as not a VAT invoice (each producer
issues its own through its e-invoice provider)."""

from __future__ import annotations

from flask_babel import gettext as _

from shop.invoicing.content import Invoice
from shop.money import format_vnd
from shop.templating import localdate


def proforma_pdf(order, invoices: list[Invoice]) -> bytes:
    from shop.tourism.pdf import FAMILY, INK, MUTED, NEXT, ShopPDF

    pdf = ShopPDF(_("Proforma %(reference)s", reference=order.reference), format="A4")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_text_color(180, 35, 24)
    pdf.multi_cell(0, 6, _("PROFORMA — not a VAT invoice"), border=1, align="C", **NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        5,
        _(
            "Each producer sells its own goods and issues its own VAT invoice through its "
            "e-invoice provider. This page only shows what those invoices will contain."
        ),
        **NEXT,
    )
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.heading(_("Order %(reference)s", reference=order.reference), 14)
    if invoices:
        buyer = invoices[0].buyer
        pdf.label_value(_("Buyer"), buyer.name)
        pdf.label_value(_("Tax code"), buyer.tax_code or "")
        pdf.label_value(_("Address"), buyer.address or "")
        pdf.label_value(_("Buyer's name or department"), buyer.buyer_name or "")
        pdf.label_value(_("Date"), localdate(invoices[0].invoice_date))
    grand = 0
    for invoice in invoices:
        pdf.ln(3)
        pdf.heading(_("Seller: %(name)s", name=invoice.seller.name), 12)
        pdf.label_value(_("Tax code"), invoice.seller.tax_code or "")
        pdf.label_value(_("Address"), invoice.seller.address or "")
        pdf.ln(1)
        pdf.set_font(FAMILY, "", 8)
        with pdf.table(
            col_widths=(8, 62, 18, 14, 26, 28, 14),
            text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=4.5,
        ) as table:
            row = table.row()
            for header in (
                _("No."),
                _("Goods or service"),
                _("Unit"),
                _("Qty"),
                _("Unit price before VAT"),
                _("Amount before VAT"),
                _("VAT"),
            ):
                row.cell(header)
            for line in invoice.lines:
                row = table.row()
                row.cell(str(line.number))
                row.cell(line.name)
                row.cell(line.unit)
                row.cell(str(line.quantity))
                row.cell(format_vnd(line.unit_price_vnd))
                row.cell(format_vnd(line.amount_vnd))
                row.cell(f"{line.vat_rate}%")
        pdf.ln(2)
        for rate in invoice.rates:
            pdf.label_value(
                _("VAT %(rate)s%%", rate=rate.vat_rate),
                _(
                    "%(before)s before VAT + %(vat)s VAT",
                    before=format_vnd(rate.amount_vnd),
                    vat=format_vnd(rate.vat_vnd),
                ),
                label_width=35,
            )
        pdf.label_value(
            _("Total before VAT"), format_vnd(invoice.total_before_vat_vnd), label_width=50
        )
        pdf.label_value(_("Total VAT"), format_vnd(invoice.total_vat_vnd), label_width=50)
        pdf.label_value(_("Total payable"), format_vnd(invoice.total_vnd), label_width=50)
        pdf.label_value(_("In words"), invoice.total_in_words, label_width=50)
        grand += invoice.total_vnd
    pdf.ln(4)
    pdf.heading(_("Order total: %(total)s", total=format_vnd(grand)), 12)
    return bytes(pdf.output())
