"""The gift-set page in both languages (band filter, tiers, packaging, card, the alcohol-free
variant), the bundle page's tier table, the header link and home section, and searches for
gifts finding the gift sets."""

from __future__ import annotations

import re

import pytest

from shop.bundles.services import put_on_sale
from shop.extensions import db
from tests.factories import gen_product
from tests.giftsets.factories import gen_gift_set


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def sets(app):
    plain = gen_gift_set(
        slug="kinh-bac-plain",
        name_vi="Hộp quà Kinh Bắc không cồn",
        name_en="Kinh Bắc set, alcohol-free",
        packaging_vi="Hộp giấy đỏ",
        packaging_en="A red paper box",
        card_text_vi="Chúc Mừng Năm Mới",
        card_text_en="Happy New Year",
    )
    wine = gen_product(name_vi="Rượu nếp", price_vnd=250_000, adult_only=True, stock=50)
    with_wine = gen_gift_set(
        [(wine, 1), (gen_product(price_vnd=100_000, stock=50), 1)],
        tiers=[(1, 320_000), (10, 300_000)],
        price_vnd=320_000,
        slug="kinh-bac-wine",
        name_vi="Hộp quà Kinh Bắc có rượu",
        name_en="Kinh Bắc set with rice wine",
    )
    with_wine.alcohol_free_variant = plain
    put_on_sale(with_wine)
    big = gen_gift_set(
        [(gen_product(price_vnd=900_000, stock=50), 1)],
        tiers=[],
        price_vnd=850_000,
        slug="big-set",
        name_vi="Hộp quà lớn",
        name_en="Big set",
    )
    db.session.commit()
    return plain, with_wine, big


def test_the_gift_set_page_in_english(client, sets):
    page = text(client.get("/gift-sets?lang=en"))
    assert "Kinh Bắc set, alcohol-free" in page
    assert "Kinh Bắc set with rice wine" in page
    assert "Big set" in page
    assert "About 500.000 ₫" in page
    assert "About 300.000 ₫" in page
    assert "A red paper box" in page
    assert '<p lang="vi">Chúc Mừng Năm Mới</p>' in page  # the card in both languages
    assert '<p lang="en">Happy New Year</p>' in page
    assert "10–49 boxes</td><td>470.000 ₫" in page
    assert "from 200 boxes</td><td>420.000 ₫" in page
    assert 'href="/bundles/kinh-bac-plain">See the alcohol-free version' in page
    assert "<img" in page


def test_the_gift_set_page_in_vietnamese(client, sets):
    page = text(client.get("/gift-sets?lang=vi"))
    assert "<h1>Quà tặng</h1>" in page
    assert "Hộp giấy đỏ" in page
    assert "Khoảng 500.000 ₫" in page
    assert "Xem bản không cồn" in page


@pytest.mark.parametrize(
    ("band", "shown", "hidden"),
    [
        ("300k", "Kinh Bắc set with rice wine", "Big set"),
        ("500k", "Kinh Bắc set, alcohol-free", "Kinh Bắc set with rice wine"),
        ("1m", "Big set", "Kinh Bắc set, alcohol-free"),
    ],
)
def test_the_band_filter(client, sets, band, shown, hidden):
    page = text(client.get(f"/gift-sets?band={band}&lang=en"))
    assert shown in page
    assert hidden not in page


def test_an_unknown_band_is_refused_with_every_set_shown(client, sets):
    response = client.get("/gift-sets?band=%C2%B2&lang=en")
    assert response.status_code == 400
    assert "Big set" in text(response)


def test_the_bundle_page_shows_tiers_and_card(client, sets):
    page = text(client.get("/bundles/kinh-bac-plain?lang=en"))
    assert "Volume prices" in page
    assert "1–9 boxes</td><td>500.000 ₫" in page
    assert '<p lang="en">Happy New Year</p>' in page
    assert 'href="/gift-sets">Gift sets</a>' in page  # breadcrumb and header


def test_header_and_home_link_the_gift_sets(client, sets):
    vi = text(client.get("/?lang=vi"))
    assert 'href="/gift-sets"' in vi
    assert ">Quà tặng</a>" in vi
    assert "Hộp quà lớn" in vi  # the home page's gift section
    en = text(client.get("/?lang=en"))
    assert ">Gift sets</a>" in en
    assert 'href="/gift-sets/builder"' in en


@pytest.mark.parametrize(
    "q", ["qua tang", "quà tặng", "hop qua", "hộp quà", "gift", "gifts", "tet", "Tết", "QUÀ"]
)
def test_searches_for_gifts_list_the_gift_sets(client, sets, q):
    page = text(client.get("/products", query_string={"q": q, "lang": "en"}))
    assert "gift sets match" in page
    assert 'href="/gift-sets">All gift sets' in page
    assert "Big set" in page


def test_a_search_for_something_else_lists_no_gift_set(client, sets):
    page = text(client.get("/products", query_string={"q": "tractor", "lang": "en"}))
    assert "gift sets match" not in page
    assert "No products match" in page


def test_a_gift_set_put_on_sale_shows_in_cached_pages_at_once(client, sets):
    _plain, _wine, big = sets
    assert "Big set" in text(client.get("/products?q=gift&lang=en"))
    big.active = False
    db.session.commit()
    assert "Big set" not in text(client.get("/products?q=gift&lang=en"))
    assert "Hộp quà lớn" not in text(client.get("/?lang=vi"))
