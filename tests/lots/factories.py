"""Builders for lots."""

from __future__ import annotations

from datetime import date

from shop.lots.services import record_lot


def gen_lot(product, *, harvest_date: date = date(2026, 6, 10), **fields):
    values = {"plot": "Vườn ông Thân, thôn Kim Sơn", "quantity": 200, **fields}
    return record_lot(product, harvest_date=harvest_date, **values)
