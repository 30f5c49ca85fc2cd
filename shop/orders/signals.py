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

order_paid = _signals.signal("order-paid")
"""Sent inside the transaction that marked an order paid online, with ``order_id`` and ``now``.

The payouts domain answers by crediting each line's producer (sale, commission, withholding).
Receivers must not commit.
"""

refund_applied = _signals.signal("refund-applied")
"""Sent inside the transaction that raised an order's refunded total, with ``order_id``,
``amount_vnd`` (the money going back) and ``lines`` ({line id: quantity} refunded).

The payouts domain answers with reversing ledger entries. Receivers must not commit.
"""

producer_order_delivered = _signals.signal("producer-order-delivered")
"""Sent inside the transaction that marked a producer order delivered, with
``producer_order_id`` and ``delivered_at``.

The payouts domain answers by starting the hold after which its goods may be paid out.
Receivers must not commit.
"""
