"""The API tests' demo: the whole ``flask seed-demo`` (goods and experiences with their
sessions), seeded once per worker and backend and copied into each test's empty database."""

from __future__ import annotations

import pytest

from shop.extensions import db
from tests.conftest import DEMO_TODAY, database_is_empty, insert_rows, table_rows

_ROWS: dict[str, list] = {}


@pytest.fixture
def demo(app):
    from shop.demo.seed import seed_demo

    backend = db.engine.dialect.name
    if backend in _ROWS and database_is_empty():
        insert_rows(_ROWS[backend])
        return app
    empty = database_is_empty()
    seed_demo(DEMO_TODAY)
    db.session.commit()
    if empty:
        _ROWS[backend] = table_rows()
    return app
