"""E-invoice providers behind one registry, as payment and payout providers are.

A producer's VAT invoice must be issued through a licensed e-invoice provider (VNPT, Viettel,
MISA, BKAV…), which signs it, sends it to the General Department of Taxation (GDT) and gives it
its number. The only provider here is ``file``: it numbers the invoice itself and writes the XML
it would send, in the structure of the GDT e-invoice format (Circular 78/2021/TT-BTC, Decision
1450/QĐ-TCT: ``HDon/DLHDon/TTChung``, ``NDHDon/NBan``, ``NMua``, ``DSHHDVu``, ``TToan``), into
``EINVOICE_DIR``. A licensed provider plugs in as another ``EInvoiceProvider`` subclass in
``PROVIDERS`` whose ``issue`` posts that XML (or the provider's JSON) to its API with the
producer's credentials and returns the number and series it assigned; ``EINVOICE_PROVIDER``
chooses it. Providers get plain data (``Invoice``), never database rows.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: N817 - the usual name

from flask import current_app

from shop.errors import ShopError
from shop.invoicing.content import Invoice


class EInvoiceProviderError(ShopError):
    """The provider refused the invoice or could not be reached; nothing was issued."""

    code = "einvoice_provider_error"
    status = 502


@dataclass(frozen=True)
class IssuedInvoice:
    number: int
    series: str
    issued_at: datetime
    provider_reference: str | None
    # Where the XML was written, relative to ``EINVOICE_DIR`` (the ``file`` provider).
    file_path: str | None = None


def _text(parent: ET.Element, tag: str, value) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = str(value)
    return element


def rate_label(vat_rate: int) -> str:
    """``TSuat`` as the GDT format writes it: ``0%``, ``5%``, ``8%``, ``10%``."""
    return f"{vat_rate}%"


def invoice_xml(invoice: Invoice, issued_at: datetime) -> bytes:
    """The invoice in the GDT e-invoice XML structure, UTF-8."""
    root = ET.Element("HDon")
    data = ET.SubElement(root, "DLHDon", Id="data")
    general = ET.SubElement(data, "TTChung")
    _text(general, "PBan", "2.0.1")
    _text(general, "THDon", "Hóa đơn giá trị gia tăng")
    _text(general, "KHMSHDon", invoice.form_number)
    _text(general, "KHHDon", invoice.series)
    _text(general, "SHDon", invoice.number)
    _text(general, "NLap", invoice.invoice_date.isoformat())
    _text(general, "DVTTe", invoice.currency)
    _text(general, "TGia", 1)
    _text(general, "HTTToan", invoice.payment_method)
    _text(general, "MSTTCGP", invoice.seller.tax_code)
    content = ET.SubElement(data, "NDHDon")
    seller = ET.SubElement(content, "NBan")
    _text(seller, "Ten", invoice.seller.name)
    _text(seller, "MST", invoice.seller.tax_code)
    _text(seller, "DChi", invoice.seller.address)
    buyer = ET.SubElement(content, "NMua")
    _text(buyer, "Ten", invoice.buyer.name)
    if invoice.buyer.tax_code:
        _text(buyer, "MST", invoice.buyer.tax_code)
    _text(buyer, "DChi", invoice.buyer.address)
    if invoice.buyer.buyer_name:
        _text(buyer, "HVTNMHang", invoice.buyer.buyer_name)
    if invoice.buyer.email:
        _text(buyer, "DCTDTu", invoice.buyer.email)
    goods = ET.SubElement(content, "DSHHDVu")
    for line in invoice.lines:
        item = ET.SubElement(goods, "HHDVu")
        _text(item, "TChat", 1)  # 1: goods or services
        _text(item, "STT", line.number)
        _text(item, "THHDVu", line.name)
        _text(item, "DVTinh", line.unit)
        _text(item, "SLuong", line.quantity)
        _text(item, "DGia", line.unit_price_vnd)
        _text(item, "ThTien", line.amount_vnd)
        _text(item, "TSuat", rate_label(line.vat_rate))
    payment = ET.SubElement(content, "TToan")
    by_rate = ET.SubElement(payment, "THTTLTSuat")
    for rate in invoice.rates:
        per_rate = ET.SubElement(by_rate, "LTSuat")
        _text(per_rate, "TSuat", rate_label(rate.vat_rate))
        _text(per_rate, "ThTien", rate.amount_vnd)
        _text(per_rate, "TThue", rate.vat_vnd)
    _text(payment, "TgTCThue", invoice.total_before_vat_vnd)
    _text(payment, "TgTThue", invoice.total_vat_vnd)
    _text(payment, "TgTTTBSo", invoice.total_vnd)
    _text(payment, "TgTTTBChu", invoice.total_in_words)
    other = ET.SubElement(data, "TTKhac")
    field = ET.SubElement(other, "TTin")
    _text(field, "TTruong", "SoDonHang")
    _text(field, "KDLieu", "string")
    _text(field, "DLieu", invoice.order_reference)
    _text(root, "NLapThoiGian", issued_at.isoformat())
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def invoice_file_name(producer_order_id: int) -> str:
    return f"producer-order-{producer_order_id}.xml"


class EInvoiceProvider:
    id: str = ""

    def issue(self, invoice: Invoice) -> IssuedInvoice:
        raise NotImplementedError


class FileProvider(EInvoiceProvider):
    """Writes the XML it would send into ``EINVOICE_DIR``, numbered as the service asks."""

    id = "file"

    def issue(self, invoice: Invoice) -> IssuedInvoice:
        if invoice.number is None or invoice.series is None:
            raise EInvoiceProviderError("the file provider needs the number and series")
        issued_at = datetime.now().astimezone()
        directory = Path(current_app.config["EINVOICE_DIR"])
        name = invoice_file_name(invoice.producer_order_id)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: a reader never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=directory, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(invoice_xml(invoice, issued_at))
            os.replace(temporary, directory / name)
        except OSError as exc:
            raise EInvoiceProviderError(str(exc)) from exc
        return IssuedInvoice(
            number=invoice.number,
            series=invoice.series,
            issued_at=issued_at,
            provider_reference=None,
            file_path=name,
        )


PROVIDERS: dict[str, EInvoiceProvider] = {provider.id: provider for provider in (FileProvider(),)}


def get_provider(provider_id: str | None = None) -> EInvoiceProvider:
    wanted = provider_id or current_app.config["EINVOICE_PROVIDER"]
    try:
        return PROVIDERS[str(wanted)]
    except KeyError:
        raise EInvoiceProviderError("unknown e-invoice provider", provider=str(wanted)) from None
