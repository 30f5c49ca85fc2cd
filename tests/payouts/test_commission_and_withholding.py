"""Commission: the most specific rule wins, half up to the đồng, with a minimum. Withholding:
household and individual sellers only, goods and experiences at their Decree 117 rates."""

from __future__ import annotations

from datetime import date

import pytest

from shop.extensions import db
from shop.lines import LineKind
from shop.payouts.ledger import Commission, commission_for, share, withheld, withholding_rates
from shop.payouts.models import CommissionRule
from tests.factories import gen_category, gen_producer, gen_product
from tests.payouts.factories import amounts, paid_order


def rule(scope: str, bp: int, minimum: int = 0, **target) -> CommissionRule:
    found = CommissionRule(scope=scope, basis_points=bp, minimum_vnd=minimum, **target)
    db.session.add(found)
    db.session.flush()
    return found


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [(10_005, 1000, 1001), (10_004, 1000, 1000), (15, 3333, 5), (1, 5000, 1), (0, 1000, 0)],
)
def test_shares_round_half_up_to_the_dong(amount, bp, expected):
    assert share(amount, bp) == expected


def test_the_minimum_applies_but_never_above_the_line():
    assert Commission(1000, 5_000).of(20_000) == 5_000
    assert Commission(1000, 5_000).of(80_000) == 8_000
    assert Commission(1000, 5_000).of(3_000) == 3_000


def test_the_most_specific_commission_rule_wins(app):
    group = gen_category()
    sub_group = gen_category(parent=group)
    producer = gen_producer()
    product = gen_product(producer, sub_group)
    other = gen_product(producer, gen_category())

    def bp(p=product):
        return commission_for(producer_id=producer.id, product_id=p.id).basis_points

    assert bp() == app.config["COMMISSION_DEFAULT_BP"]
    rule("default", 900)
    assert bp() == 900
    rule("producer", 800, producer_id=producer.id)
    assert bp() == 800
    rule("category", 700, category_id=group.id)
    assert bp() == 700
    rule("category", 600, category_id=sub_group.id)
    assert bp() == 600
    rule("product", 500, product_id=product.id)
    assert bp() == 500
    assert bp(other) == 800  # another group: the producer's rule
    # Experiences (no product): the producer's rule.
    assert commission_for(producer_id=producer.id, product_id=None).basis_points == 800


def test_a_paid_line_takes_its_rule_and_minimum(app):
    producer = gen_producer()
    product = gen_product(producer, price_vnd=30_000)
    rule("product", 250, minimum=2_000, product_id=product.id)
    order = paid_order([(product, 1)])
    assert amounts(order_line_id=order.lines[0].id)["commission"] == -2_000


@pytest.mark.parametrize(
    ("legal_type", "kind", "expected"),
    [
        ("household", LineKind.PRODUCT, {"vat": 10_000, "pit": 5_000}),
        ("individual", LineKind.PRODUCT, {"vat": 10_000, "pit": 5_000}),
        ("household", LineKind.SEATS, {"vat": 50_000, "pit": 20_000}),
        ("individual", None, {"vat": 50_000, "pit": 20_000}),  # unknown: the highest rate
        ("cooperative", LineKind.PRODUCT, {}),
        ("enterprise", LineKind.SEATS, {}),
        ("cooperative_group", LineKind.PRODUCT, {}),
    ],
)
def test_withholding_by_legal_type_and_kind(app, legal_type, kind, expected):
    assert withheld(legal_type, kind, 1_000_000, date(2026, 12, 1)) == expected


def test_withholding_rates_follow_their_effective_date(app):
    app.config["WITHHOLDING_RATES"] = (
        (date(2025, 7, 1), 100, 50, 500, 200),
        (date(2027, 1, 1), 150, 50, 500, 300),
    )
    assert withholding_rates(LineKind.PRODUCT, date(2026, 12, 31)) == {"vat": 100, "pit": 50}
    assert withholding_rates(LineKind.PRODUCT, date(2027, 1, 1)) == {"vat": 150, "pit": 50}
    assert withholding_rates(LineKind.PRODUCT, date(2025, 6, 30)) == {}


def test_a_household_sale_is_withheld_on_the_ledger(app):
    household = gen_producer(legal_type="household")
    order = paid_order([(gen_product(household, price_vnd=100_001), 1)])
    assert amounts(order_line_id=order.lines[0].id) == {
        "sale": 100_001,
        "commission": -10_000,
        "withholding:vat": -1_000,
        "withholding:pit": -500,
    }
