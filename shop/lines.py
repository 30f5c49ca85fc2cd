"""Line kinds shared by carts, orders (and later quotes): what a line is for and its target.

Carts and orders both hold lines of these kinds, and neither domain may import the other, so
the kinds live here.
"""

from __future__ import annotations

from enum import StrEnum


class LineKind(StrEnum):
    """What a cart or order line is for; each kind has exactly one target column set.

    A product line is goods; a seats line is seats of one unit type (adult, child…) on one
    experience session (its ``unit_type_id`` says which type)."""

    PRODUCT = "product"
    SEATS = "seats"


# The target column of each line kind (a CHECK keeps exactly this one set).
LINE_TARGETS: dict[str, str] = {LineKind.PRODUCT: "product_id", LineKind.SEATS: "session_id"}


def line_target_check() -> str:
    """SQL for the CHECK that a line's kind is known and exactly its own target is set."""
    columns = sorted(set(LINE_TARGETS.values()))
    cases = []
    for kind, target in LINE_TARGETS.items():
        set_ = " AND ".join(
            f"{column} IS NOT NULL" if column == target else f"{column} IS NULL"
            for column in columns
        )
        cases.append(f"(kind = '{kind}' AND {set_})")
    return " OR ".join(cases)


def seats_unit_check() -> str:
    """SQL for the CHECK that a seats line says its unit type, and only a seats line does."""
    return f"(kind = '{LineKind.SEATS}') = (unit_type_id IS NOT NULL)"
