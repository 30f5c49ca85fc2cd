"""Splitting a bundle's price over its component lines, in whole đồng.

The price is shared in proportion to what each component would cost bought alone (its list
price × quantity), by largest remainders (``shop.money.allocate``), so the parts add up to the
bundle price exactly and each part keeps its own VAT rate and producer.

Every unit gets at least 1 đồng first (an order line's unit price must be positive), and the
rest of the price is shared in proportion — so a part is never further from its exact share
than the bundle's number of units, in đồng. A bundle priced below its number of units cannot
give each unit a đồng: then the whole price is shared in proportion and some units get 0
(``validate_bundle`` refuses such a bundle, and the order line's CHECK ``unit_price_vnd > 0``
would too).

An order line must satisfy ``line_total = unit price × quantity``: a component whose amount A
does not divide by its quantity q becomes two lines — (A mod q) units at A // q + 1 and the
rest at A // q.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shop.money import allocate


@dataclass(frozen=True)
class PricedPart:
    """Units of one component at one unit price: one order line."""

    component: int  # index of the component in the list given
    quantity: int
    unit_price_vnd: int

    @property
    def line_total_vnd(self) -> int:
        return self.quantity * self.unit_price_vnd


def allocate_amounts(price_vnd: int, items: Sequence[tuple[int, int]]) -> list[int]:
    """``items`` are (list unit price, quantity) per component → the amount of ``price_vnd``
    each component carries; they add up to ``price_vnd``."""
    if price_vnd < 0:
        raise ValueError("a bundle price is never negative")
    if not items or any(q < 1 for _price, q in items) or any(p < 0 for p, _q in items):
        raise ValueError("components need a quantity of at least 1 and a list price ≥ 0")
    quantities = [q for _price, q in items]
    weights = [p * q for p, q in items]
    if sum(weights) == 0:  # nothing to go by: share by units
        weights = quantities
    units = sum(quantities)
    if price_vnd < units:
        return allocate(price_vnd, weights)
    return [
        q + extra for q, extra in zip(quantities, allocate(price_vnd - units, weights), strict=True)
    ]


def split_amount(amount_vnd: int, quantity: int) -> list[tuple[int, int]]:
    """``amount_vnd`` over ``quantity`` units as at most two (quantity, unit price) lines,
    the dearer first."""
    unit, odd = divmod(amount_vnd, quantity)
    lines = []
    if odd:
        lines.append((odd, unit + 1))
    if quantity - odd:
        lines.append((quantity - odd, unit))
    return lines


def price_parts(price_vnd: int, items: Sequence[tuple[int, int]]) -> list[PricedPart]:
    """The order lines of one bundle: each component's share of ``price_vnd`` as lines whose
    totals are unit price × quantity; they add up to ``price_vnd``."""
    parts = []
    for index, ((_list, quantity), amount) in enumerate(
        zip(items, allocate_amounts(price_vnd, items), strict=True)
    ):
        parts.extend(PricedPart(index, q, unit) for q, unit in split_amount(amount, quantity))
    return parts
