"""Signals the catalogue sends to domains that sit above it (which it must not import)."""

from blinker import Namespace

_signals = Namespace()

stock_wanted = _signals.signal("stock-wanted")
"""Sent when a shopper sees a product without enough stock, with ``product_ids`` and ``now``.

The orders domain answers by expiring unpaid orders whose hold on those products has lapsed
(the periodic ``flask orders expire`` job does the same for everything). Receivers may write
and commit their own transaction; the sender re-reads the product afterwards.
"""
