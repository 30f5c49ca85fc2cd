"""The orders service's refund guard: refused with a reason code before any database CHECK."""

from __future__ import annotations

import pytest

from shop.errors import RefundNotAllowed
from shop.extensions import db
from shop.orders.services import apply_refund
from tests.factories import gen_order, gen_product
from tests.payments.attempts import start_attempt


def paid_order():
    from shop.payments.services import payment_succeeded

    first, second = gen_product(price_vnd=100_000, stock=9), gen_product(price_vnd=50_000)
    order = gen_order([(first, 3), (second, 2)])
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    a, b = order.lines
    return order, a, b


def refused(order, amount, lines) -> str:
    with pytest.raises(RefundNotAllowed) as error:
        apply_refund(order, amount_vnd=amount, lines=lines)
    db.session.refresh(order)
    assert order.refunded_vnd == 0  # nothing was written
    assert all(line.refunded_quantity == 0 for line in order.lines)
    return error.value.details["reason"]


def test_more_than_paid_is_refused(app):
    order, a, _b = paid_order()
    assert refused(order, order.paid_vnd + 1, {}) == "too_much"
    apply_refund(order, amount_vnd=order.paid_vnd, lines={})  # exactly what was paid is fine
    assert order.refunded_vnd == order.paid_vnd
    with pytest.raises(RefundNotAllowed) as error:
        apply_refund(order, amount_vnd=1, lines={})
    assert error.value.details["reason"] == "too_much"


@pytest.mark.parametrize("bad", [-1, 0])
def test_zero_or_negative_line_quantities_are_refused(app, bad):
    order, a, b = paid_order()
    assert refused(order, 150_000, {a.id: 2, b.id: bad}) == "bad_quantity"


def test_unknown_lines_are_refused(app):
    order, a, _b = paid_order()
    other = gen_order([(gen_product(), 1)])
    assert refused(order, 100_000, {other.lines[0].id: 1}) == "unknown_line"
    assert refused(order, 100_000, {999_999: 1}) == "unknown_line"


def test_more_of_a_line_than_was_bought_is_refused(app):
    order, a, _b = paid_order()
    assert refused(order, 400_000, {a.id: 4}) == "too_much"


def test_a_valid_refund_raises_the_order_and_line_totals(app):
    order, a, b = paid_order()
    apply_refund(order, amount_vnd=150_000, lines={a.id: 1, b.id: 1})
    assert order.refunded_vnd == 150_000
    assert (a.refunded_quantity, b.refunded_quantity) == (1, 1)
