"""What a producer order's VAT invoice says (Decree 123/2020/NĐ-CP art. 10, Circular
78/2021/TT-BTC): seller and buyer, lines with unit, quantity, unit price and amount before VAT
and the VAT rate, the amounts before VAT and the VAT per rate, the total payable, and the total
in words.

Each producer is the seller of its own part of an order and issues its own invoice; the
marketplace sells nothing itself.

Prices in the shop include VAT, so the invoice splits them. The rule (exact to the đồng):

* per VAT rate, the gross G of the lines at that rate gives the VAT
  ``round_half_up(G × rate / (100 + rate))`` and the amount before VAT ``G − VAT``: so before VAT
  + VAT equals the gross of every rate group exactly, and the VAT is the rate applied to the
  group, as the law taxes it (rounding line by line would let the errors add up);
* the group's amount before VAT is shared among its lines in proportion to their gross
  (``shop.money.allocate``), so the lines add up to the group exactly;
* a line's unit price before VAT is its gross unit price × 100 / (100 + rate), rounded half up
  to the đồng: it is the price shown, the line's amount is what counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from shop.bundles.models import Bundle
from shop.catalog.models import join_address
from shop.extensions import db
from shop.invoicing.words import amount_in_words
from shop.money import allocate, vat_included
from shop.orders.models import DeliveryMethod, ProducerOrder

CURRENCY = "VND"
# "1": a VAT invoice (hoá đơn giá trị gia tăng), the form number of Decree 123 art. 4.
FORM_NUMBER = "1"


@dataclass(frozen=True)
class Party:
    name: str
    tax_code: str | None
    address: str | None
    email: str | None = None
    # The person buying, or their unit, for an organisation (Họ tên người mua hàng).
    buyer_name: str | None = None


@dataclass(frozen=True)
class InvoiceLine:
    number: int
    name: str
    unit: str
    quantity: int
    unit_price_vnd: int  # before VAT
    amount_vnd: int  # before VAT
    vat_rate: int
    gross_vnd: int  # what the buyer paid for the line, VAT included


@dataclass(frozen=True)
class RateTotal:
    vat_rate: int
    amount_vnd: int  # before VAT
    vat_vnd: int

    @property
    def gross_vnd(self) -> int:
        return self.amount_vnd + self.vat_vnd


@dataclass(frozen=True)
class Invoice:
    producer_order_id: int
    order_reference: str
    seller: Party
    buyer: Party
    invoice_date: date
    lines: tuple[InvoiceLine, ...]
    rates: tuple[RateTotal, ...]
    currency: str = CURRENCY
    form_number: str = FORM_NUMBER
    # Set when the invoice is issued (the provider may give its own).
    series: str | None = None
    number: int | None = None
    payment_method: str = "TM/CK"
    extra: dict = field(default_factory=dict)

    @property
    def total_before_vat_vnd(self) -> int:
        return sum(rate.amount_vnd for rate in self.rates)

    @property
    def total_vat_vnd(self) -> int:
        return sum(rate.vat_vnd for rate in self.rates)

    @property
    def total_vnd(self) -> int:
        return self.total_before_vat_vnd + self.total_vat_vnd

    @property
    def total_in_words(self) -> str:
        return amount_in_words(self.total_vnd)


@dataclass(frozen=True)
class _Gross:
    name: str
    unit: str
    quantity: int
    unit_gross_vnd: int
    vat_rate: int

    @property
    def gross_vnd(self) -> int:
        return self.unit_gross_vnd * self.quantity


def before_vat(gross_vnd: int, vat_rate: int) -> int:
    """``round_half_up(gross × 100 / (100 + rate))``: a VAT-included price without its VAT."""
    return gross_vnd - vat_included(gross_vnd, vat_rate)


def split_lines(items: list[_Gross]) -> tuple[list[InvoiceLine], list[RateTotal]]:
    """The lines before VAT and the totals per rate, exact per rate group (module docstring)."""
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_rate[item.vat_rate].append(index)
    amounts: dict[int, int] = {}
    rates = []
    for rate in sorted(by_rate):
        indexes = by_rate[rate]
        gross = sum(items[i].gross_vnd for i in indexes)
        vat = vat_included(gross, rate)
        rates.append(RateTotal(vat_rate=rate, amount_vnd=gross - vat, vat_vnd=vat))
        weights = [items[i].gross_vnd for i in indexes]
        shares = allocate(gross - vat, weights) if gross else [0] * len(indexes)
        amounts.update(zip(indexes, shares, strict=True))
    lines = [
        InvoiceLine(
            number=index + 1,
            name=item.name,
            unit=item.unit,
            quantity=item.quantity,
            unit_price_vnd=before_vat(item.unit_gross_vnd, item.vat_rate),
            amount_vnd=amounts[index],
            vat_rate=item.vat_rate,
            gross_vnd=item.gross_vnd,
        )
        for index, item in enumerate(items)
    ]
    return lines, rates


def seller_of(producer) -> Party:
    return Party(name=producer.name, tax_code=producer.tax_code, address=producer.address)


def buyer_of(order) -> Party:
    """The invoice data the buyer gave, or the recipient for a consumer without a tax code."""
    from shop.invoicing.models import OrderInvoiceData

    data = db.session.scalar(select(OrderInvoiceData).where(OrderInvoiceData.order_id == order.id))
    if data is not None:
        return Party(
            name=data.legal_name,
            tax_code=data.tax_code,
            address=data.address,
            email=data.email,
            buyer_name=data.buyer_name,
        )
    address = join_address(order.street, order.commune, order.province) if order.delivers else None
    return Party(name=order.recipient_name, tax_code=None, address=address, email=order.email)


DELIVERY_NAMES = {
    DeliveryMethod.STANDARD: "Phí vận chuyển",
    DeliveryMethod.CHILLED_EXPRESS: "Phí vận chuyển lạnh nhanh",
}


def build_invoice(
    producer_order: ProducerOrder, *, invoice_date: date, series=None, number=None
) -> Invoice:
    """The VAT invoice content of one producer order (the goods and services still sold after
    refunds, and its delivery charge as a line of its own)."""
    order = producer_order.order
    bundles = {line.bundle_id for line in producer_order.lines if line.bundle_id is not None}
    bundle_names = (
        dict(
            db.session.execute(
                select(Bundle.id, Bundle.name_vi).where(Bundle.id.in_(bundles))
            ).all()
        )
        if bundles
        else {}
    )
    items = []
    for line in producer_order.lines:
        quantity = line.quantity - line.refunded_quantity
        if quantity <= 0:
            continue
        name = line.name
        if line.bundle_id is not None:
            name = f"{name} (trong bộ {bundle_names.get(line.bundle_id, '')})"
        items.append(_Gross(name, line.unit_label, quantity, line.unit_price_vnd, line.vat_rate))
    if producer_order.delivery_vnd > 0:
        items.append(
            _Gross(
                DELIVERY_NAMES.get(producer_order.delivery_method, "Phí vận chuyển"),
                "lần",
                1,
                producer_order.delivery_vnd,
                current_app.config["DELIVERY_VAT_RATE"],
            )
        )
    lines, rates = split_lines(items)
    return Invoice(
        producer_order_id=producer_order.id,
        order_reference=order.reference,
        seller=seller_of(producer_order.producer),
        buyer=buyer_of(order),
        invoice_date=invoice_date,
        lines=tuple(lines),
        rates=tuple(rates),
        series=series,
        number=number,
    )
