"""The operator's errors: what the sessions calendar refuses, each with its reason."""

from __future__ import annotations

from shop.errors import InvalidTransition, ShopError


class SessionRefused(ShopError):
    """A session cannot be created or changed as asked; ``reason`` says why (``exists``,
    ``bad_times``, ``past``, ``too_many``, ``no_days``)."""

    code = "session_refused"
    status = 400


class CapacityBelowTaken(ShopError):
    """The new capacity is below the seats already taken; ``seats_taken`` says how many."""

    code = "capacity_below_taken"
    status = 409


class SessionStateRefused(InvalidTransition):
    """Closing, reopening or cancelling a session that is not in a state that allows it
    (``current`` is its status; ``reason`` ``started`` for a session that has begun)."""

    code = "session_state_refused"
