from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.money import allocate, format_vnd, percent_of, usd_reference, vat_included


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0\u00a0₫"),
        (5, "5\u00a0₫"),
        (1000, "1.000\u00a0₫"),
        (1_250_000, "1.250.000\u00a0₫"),
        (99_999_999, "99.999.999\u00a0₫"),
        (-30_000, "-30.000\u00a0₫"),
    ],
)
def test_format_vnd_groups_thousands_with_dots(amount, expected):
    assert format_vnd(amount) == expected


@pytest.mark.parametrize("bad", [1.5, "1000", True, None])
def test_format_vnd_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        format_vnd(bad)


def test_usd_reference_rounds_half_up_to_whole_dollars():
    assert usd_reference(1_250_000, 25_000) == 50
    assert usd_reference(12_500, 25_000) == 1  # exactly half a dollar rounds up
    assert usd_reference(12_499, 25_000) == 0
    with pytest.raises(ValueError, match="positive"):
        usd_reference(1000, 0)


@pytest.mark.parametrize(
    ("price", "rate", "vat"),
    [
        (108_000, 8, 8_000),
        (105_000, 5, 5_000),
        (110_000, 10, 10_000),
        (100_000, 0, 0),
        (285_000, 5, 13_571),
    ],
)
def test_vat_included_is_the_vat_inside_an_inclusive_price(price, rate, vat):
    assert vat_included(price, rate) == vat


def test_vat_included_rejects_unknown_rates():
    with pytest.raises(ValueError, match="VAT rate"):
        vat_included(100_000, 7)


def test_percent_of_in_basis_points():
    assert percent_of(1_000_000, 1000) == 100_000
    assert percent_of(333, 150) == 5  # 4.995 rounds half up
    assert percent_of(0, 500) == 0


def test_allocate_splits_leftover_dong_to_largest_remainders():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [0, 1]) == [0, 10]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_rejects_bad_weights(weights):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        allocate(100, weights)


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocate_always_adds_back_up_exactly(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / weight_sum
        assert abs(part - exact) < 1  # never more than one đồng from the exact share
        if weight == 0:
            assert part == 0


@given(st.integers(min_value=0, max_value=10**11), st.sampled_from([0, 5, 8, 10]))
def test_vat_included_never_exceeds_price(price, rate):
    vat = vat_included(price, rate)
    assert 0 <= vat <= price
    assert abs(vat - price * rate / (100 + rate)) <= 0.5
