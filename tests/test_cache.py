from __future__ import annotations

import pytest

from shop.cache import TTLCache
from shop.extensions import db
from tests.conftest import count_queries


def test_ttl_cache_reuses_until_expiry(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("shop.cache.time.monotonic", lambda: clock[0])
    cache = TTLCache(ttl_seconds=30, max_entries=2)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert cache.get_or_set("a", lambda: compute(1)) == 1
    assert cache.get_or_set("a", lambda: compute(2)) == 1
    clock[0] += 31
    assert cache.get_or_set("a", lambda: compute(3)) == 3
    cache.get_or_set("b", lambda: compute(4))
    cache.get_or_set("c", lambda: compute(5))  # evicts the least recently used ("a")
    assert cache.get_or_set("a", lambda: compute(6)) == 6
    assert calls == [1, 3, 4, 5, 6]


def test_ttl_zero_never_caches():
    cache = TTLCache(ttl_seconds=0)
    values = iter(range(10))
    assert cache.get_or_set("k", lambda: next(values)) == 0
    assert cache.get_or_set("k", lambda: next(values)) == 1


@pytest.fixture
def cached(demo, app):
    app.extensions["catalogue_cache"] = TTLCache(ttl_seconds=30)
    return app


def test_listing_body_is_reused_per_language_and_query(cached, client):
    first = client.get("/products?lang=en&stars=5").get_data(as_text=True)
    with count_queries(db.engine) as statements:
        again = client.get("/products?lang=en&stars=5").get_data(as_text=True)
    assert statements == []
    assert again == first
    vietnamese = client.get("/products?lang=vi&stars=5").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese
    assert "Bộ lọc" in vietnamese
    other = client.get("/products?lang=en&stars=4").get_data(as_text=True)
    assert other != first


def test_bad_queries_are_never_cached(cached, client):
    assert client.get("/products?page=abc").status_code == 400
    assert client.get("/products?page=abc").status_code == 400
    assert len(cached.extensions["catalogue_cache"]) == 1  # only the list of group slugs


def test_home_body_is_cached(cached, client):
    client.get("/?lang=en")
    with count_queries(db.engine) as statements:
        response = client.get("/?lang=en")
    assert response.status_code == 200
    assert statements == []
