"""Signals the orders domain sends to domains that sit above it (which it must not import)."""

from blinker import Namespace

_signals = Namespace()

order_released = _signals.signal("order-released")
"""Sent inside the transaction that moved an unpaid order out of ``awaiting_payment`` without
payment (expired, or given up after a failed payment), with ``order_id`` and ``actor``.

The payments domain answers by closing the order's open payment attempts (a compare-and-set on
each), so money that still arrives for one of them is recorded and flagged for review.
Receivers must not commit: they are part of the sender's transaction.
"""
