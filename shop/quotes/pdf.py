"""A gift batch's quote as PDF, in the language in force (the caller wraps it in
``speaking``): seller and buyer, the lines per gift set, VAT per rate, discount, delivery,
total, validity, and the VietQR paying the total with the batch's reference."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from shop.agencies.models import Organisation
from shop.agencies.services import format_address
from shop.batches.models import GiftBatch
from shop.money import format_vnd
from shop.quotes.models import Quote, QuoteStatus
from shop.templating import localdate


def payment_qr(quote: Quote, batch: GiftBatch):
    """(payload, transfer note, account) for paying the quote's total, or None when bank
    transfer is not set up."""
    from shop.banking import vietqr
    from shop.payments.bank_transfer import TRANSFER_PREFIX, receiving_account

    account = receiving_account()
    if account is None or quote.total_vnd <= 0:
        return None
    note = vietqr.purpose_text(f"{TRANSFER_PREFIX} {batch.reference}")
    payload = vietqr.build_payload(
        bin=account.bank.bin, account=account.account, amount_vnd=quote.total_vnd, purpose=note
    )
    return payload, note, account


def buyer_identity(batch: GiftBatch, organisation: Organisation) -> tuple[str, str, str]:
    """(legal name, MST, address) of the batch's department, else of the organisation."""
    from shop.agencies.models import BillingEntity
    from shop.extensions import db

    entity = (
        db.session.get(BillingEntity, batch.billing_entity_id) if batch.billing_entity_id else None
    )
    if entity is not None:
        return (
            entity.legal_name,
            entity.tax_code or organisation.tax_code,
            format_address(entity.province_code, entity.commune_code, entity.street),
        )
    return (
        organisation.legal_name,
        organisation.tax_code,
        format_address(
            organisation.invoice_province_code,
            organisation.invoice_commune_code,
            organisation.invoice_street,
        ),
    )


def quote_pdf(quote: Quote, lines, batch: GiftBatch, organisation: Organisation) -> bytes:
    from shop.tourism.pdf import FAMILY, INK, MUTED, NEXT, ShopPDF, qr_png

    config = current_app.config
    pdf = ShopPDF(_("Quote %(reference)s", reference=quote.reference), format="A4")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(_("Quote %(reference)s", reference=quote.reference), 16)
    pdf.label_value(_("Gift batch"), batch.reference)
    pdf.label_value(_("Status"), _status(quote))
    if quote.sent_at:
        pdf.label_value(_("Date"), localdate(quote.sent_at))
    if quote.valid_until_day:
        pdf.label_value(_("Valid until"), localdate(quote.valid_until_day))
    pdf.ln(2)
    pdf.heading(_("Seller"), 12)
    pdf.label_value(_("Name"), config["SHOP_LEGAL_NAME"])
    pdf.label_value(_("Tax code"), config["SHOP_TAX_CODE"])
    pdf.label_value(_("Address"), config["SHOP_ADDRESS"])
    pdf.ln(2)
    pdf.heading(_("Buyer"), 12)
    name, tax_code, address = buyer_identity(batch, organisation)
    pdf.label_value(_("Name"), name)
    pdf.label_value(_("Tax code"), tax_code)
    pdf.label_value(_("Address"), address)
    pdf.label_value(_("PO number"), quote.po_number or "")
    pdf.label_value(_("Recipients"), str(quote.recipients))
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(
        col_widths=(10, 90, 30, 20, 30),
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
    ) as table:
        row = table.row()
        for header in (_("No."), _("Gift set"), _("Unit price"), _("Qty"), _("Amount")):
            row.cell(header)
        for number, line in enumerate(lines, start=1):
            row = table.row()
            row.cell(str(number))
            row.cell(line.name)
            row.cell(format_vnd(line.unit_price_vnd))
            row.cell(str(line.quantity))
            row.cell(format_vnd(line.amount_vnd))
    pdf.ln(2)
    width = 70
    pdf.label_value(_("Goods (VAT included)"), format_vnd(quote.goods_vnd), label_width=width)
    if quote.discount_vnd:
        pdf.label_value(_("Discount"), f"-{format_vnd(quote.discount_vnd)}", label_width=width)
    before = sum(r["before_vat_vnd"] for r in quote.vat_rates)
    pdf.label_value(_("Amount before VAT"), format_vnd(before), label_width=width)
    for rate in quote.vat_rates:
        pdf.label_value(
            _("VAT %(rate)s%%", rate=rate["rate"]),
            _(
                "%(vat)s on %(before)s",
                vat=format_vnd(rate["vat_vnd"]),
                before=format_vnd(rate["before_vat_vnd"]),
            ),
            label_width=width,
        )
    pdf.label_value(_("Delivery"), format_vnd(quote.delivery_vnd), label_width=width)
    pdf.set_font(FAMILY, "B", 12)
    pdf.label_value(_("Total"), format_vnd(quote.total_vnd), label_width=width)
    pdf.ln(3)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        5,
        _(
            "Prices hold until the end of the validity date. Each producer issues its own VAT "
            "invoice for its goods; one order per recipient is created when the quote is "
            "accepted."
        ),
        **NEXT,
    )
    pdf.set_text_color(*INK)
    qr = payment_qr(quote, batch)
    if qr is not None:
        payload, note, account = qr
        pdf.ln(3)
        pdf.heading(_("Pay by bank transfer (VietQR)"), 12)
        top = pdf.get_y()
        pdf.image(qr_png(payload, scale=8), x=pdf.l_margin, y=top, w=45, h=45)
        pdf.set_xy(pdf.l_margin + 50, top)
        for label, value in (
            (_("Bank"), account.bank.short_name),
            (_("Account"), account.account),
            (_("Account holder"), account.holder),
            (_("Amount"), format_vnd(quote.total_vnd)),
            (_("Transfer note"), note),
        ):
            pdf.set_x(pdf.l_margin + 50)
            pdf.label_value(label, value, label_width=35)
        pdf.set_y(max(pdf.get_y(), top + 48))
    return bytes(pdf.output())


def _status(quote: Quote) -> str:
    from shop.quotes.labels import status_label

    if quote.status == QuoteStatus.REQUESTED:
        return _("Requested: prices not yet confirmed")
    return str(status_label(quote.status))
