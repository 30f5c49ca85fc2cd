"""The bundle price split over its parts: always exactly the price, in whole đồng, each line's
total its unit price × quantity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.bundles.allocation import allocate_amounts, price_parts, split_amount

components = st.lists(
    st.tuples(st.integers(0, 50_000_000), st.integers(1, 60)), min_size=1, max_size=8
)


@given(components, st.integers(0, 500_000_000))
def test_parts_add_up_to_the_bundle_price(items, price):
    parts = price_parts(price, items)
    assert sum(p.line_total_vnd for p in parts) == price
    assert all(p.unit_price_vnd >= 0 and p.quantity >= 1 for p in parts)
    # Each component's units all appear, in at most two lines one đồng apart.
    for index, (_list, quantity) in enumerate(items):
        mine = [p for p in parts if p.component == index]
        assert 1 <= len(mine) <= 2
        assert sum(p.quantity for p in mine) == quantity
        assert max(p.unit_price_vnd for p in mine) - min(p.unit_price_vnd for p in mine) <= 1


@given(components, st.integers(0, 500_000_000))
def test_every_unit_carries_a_dong_when_the_price_allows(items, price):
    units = sum(q for _p, q in items)
    parts = price_parts(price, items)
    if price >= units:
        assert all(p.unit_price_vnd >= 1 for p in parts)


@given(components, st.integers(0, 500_000_000))
def test_shares_follow_the_list_prices(items, price):
    """Each component's amount is within the bundle's number of units (plus one) in đồng of
    its exact proportional share: the 1 đồng each unit gets first is all that moves it."""
    amounts = allocate_amounts(price, items)
    weights = [p * q for p, q in items]
    total = sum(weights) or sum(q for _p, q in items)
    if not sum(weights):
        weights = [q for _p, q in items]
    units = sum(q for _p, q in items)
    for amount, weight in zip(amounts, weights, strict=True):
        exact = price * weight / total
        assert abs(amount - exact) <= units + 1


def test_a_price_below_the_number_of_units_leaves_some_units_at_zero():
    """Documented: 3 đồng over 5 units cannot give each a đồng; the parts still add up, and
    ``validate_bundle`` refuses such a bundle before it goes on sale."""
    parts = price_parts(3, [(5, 2), (1, 3)])
    assert sum(p.line_total_vnd for p in parts) == 3
    assert any(p.unit_price_vnd == 0 for p in parts)


def test_an_amount_that_does_not_divide_becomes_two_lines():
    assert split_amount(1_000_001, 3) == [(2, 333_334), (1, 333_333)]
    assert split_amount(900, 3) == [(3, 300)]


def test_the_package_example():
    # 2 adults at 300 000 and 2 boxes at 150 000 (900 000 alone) sold at 700 000.
    parts = price_parts(700_000, [(300_000, 2), (150_000, 2)])
    assert [(p.component, p.quantity, p.unit_price_vnd) for p in parts] == [
        (0, 2, 233_333),
        (1, 2, 116_667),
    ]


@pytest.mark.parametrize("bad", [[], [(100, 0)], [(-1, 1)]])
def test_refuses_impossible_components(bad):
    with pytest.raises(ValueError, match="component|quantity"):
        allocate_amounts(100, bad)
