"""Whether a product can be bought today, and if not why: one answer for every page.

Cards, the product page, the cart and checkout all ask ``availability()`` and render its answer
with the ``availability`` macro (templates/_macros/ui.html), so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.catalog.models import Product


class AvailabilityKind(StrEnum):
    ON_SALE = "on_sale"
    PREORDER = "preorder"  # on sale now, ships from ``date``
    OUT_OF_SEASON = "out_of_season"  # back on sale on ``date``
    SOLD_OUT = "sold_out"  # no stock left (or the pre-order is full)
    PAUSED = "paused"  # the product or its producer is not selling


@dataclass(frozen=True)
class Availability:
    kind: AvailabilityKind
    # Pre-order: the ship-from date. Out of season: the day the next season starts.
    date: date | None = None
    # Units that can still be bought (0 unless on sale or on pre-order).
    stock: int = 0
    # A sold-out pre-order (shown as "this pre-order is full").
    preorder: bool = False

    @property
    def can_buy(self) -> bool:
        return self.kind in (AvailabilityKind.ON_SALE, AvailabilityKind.PREORDER)

    @property
    def listed(self) -> bool:
        """Whether the product may sit in a cart (a sold-out line only needs a lower quantity)."""
        return self.kind not in (AvailabilityKind.OUT_OF_SEASON, AvailabilityKind.PAUSED)


def next_season_start(season_start: int, today: date) -> date:
    """The first day on or after ``today`` that is the season's start (``month*100 + day``).

    A start that does not exist in a year (29 Feb outside leap years) moves to the next day.
    """
    month, day = divmod(season_start, 100)
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            start = date(year, month, day)
        except ValueError:  # 29 Feb in a common year, 31 Apr…
            start = date(year, month, 1) + timedelta(days=day - 1)
        if start >= today:
            return start
    raise ValueError("unreachable")  # pragma: no cover


def availability(product: Product, today: date, available_stock: int | None = None) -> Availability:
    """The product's availability on ``today``.

    ``available_stock`` is what can still be sold (the product's stock unless the caller knows
    better, e.g. stock held by lapsed unpaid orders counted back in).
    """
    stock = product.stock if available_stock is None else available_stock
    if not product.active or (product.producer is not None and not product.producer.active):
        return Availability(AvailabilityKind.PAUSED)
    if product.preorder:
        if stock <= 0:
            return Availability(AvailabilityKind.SOLD_OUT, product.preorder_ships_from, 0, True)
        return Availability(AvailabilityKind.PREORDER, product.preorder_ships_from, stock)
    if product.in_season_on(today) is False and product.season_start is not None:
        return Availability(
            AvailabilityKind.OUT_OF_SEASON, next_season_start(product.season_start, today)
        )
    if stock <= 0:
        return Availability(AvailabilityKind.SOLD_OUT)
    return Availability(AvailabilityKind.ON_SALE, None, stock)
