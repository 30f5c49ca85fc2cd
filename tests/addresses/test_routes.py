"""GET /addresses/communes: the checkout's suggestions, from memory, cacheable."""

from __future__ import annotations

import pytest

from shop.extensions import db
from tests.conftest import count_queries


def test_suggestions_for_a_province_without_accents(client):
    response = client.get("/addresses/communes?province=24&q=phuong%20chu")
    assert response.status_code == 200
    data = response.get_json()
    assert data["province"] == {"code": 24, "name": "Bắc Ninh"}
    assert data["communes"][0] == {"code": 7525, "name": "Phường Chũ"}
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_province_only_suggests_its_own_communes(client):
    data = client.get("/addresses/communes?province=1&q=chu").get_json()
    assert {"code": 7525, "name": "Phường Chũ"} not in data["communes"]
    hoan = client.get("/addresses/communes?province=1&q=hoan kiem").get_json()
    assert hoan["communes"] == [{"code": 70, "name": "Phường Hoàn Kiếm"}]


def test_answers_from_memory_and_can_be_cached(app, client):
    with count_queries(db.engine) as statements:
        response = client.get("/addresses/communes?province=24&q=chu")
    assert statements == []
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=86400" in response.headers["Cache-Control"]
    again = client.get(
        "/addresses/communes?province=24&q=chu",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("province=999&q=chu", 404, "unknown_province"),
        ("q=chu", 404, "unknown_province"),
        ("province=abc", 404, "unknown_province"),
        ("province=²", 404, "unknown_province"),
        ("province=99999999999999999999999", 404, "unknown_province"),
        ("province=24&q=%00", 400, "bad_request"),  # refused at the edge
        ("province=24&q=" + "x" * 81, 400, "invalid_query"),
    ],
)
def test_bad_requests_get_a_json_error_with_a_code(client, query, status, code):
    response = client.get(f"/addresses/communes?{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_no_match_is_an_empty_list(client):
    data = client.get("/addresses/communes?province=24&q=zzzz").get_json()
    assert data["communes"] == []
