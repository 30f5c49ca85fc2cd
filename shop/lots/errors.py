"""What the lots domain refuses, each with a reason the portal turns into a message."""

from __future__ import annotations

from shop.errors import ShopError


class LotRefused(ShopError):
    """The lots named for a parcel's lines cannot be recorded. ``problems`` maps each line id
    to its reason: ``required`` (the product needs a lot) or ``other_product`` (the lot is of
    another product, or another producer's)."""

    code = "lot_refused"
    status = 400
