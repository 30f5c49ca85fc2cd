"""What the partner API refuses, each with a stable ``code`` (problem+json) and its status."""

from __future__ import annotations

from shop.errors import NotFound, ShopError


class InvalidApiKey(ShopError):
    """No key, an unknown one, or a revoked one."""

    code = "invalid_api_key"
    status = 401


class BookingNotFound(NotFound):
    """No such booking, or another key's (the same answer for both)."""

    code = "booking_not_found"


class HoldExpired(ShopError):
    """The hold lapsed (its payment window closed) before it was confirmed: its seats are
    free again."""

    code = "hold_expired"
    status = 409


class HoldReleased(ShopError):
    """The partner released the hold before confirming it."""

    code = "hold_released"
    status = 409


class BookingConfirmed(ShopError):
    """A confirmed booking is not a hold any more: it cannot be released."""

    code = "booking_confirmed"
    status = 409
