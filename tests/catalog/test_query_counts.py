"""Catalogue pages run a constant number of SQL queries, whatever the catalogue size."""

from __future__ import annotations

from datetime import date

import pytest

from shop.catalog.models import Category
from shop.extensions import db
from tests.conftest import count_queries
from tests.factories import gen_category, gen_certificate, gen_producer, gen_product


def build_catalogue(size: int) -> str:
    group = db.session.scalar(db.select(Category).where(Category.slug == "thuc-pham"))
    if group is None:
        group = gen_category(slug="thuc-pham")
        gen_category(slug="che-tra", parent=group)
    sub = (
        group.children[0]
        if group.children
        else db.session.scalar(db.select(Category).where(Category.slug == "che-tra"))
    )
    producers = [gen_producer() for _ in range(5)]
    first = None
    for i in range(size):
        product = gen_product(
            producer=producers[i % 5],
            category=sub,
            season_start=501 if i % 3 == 0 else None,
            season_end=1130 if i % 3 == 0 else None,
        )
        if i % 2 == 0:
            gen_certificate(product, score=70 + i % 30, decision_date=date(2025, 1, 1))
        if i % 4 == 0:
            gen_certificate(product, score=60, decision_date=date(2021, 1, 1))
        first = first or product
    db.session.commit()
    return first.slug


def queries_for(client, path: str) -> int:
    client.get(path)  # warm caches that are not per-request
    with count_queries(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/products",
        "/products?q=san+pham&certified=1&sort=stars",
        "/products?group=thuc-pham&in_season=1&page=2",
        "/products/{slug}",
        "/producers",
    ],
)
def test_query_count_does_not_grow_with_the_catalogue(app, client, path):
    small_slug = build_catalogue(10)
    small = queries_for(client, path.format(slug=small_slug))
    build_catalogue(190)  # 200 products in all
    large = queries_for(client, path.format(slug=small_slug))
    assert small == large, f"{path}: {small} queries with 10 products, {large} with 200"
    assert large <= 8
