"""The ledger's answers to the orders domain's signals, inside the sender's transaction."""

from __future__ import annotations

from datetime import datetime

from shop.extensions import db
from shop.orders.models import Order
from shop.orders.signals import order_paid, producer_order_delivered, refund_applied
from shop.payouts.clawbacks import plan_clawbacks
from shop.payouts.ledger import record_line_sales, record_refund_reversals, release_producer_order


@order_paid.connect
def _credit_producers(_sender, order_id: int, now: datetime, **_extra) -> None:
    record_line_sales(db.session.get(Order, order_id), now)


@refund_applied.connect
def _reverse_refunded_lines(
    _sender, order_id: int, amount_vnd: int, lines: dict[int, int], **_extra
) -> None:
    order = db.session.get(Order, order_id)
    record_refund_reversals(order, amount_vnd, lines)
    # A producer already paid (Stripe Connect) may now owe the platform: take it back after
    # the commit. The order's refunded total after this refund names the refund.
    parts = {line.producer_order_id for line in order.lines if line.id in lines}
    producers = {part.producer_id for part in order.producer_orders if part.id in parts}
    plan_clawbacks(producers, f"o{order.id}-r{order.refunded_vnd}")


@producer_order_delivered.connect
def _start_hold(_sender, producer_order_id: int, delivered_at: datetime, **_extra) -> None:
    release_producer_order(producer_order_id, delivered_at)
