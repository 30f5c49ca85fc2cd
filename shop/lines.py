"""Line kinds shared by carts, orders (and later quotes): what a line is for and its target.

Carts and orders both hold lines of these kinds, and neither domain may import the other, so
the kinds live here.
"""

from __future__ import annotations

from enum import StrEnum


class LineKind(StrEnum):
    """What a cart or order line is for; each kind has exactly one target column set.

    A product line is goods; a seats line is seats of one unit type (adult, child…) on one
    experience session (its ``unit_type_id`` says which type); a bundle line (carts only) is a
    bundle bought whole — a package's line also names the chosen session. An order holds a
    bundle as its component lines (product and seats lines carrying ``bundle_id`` and
    ``bundle_group``), so stock and seats are taken the same way as for lines bought alone."""

    PRODUCT = "product"
    SEATS = "seats"
    BUNDLE = "bundle"


# The target column of each line kind (a CHECK keeps exactly this one set).
LINE_TARGETS: dict[str, str] = {
    LineKind.PRODUCT: "product_id",
    LineKind.SEATS: "session_id",
    LineKind.BUNDLE: "bundle_id",
}
# Target columns a kind may set beside its own: a package in a cart names its session.
LINE_ALSO_ALLOWED: dict[str, tuple[str, ...]] = {LineKind.BUNDLE: ("session_id",)}

# The kinds each table holds: a cart holds bundles whole, an order as their component lines.
CART_LINE_KINDS: tuple[str, ...] = (LineKind.PRODUCT, LineKind.SEATS, LineKind.BUNDLE)
ORDER_LINE_KINDS: tuple[str, ...] = (LineKind.PRODUCT, LineKind.SEATS)


def line_target_check(kinds: tuple[str, ...] = ORDER_LINE_KINDS) -> str:
    """SQL for the CHECK that a line's kind is one of ``kinds`` and exactly its own target is
    set (plus, for a bundle, optionally its session)."""
    columns = sorted({LINE_TARGETS[kind] for kind in kinds})
    cases = []
    for kind in kinds:
        target, allowed = LINE_TARGETS[kind], LINE_ALSO_ALLOWED.get(kind, ())
        set_ = " AND ".join(
            f"{column} IS NOT NULL" if column == target else f"{column} IS NULL"
            for column in columns
            if column not in allowed
        )
        cases.append(f"(kind = '{kind}' AND {set_})")
    return " OR ".join(cases)


def seats_unit_check() -> str:
    """SQL for the CHECK that a seats line says its unit type, and only a seats line does."""
    return f"(kind = '{LineKind.SEATS}') = (unit_type_id IS NOT NULL)"
