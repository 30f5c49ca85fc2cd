"""Pages whose SQL statement count must not grow with the catalogue: ``make bench`` counts each
one's statements over one request (after a warm-up request) with 20 products and again with
the full catalogue, prints both and fails when they differ; ``tests/test_sql_counts.py`` runs
the same check in the test suite.

To check another page, add its URL to ``CONSTANT_SQL_URLS`` — one line.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from shop.extensions import db

# --- the pages checked: one URL a line ------------------------------------------------------
CONSTANT_SQL_URLS: list[str] = [
    "/ocop",  # the programme page (shop/programme/)
    "/api/v1/products",  # the JSON API's product list (shop/api/)
    "/api/v1/products?limit=100",  # its largest page
]
# ----------------------------------------------------------------------------------------------

SMALL_CATALOGUE = 20


def statements_of(app: Flask, url: str) -> int:
    """SQL statements one request to ``url`` runs, after a warm-up request (per-process caches
    filled). The page must answer 200."""
    client = app.test_client()
    client.get(url)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return len(statements)


def statement_counts(app: Flask, urls: list[str] | None = None) -> dict[str, int]:
    """{url: statements of one request} for every URL checked (inside an app context)."""
    return {url: statements_of(app, url) for url in (urls or CONSTANT_SQL_URLS)}


def print_comparison(small: dict[str, int], large: dict[str, int], products: int) -> bool:
    """Print the counts side by side; whether every page's count stayed the same."""
    print(f"\nSQL statements per request, {SMALL_CATALOGUE} and {products} products")
    print(f"{'page':<24}{SMALL_CATALOGUE:>10}{products:>10}  same")
    same = True
    for url in small:
        equal = small[url] == large[url]
        same &= equal
        print(f"{url:<24}{small[url]:>10}{large[url]:>10}  {'yes' if equal else 'NO'}")
    return same
