"""Recording harvest lots, and the lot each shipped line came from.

Services flush, never commit; the portal route commits once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import exists, select

from shop.catalog.models import Product
from shop.extensions import db
from shop.lots.errors import LotRefused
from shop.lots.models import LOT_CODE_ALPHABET, LOT_CODE_LENGTH, Lot
from shop.lots.queries import lots_by_id, required_products

CODE_ATTEMPTS = 10


def new_lot_code() -> str:
    """A random code of 8 characters from 31 that are never confused (about 40 bits)."""
    return "".join(secrets.choice(LOT_CODE_ALPHABET) for _ in range(LOT_CODE_LENGTH))


def normalise_lot_code(typed: str | None) -> str:
    """A code as typed or scanned: spaces and dashes dropped, upper case; anything else of
    another alphabet or length is not a code (empty string)."""
    if not typed or len(typed) > 40:
        return ""
    code = "".join(ch for ch in typed.upper() if ch not in " -")
    if len(code) != LOT_CODE_LENGTH or any(ch not in LOT_CODE_ALPHABET for ch in code):
        return ""
    return code


def record_lot(
    product: Product,
    *,
    harvest_date: date,
    plot: str,
    quantity: int,
    best_before: date | None = None,
    notes: str | None = None,
    user_id: int | None = None,
) -> Lot:
    """A new lot of ``product`` with a fresh public code (drawn again on the rare clash)."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_lot_code()
        if not db.session.scalar(select(exists().where(Lot.code == code))):
            break
    else:  # pragma: no cover - 31**8 codes
        raise RuntimeError("no free lot code")
    lot = Lot(
        product=product,
        code=code,
        harvest_date=harvest_date,
        best_before=best_before,
        plot=plot,
        quantity=quantity,
        notes=notes or None,
        created_by_id=user_id,
    )
    db.session.add(lot)
    db.session.flush()
    return lot


def check_shipped_lots(lines: Iterable, chosen: Mapping[int, int | None]) -> None:
    """Whether the lots chosen for a parcel's goods lines (``chosen``: line id → lot id, or
    None) may be recorded: a lot must be of the line's own product (hence of the same
    producer), and a product with ``lot_required`` must have one. Every problem is reported at
    once: ``LotRefused`` with ``problems`` (line id → ``required`` / ``other_product``)."""
    goods = [line for line in lines if line.product_id is not None]
    lots = lots_by_id(lot_id for line in goods if (lot_id := chosen.get(line.id)) is not None)
    required = required_products(goods)
    problems: dict[int, str] = {}
    for line in goods:
        lot_id = chosen.get(line.id)
        if lot_id is None:
            if line.product_id in required:
                problems[line.id] = "required"
            continue
        lot = lots.get(lot_id)
        if lot is None or lot.product_id != line.product_id:
            problems[line.id] = "other_product"
    if problems:
        raise LotRefused("lots refused for some lines", problems=problems)


def record_shipped_lots(lines: Iterable, chosen: Mapping[int, int | None]) -> None:
    """Record the lot each goods line of a parcel being shipped came from, after
    ``check_shipped_lots``."""
    goods = [line for line in lines if line.product_id is not None]
    check_shipped_lots(goods, chosen)
    for line in goods:
        line.lot_id = chosen.get(line.id)
    db.session.flush()
