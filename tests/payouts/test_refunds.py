"""Refunds reverse sale, commission and withholding in exact proportion, never beyond them."""

from __future__ import annotations

from datetime import date

from shop.orders.services import apply_refund
from shop.payouts.ledger import Balance, balance
from tests.factories import gen_producer, gen_product
from tests.payouts.factories import PAID_AT, amounts, deliver, paid_order

LATER = date(2027, 1, 1)


def test_a_full_line_refund_reverses_everything(app):
    household = gen_producer(legal_type="household")
    order = paid_order([(gen_product(household, price_vnd=123_457), 3)])
    line = order.lines[0]
    apply_refund(order, amount_vnd=line.line_total_vnd, lines={line.id: 3})
    totals = amounts(order_line_id=line.id)
    assert totals["refund_sale"] == -totals["sale"]
    assert totals["refund_commission"] == -totals["commission"]
    assert totals["refund_withholding:vat"] == -totals["withholding:vat"]
    assert totals["refund_withholding:pit"] == -totals["withholding:pit"]
    assert balance(household.id, LATER).total_vnd == 0


def test_partial_refunds_reverse_in_proportion_and_add_up_exactly(app):
    household = gen_producer(legal_type="household")
    order = paid_order([(gen_product(household, price_vnd=33_333), 3)])
    line = order.lines[0]
    for _ in range(3):
        apply_refund(order, amount_vnd=33_333, lines={line.id: 1})
        totals = amounts(order_line_id=line.id)
        for kind in ("commission", "withholding:vat", "withholding:pit"):
            assert abs(totals[f"refund_{kind}"]) <= abs(totals[kind])
    totals = amounts(order_line_id=line.id)
    assert totals["refund_commission"] == -totals["commission"]  # to the đồng in the end
    assert balance(household.id, LATER).total_vnd == 0


def test_a_refund_of_part_of_the_money_reverses_that_part(app):
    coop = gen_producer()
    order = paid_order([(gen_product(coop, price_vnd=200_000), 1)])
    line = order.lines[0]
    apply_refund(order, amount_vnd=100_000, lines={line.id: 1})  # a 50 % cancellation rule
    totals = amounts(order_line_id=line.id)
    assert totals["refund_sale"] == -100_000
    assert totals["refund_commission"] == 10_000
    assert balance(coop.id, LATER).total_vnd == 90_000


def test_a_whole_order_refund_leaves_the_delivery_out_of_the_producers_ledgers(app):
    a, b = gen_producer(), gen_producer()
    order = paid_order([(gen_product(a, price_vnd=100_000), 1), (gen_product(b), 2)])
    apply_refund(
        order, amount_vnd=order.total_vnd, lines={ln.id: ln.quantity for ln in order.lines}
    )
    assert balance(a.id, LATER).total_vnd == 0
    assert balance(b.id, LATER).total_vnd == 0


def test_a_refund_after_delivery_comes_off_the_available_balance(app):
    coop = gen_producer()
    order = paid_order([(gen_product(coop, price_vnd=100_000), 2)])
    deliver(order, PAID_AT)
    assert balance(coop.id, LATER).available_vnd == 180_000
    line = order.lines[0]
    apply_refund(order, amount_vnd=100_000, lines={line.id: 1})
    assert balance(coop.id, LATER) == Balance(available_vnd=90_000, pending_vnd=0)


def test_a_refund_naming_no_lines_is_flagged_for_the_office(app):
    coop = gen_producer()
    order = paid_order([(gen_product(coop, price_vnd=100_000), 1)])
    apply_refund(order, amount_vnd=10_000, lines={})
    assert balance(coop.id, LATER).total_vnd == 90_000
    assert order.needs_review  # the office decides whose ledger to adjust
    assert "ledgers not reversed" in order.review_reason
