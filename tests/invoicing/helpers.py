"""Orders paid, shipped and with invoice data, for the invoicing tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shop.extensions import db
from shop.invoicing.services import InvoiceDataInput, save_invoice_data
from shop.orders.models import Order, ProducerOrder
from shop.orders.services import confirm_producer_order, ship_producer_order
from shop.payments.services import payment_succeeded
from tests.payments.attempts import start_attempt

COMPANY = InvoiceDataInput(
    legal_name="Công ty TNHH Quà Tặng Việt",
    tax_code="0101234567-001",
    address="15 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
    email="ketoan@quatang.vn",
    buyer_name="Phòng Hành chính",
)


def paid(order: Order) -> Order:
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def ship(parcel: ProducerOrder) -> None:
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(
        parcel,
        carrier="GHN",
        tracking_number="GHN123",
        user_id=None,
        now=datetime.now(UTC),
    )


def with_invoice_data(order: Order, data: InvoiceDataInput = COMPANY) -> Order:
    save_invoice_data(order, data)
    return order
