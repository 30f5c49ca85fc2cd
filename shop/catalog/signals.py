"""Signals the catalogue sends to domains that sit above it (which it must not import)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from blinker import Namespace

_signals = Namespace()

lapsed_stock_asked = _signals.signal("lapsed-stock-asked")
"""Sent with ``product_ids`` and ``now`` when a page shows stock. The orders domain answers with
``{product_id: units}`` held by unpaid orders whose payment window has lapsed: stock that counts
as available. Receivers only read; the next write that needs the stock releases it."""


def lapsed_stock(product_ids: list[int], now: datetime) -> dict[int, int]:
    """Units of each product that lapsed holds keep from ``Product.stock`` (read only)."""
    totals: dict[int, int] = defaultdict(int)
    if not product_ids:
        return {}
    for _receiver, answer in lapsed_stock_asked.send(None, product_ids=product_ids, now=now):
        for product_id, units in (answer or {}).items():
            totals[product_id] += units
    return dict(totals)
