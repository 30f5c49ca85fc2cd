"""Invoice content: VAT split exactly per rate, seller and buyer, bundle and delivery lines,
and the XML the file provider writes, parsed back."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: N817

import pytest

from shop.extensions import db
from shop.invoicing.content import _Gross, before_vat, build_invoice, split_lines
from shop.invoicing.providers import get_provider
from shop.invoicing.words import amount_in_words
from shop.orders.services import LineRequest
from tests.bundles.factories import buy, gen_bundle
from tests.factories import gen_order, gen_producer, gen_product
from tests.invoicing.helpers import COMPANY, with_invoice_data

DAY = date(2026, 12, 1)


def test_an_awkward_price_at_8_percent_splits_exactly():
    lines, [rate] = split_lines([_Gross("Mật ong", "chai", 1, 99_999, 8)])
    assert (rate.amount_vnd, rate.vat_vnd) == (92_592, 7_407)  # 99 999 × 8 / 108 = 7 407.3
    assert lines[0].amount_vnd == 92_592
    assert lines[0].unit_price_vnd == 92_592


def test_ten_units_at_10_percent_split_on_the_line_total():
    lines, [rate] = split_lines([_Gross("Chè", "gói", 10, 33_333, 10)])
    # 333 330 × 10 / 110 = 30 302.7 → 30 303 VAT, 303 027 before VAT.
    assert (rate.amount_vnd, rate.vat_vnd) == (303_027, 30_303)
    assert lines[0].amount_vnd == 303_027
    assert lines[0].unit_price_vnd == before_vat(33_333, 10) == 30_303


def test_random_lines_add_up_exactly_per_rate():
    rng = random.Random(78)
    for _ in range(300):
        items = [
            _Gross(
                "x", "cái", rng.randint(1, 50), rng.randint(1, 2_000_000), rng.choice((0, 5, 8, 10))
            )
            for _ in range(rng.randint(1, 8))
        ]
        lines, rates = split_lines(items)
        for rate in rates:
            group = [line for line in lines if line.vat_rate == rate.vat_rate]
            gross = sum(line.gross_vnd for line in group)
            assert rate.amount_vnd + rate.vat_vnd == gross
            assert sum(line.amount_vnd for line in group) == rate.amount_vnd
            # The VAT is the rate applied to the amount before VAT, to within half a đồng.
            assert abs(rate.vat_vnd * 100 - rate.amount_vnd * rate.vat_rate) <= 100


def test_a_mixed_rate_order_for_a_company(app):
    app.config["DELIVERY_VAT_RATE"] = 8
    producer = gen_producer(name="HTX Chè Tân Cương", tax_code="4600123456", street="Xóm 5")
    tea = gen_product(producer=producer, name_vi="Chè Tân Cương", price_vnd=99_999, vat_rate=8)
    rice = gen_product(producer=producer, name_vi="Gạo nếp", price_vnd=33_333, vat_rate=5)
    wine = gen_product(producer=producer, name_vi="Rượu", price_vnd=250_000, vat_rate=10)
    order = gen_order([(tea, 1), (rice, 10), (wine, 2)])
    with_invoice_data(order)
    [parcel] = order.producer_orders

    invoice = build_invoice(parcel, invoice_date=DAY)

    assert invoice.seller.name == "HTX Chè Tân Cương"
    assert invoice.seller.tax_code == "4600123456"
    assert "Xóm 5" in invoice.seller.address
    assert invoice.buyer.name == COMPANY.legal_name
    assert invoice.buyer.tax_code == "0101234567-001"
    assert invoice.buyer.buyer_name == "Phòng Hành chính"
    assert invoice.currency == "VND"
    names = [line.name for line in invoice.lines]
    assert names[:3] == ["Chè Tân Cương", "Gạo nếp", "Rượu"]
    assert names[3] == "Phí vận chuyển"  # the delivery charge, a line of its own
    assert [rate.vat_rate for rate in invoice.rates] == [5, 8, 10]
    by_rate = {rate.vat_rate: rate for rate in invoice.rates}
    assert by_rate[5].amount_vnd + by_rate[5].vat_vnd == 333_330
    assert by_rate[8].amount_vnd + by_rate[8].vat_vnd == 99_999 + parcel.delivery_vnd
    assert by_rate[10].amount_vnd + by_rate[10].vat_vnd == 500_000
    assert invoice.total_vnd == parcel.subtotal_vnd + parcel.delivery_vnd == order.total_vnd
    assert invoice.total_before_vat_vnd + invoice.total_vat_vnd == invoice.total_vnd
    assert invoice.total_in_words == amount_in_words(order.total_vnd)


def test_a_consumer_without_tax_code_is_the_recipient(app):
    order = gen_order([(gen_product(), 1)])
    invoice = build_invoice(order.producer_orders[0], invoice_date=DAY)
    assert invoice.buyer.name == order.recipient_name
    assert invoice.buyer.tax_code is None
    assert order.commune in invoice.buyer.address


def test_a_bundle_line_carries_its_allocated_price(app):
    producer = gen_producer()
    rice = gen_product(producer=producer, name_vi="Gạo", price_vnd=100_000, vat_rate=5)
    tea = gen_product(producer=producer, name_vi="Chè", price_vnd=200_000, vat_rate=8)
    gift = gen_bundle("gift_set", [(rice, 2), (tea, 1)], price_vnd=360_000, name_vi="Hộp quà Tết")
    order = buy([LineRequest.bundle(gift.id, 1)])
    [parcel] = order.producer_orders

    invoice = build_invoice(parcel, invoice_date=DAY)

    goods = [line for line in invoice.lines if "Hộp quà Tết" in line.name]
    assert len(goods) == len(parcel.lines)  # a share that does not divide is two lines
    assert sum(line.gross_vnd for line in goods) == 360_000  # the bundle's price, not 400 000
    for line, ordered in zip(goods, parcel.lines, strict=True):
        assert line.gross_vnd == ordered.line_total_vnd
        assert line.vat_rate == ordered.vat_rate
    assert invoice.total_vnd == 360_000 + parcel.delivery_vnd


def test_the_file_provider_writes_xml_that_reads_back(app, tmp_path):
    app.config["EINVOICE_DIR"] = str(tmp_path)
    producer = gen_producer(name="HTX Mật ong Hà Giang")
    honey = gen_product(producer=producer, name_vi="Mật ong bạc hà", price_vnd=99_999, vat_rate=8)
    wine = gen_product(producer=producer, price_vnd=33_333, vat_rate=10)
    order = gen_order([(honey, 3), (wine, 10)])
    with_invoice_data(order)
    invoice = build_invoice(order.producer_orders[0], invoice_date=DAY, series="C26TOC", number=7)

    issued = get_provider("file").issue(invoice)

    path = Path(tmp_path) / issued.file_path
    assert issued.file_path == f"producer-order-{order.producer_orders[0].id}.xml"
    raw = path.read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(raw)  # noqa: S314 - the file just written
    general = root.find("DLHDon/TTChung")
    for tag in ("PBan", "THDon", "KHMSHDon", "KHHDon", "SHDon", "NLap", "DVTTe", "TGia"):
        assert general.find(tag) is not None, tag
    assert general.findtext("KHHDon") == "C26TOC"
    assert general.findtext("SHDon") == "7"
    assert general.findtext("NLap") == "2026-12-01"
    assert general.findtext("DVTTe") == "VND"
    content = root.find("DLHDon/NDHDon")
    assert content.findtext("NBan/Ten") == "HTX Mật ong Hà Giang"
    assert content.findtext("NBan/MST") == producer.tax_code
    assert content.findtext("NMua/Ten") == COMPANY.legal_name
    assert content.findtext("NMua/MST") == COMPANY.tax_code
    assert content.findtext("NMua/DCTDTu") == COMPANY.email
    items = content.findall("DSHHDVu/HHDVu")
    assert [item.findtext("THHDVu") for item in items][0] == "Mật ong bạc hà"
    assert [item.findtext("TSuat") for item in items] == ["8%", "10%", "8%"]
    amounts = sum(int(item.findtext("ThTien")) for item in items)
    total = content.find("TToan")
    assert int(total.findtext("TgTCThue")) == amounts == invoice.total_before_vat_vnd
    per_rate = total.findall("THTTLTSuat/LTSuat")
    assert sum(int(r.findtext("TThue")) for r in per_rate) == int(total.findtext("TgTThue"))
    assert int(total.findtext("TgTTTBSo")) == order.total_vnd
    assert amounts + int(total.findtext("TgTThue")) == order.total_vnd
    assert total.findtext("TgTTTBChu") == amount_in_words(order.total_vnd)


def test_invoice_data_tax_code_is_checked_by_the_database(app):
    from sqlalchemy.exc import IntegrityError

    from shop.invoicing.models import OrderInvoiceData

    order = gen_order([(gen_product(), 1)])
    for bad in ("010123456", "0101234567-01", "01012345678901", "010123456x", "0101234567/001"):
        row = OrderInvoiceData(
            order_id=order.id, legal_name="A", tax_code=bad, address="B", email="a@b.vn"
        )
        with pytest.raises(IntegrityError):
            _insert(row)


def _insert(row) -> None:
    with db.session.begin_nested():
        db.session.add(row)
        db.session.flush()
