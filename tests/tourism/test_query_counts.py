"""The experience pages run a fixed number of SQL queries whatever the number of sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from shop.extensions import db
from shop.tourism.rules import utc_from_local
from tests.conftest import count_queries
from tests.factories import gen_experience, gen_product, gen_session

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def add_sessions(experience, count: int, first: int) -> None:
    """``count`` sessions from day ``first`` after 29 Nov 2026, three a day."""
    for i in range(first, first + count):
        day = date(2026, 11, 29) + timedelta(days=i // 3)
        gen_session(
            experience,
            starts_at=utc_from_local(day, time(7 + 3 * (i % 3), 0)),
            capacity=20,
            seats_taken=i % 21,
        )
    db.session.commit()


def queries_for(client, path: str) -> int:
    client.get(path)  # warm what is not per request
    with count_queries(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path",
    [
        "/experiences/counted",
        "/experiences/counted?month=2026-12&day=2026-12-02",
        "/experiences",
        "/experiences?party=2&from=2026-12-01&language=en",
        "/products?q=trai+nghiem",
        "/",
    ],
)
def test_query_count_does_not_grow_with_sessions(app, client, path):
    experience = gen_experience(slug="counted")
    gen_product(producer=experience.producer, stock=3)
    other = gen_experience()
    with time_machine.travel(NOW, tick=False):
        add_sessions(experience, 5, 0)
        add_sessions(other, 5, 0)
        few = queries_for(client, path)
        add_sessions(experience, 55, 5)  # 60 in all
        add_sessions(other, 55, 5)
        many = queries_for(client, path)
    assert few == many, f"{path}: {few} queries with 5 sessions, {many} with 60"
    assert many <= 10
