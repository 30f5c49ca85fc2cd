"""The catalogue pages on the demo catalogue, in both languages."""

from __future__ import annotations

import json
import re

import pytest

from tests.pagetext import page_text

HONG_XUAN = "/products/vai-thieu-luc-ngan-hong-xuan"


def html(response) -> str:
    return response.get_data(as_text=True)


def slugs_in(response) -> list[str]:
    """Product slugs linked from the result grid, in page order."""
    body = html(response)
    grid = body.split('class="results"', 1)[-1] if 'class="results"' in body else body
    return list(dict.fromkeys(re.findall(r'href="/products/([a-z0-9-]+)"', grid)))


# --- home -------------------------------------------------------------------------------------


def test_home_in_vietnamese_by_default(client, demo):
    response = client.get("/")
    body = html(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in body
    assert "Vải thiều Lục Ngạn" in body
    producers = body.split('id="producers-h"', 1)[1]
    assert 4 <= producers.count('href="/producers/') <= 9  # a strip of producers + "all"


def test_home_shows_what_is_in_season_this_month(client, demo):
    body = html(client.get("/?lang=en"))
    season = body.split('id="season-h"', 1)[1].split('id="highlights-h"', 1)[0]
    in_now, coming = season.split("Coming next month", 1)
    assert "/products/gao-nep-cai-hoa-vang-thai-son" in in_now  # new crop Oct–Nov
    assert "/products/vu-sua-tan-yen" in coming  # star apple from December
    assert "/products/vai-thieu-luc-ngan-hong-xuan" not in season  # lychee is a summer fruit


def test_home_highlights_only_valid_four_and_five_stars(client, demo):
    body = html(client.get("/?lang=en"))
    highlights = body.split('id="highlights-h"', 1)[1].split('id="producers-h"', 1)[0]
    assert "/products/vai-thieu-luc-ngan-hong-xuan" in highlights
    assert "/products/che-dinh-tan-cuong-hao-dat" in highlights
    assert "/products/nem-nuong-lien-chung" not in highlights  # its 4★ certificate expired
    assert "/products/mat-ong-hoa-vai" not in highlights  # 3★


# --- language -------------------------------------------------------------------------------


def test_language_switch_persists_in_a_cookie(client, demo):
    response = client.get("/?lang=en")
    assert '<html lang="en">' in html(response)
    assert "lang=en" in response.headers["Set-Cookie"]
    follow = client.get("/products")
    assert '<html lang="en">' in html(follow)
    assert "OCOP products" in html(follow)
    back = client.get("/products?lang=vi")
    assert '<html lang="vi">' in html(back)
    assert '<html lang="vi">' in html(client.get("/"))


def test_unknown_language_falls_back_to_vietnamese(client, demo):
    assert '<html lang="vi">' in html(client.get("/?lang=fr"))


def test_english_content_falls_back_to_vietnamese_when_missing(client, demo):
    from shop.demo.loader import load_demo_data

    cake = next(p for p in load_demo_data().products if p["slug"] == "banh-khao-moc-son")
    assert cake["description_en"] is None
    body = html(client.get("/products/banh-khao-moc-son?lang=en"))
    assert cake["description_vi"].split("\n")[0][:40] in body
    assert cake["name_en"] in body


def test_ui_is_translated_in_both_languages(client, demo):
    vi = html(client.get(HONG_XUAN + "?lang=vi"))
    en = html(client.get(HONG_XUAN + "?lang=en"))
    assert "OCOP certificate" in en
    assert "Seller" in en
    assert "OCOP certificate" not in vi
    assert "Seller" not in vi
    assert "Chứng nhận OCOP" in vi
    assert "Người bán" in vi


# --- search and facets --------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["vai thieu", "Vải Thiều", "VẢI THIỀU", "lychee", "Lychee", "vải"])
def test_search_is_accent_and_case_insensitive_in_both_languages(client, demo, q):
    response = client.get("/products", query_string={"q": q})
    assert response.status_code == 200
    assert "vai-thieu-luc-ngan-hong-xuan" in slugs_in(response)


def test_search_for_lychee_puts_lychee_first(client, demo):
    slugs = slugs_in(client.get("/products?q=lychee"))
    assert slugs[:1]
    assert "vai" in slugs[0]
    assert "my-gao-chu-xuan-truong" not in slugs


def test_search_mang_finds_bamboo_shoots(client, demo):
    slugs = slugs_in(client.get("/products?q=mang"))
    assert "mang-luc-truc-ngoc-chau" in slugs
    assert "vai-thieu-luc-ngan-hong-xuan" not in slugs
    assert "mang-luc-truc-ngoc-chau" in slugs_in(client.get("/products?q=bamboo"))


def test_search_matches_producer_and_place(client, demo):
    assert "che-xanh-ban-ven" in slugs_in(client.get("/products?q=than truong"))
    assert "che-dinh-tan-cuong-hao-dat" in slugs_in(client.get("/products?q=tan cuong"))


def test_group_facet_includes_sub_groups(client, demo):
    drinks = slugs_in(client.get("/products?group=do-uong"))
    assert drinks == ["ruou-nep-cai-hoa-vang-lang-van"]
    tea = slugs_in(client.get("/products?group=che-tra"))
    assert set(tea) == {"che-xanh-ban-ven", "che-dinh-tan-cuong-hao-dat"}


def test_star_facets_use_only_valid_certificates(client, demo):
    five = set(slugs_in(client.get("/products?stars=5")))
    assert five == {"vai-thieu-luc-ngan-hong-xuan", "che-dinh-tan-cuong-hao-dat"}
    four = set(slugs_in(client.get("/products?stars=4")))
    assert "mang-luc-truc-ngoc-chau" in four  # re-rated in 2024
    assert "nem-nuong-lien-chung" not in four  # 2021 certificate expired
    both = set(slugs_in(client.get("/products?stars=4&stars=5")))
    assert both == five | four


def test_certified_only_hides_uncertified_and_expired(client, demo):
    certified = set(slugs_in(client.get("/products?certified=1")))
    everything = set(slugs_in(client.get("/products")))
    assert "my-ngu-sac-xuan-truong" not in certified  # never certified
    assert "ruou-nep-cai-hoa-vang-lang-van" not in certified  # expired
    assert "mat-ong-hoa-vai" in certified
    assert certified < everything


def test_commune_price_season_and_adult_facets(client, demo):
    phuc_hoa = set(slugs_in(client.get("/products", query_string={"commune": "Xã Phúc Hoà"})))
    assert {"nem-nuong-lien-chung", "vu-sua-tan-yen"} <= phuc_hoa
    assert "che-xanh-ban-ven" not in phuc_hoa

    cheap = slugs_in(client.get("/products?max_price=60000&sort=price_asc"))
    assert cheap[0] == "mang-luc-truc-ngoc-chau"  # 35.000 ₫
    assert "ruou-nep-cai-hoa-vang-lang-van" not in cheap
    mid = set(slugs_in(client.get("/products?min_price=200.000&max_price=250000")))
    assert "ruou-nep-cai-hoa-vang-lang-van" in mid
    assert "mat-ong-hoa-vai" not in mid

    season = set(slugs_in(client.get("/products?in_season=1")))
    assert "gao-nep-cai-hoa-vang-thai-son" in season
    assert "vai-thieu-luc-ngan-hong-xuan" not in season
    assert "my-gao-chu-xuan-truong" not in season  # all-year products are not "in season"

    no_adult = set(slugs_in(client.get("/products?exclude_adult=1")))
    assert "ruou-nep-cai-hoa-vang-lang-van" not in no_adult
    assert "mat-ong-hoa-vai" in no_adult


def test_sorting(client, demo, app):
    from shop.demo.loader import load_demo_data

    price = {p["slug"]: p["price_vnd"] for p in load_demo_data().products}
    ascending = slugs_in(client.get("/products?sort=price_asc"))
    assert [price[s] for s in ascending] == sorted(price[s] for s in ascending)
    descending = slugs_in(client.get("/products?sort=price_desc"))
    assert [price[s] for s in descending] == sorted((price[s] for s in descending), reverse=True)
    by_stars = slugs_in(client.get("/products?sort=stars"))
    assert set(by_stars[:2]) == {"vai-thieu-luc-ngan-hong-xuan", "che-dinh-tan-cuong-hao-dat"}
    assert len(slugs_in(client.get("/products?sort=newest"))) == len(price)


def test_result_count_and_pagination_keep_filters(client, demo, app):
    app.config["PRODUCTS_PER_PAGE"] = 4
    first = client.get("/products?lang=en&certified=1&sort=price_asc")
    body = html(first)
    total = int(re.search(r"(\d+) products", body).group(1))
    assert total > 4
    assert len(slugs_in(first)) == 4
    next_link = re.search(r'<a rel="next" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "certified=1" in next_link
    assert "sort=price_asc" in next_link
    assert "page=2" in next_link
    second = client.get(next_link)
    assert second.status_code == 200
    assert not set(slugs_in(second)) & set(slugs_in(first))
    assert f"Page 2 of {-(-total // 4)}" in html(second)


def test_empty_result_says_so_and_offers_to_remove_filters(client, demo):
    response = client.get("/products?lang=en&q=lychee&group=do-uong")
    body = html(response)
    assert response.status_code == 200
    assert "No products match" in body
    assert "0 products" in body
    assert 'href="/products?q=lychee"' in body  # the same search without the filters


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("page=abc", "page", "The page must be a whole number"),
        ("page=0", "page", "The page must be a whole number"),
        ("stars=9", "stars", "OCOP stars can be 3, 4 or 5"),
        ("min_price=-1", "min_price", "Enter a price in đồng"),
        ("max_price=lots", "max_price", "Enter a price in đồng"),
        ("min_price=500000&max_price=100", "max_price", "must not be below"),
        ("group=nope", "group", "There is no such product group"),
        ("sort=random", "sort", "Unknown sort order"),
        ("q=" + "x" * 5000, "q", "Search text is too long"),
    ],
)
def test_bad_parameters_get_a_400_with_a_message_next_to_the_field(
    client, demo, query, field, message
):
    response = client.get(f"/products?lang=en&{query}")
    body = html(response)
    assert response.status_code == 400
    assert f'id="{field}-error"' in body
    assert message in body
    assert 'aria-invalid="true"' in body or field in ("page", "stars")


def test_bad_parameter_keeps_what_the_user_typed(client, demo):
    body = html(
        client.get("/products?lang=en&q=honey&min_price=abc&commune=X%C3%A3%20Ph%C3%BAc%20Ho%C3%A0")
    )
    assert 'value="honey"' in body
    assert 'value="abc"' in body


# --- product page ---------------------------------------------------------------------------


def test_product_page_shows_price_vat_unit_and_preorder(client, demo):
    body = html(client.get(HONG_XUAN + "?lang=en"))
    assert "285.000\u00a0₫" in body
    assert "VAT included (5%)" in body
    assert "3 kg box" in body
    assert "Pre-order now: ships from" in body
    assert "June" in body  # ships from 5 June next year


def test_usd_reference_only_in_english(client, demo, app):
    en = html(client.get(HONG_XUAN + "?lang=en"))
    rate = app.config["USD_VND_RATE"]
    assert f"≈ US$ {(285_000 * 2 + rate) // (rate * 2)}, for reference only" in en
    assert "US$" not in html(client.get(HONG_XUAN + "?lang=vi"))


def test_product_page_certificate_block(client, demo):
    body = html(client.get(HONG_XUAN + "?lang=en"))
    cert = body.split('id="cert-h"', 1)[1].split('id="seller-h"', 1)[0]
    assert "OCOP 5" in cert
    for label in ("Certificate number", "Decision", "Issued by", "Valid until"):
        assert label in cert
    assert "Ministry of Agriculture and Rural Development" in cert  # translated for English readers


def test_expired_certificate_shows_notice_and_no_badge(client, demo):
    body = html(client.get("/products/nem-nuong-lien-chung?lang=en"))
    assert "Certificate expired." in body
    assert "ocop-badge" not in body


def test_uncertified_product_says_so(client, demo):
    body = html(client.get("/products/my-ngu-sac-xuan-truong?lang=en"))
    assert "no OCOP certificate yet" in body
    assert "ocop-badge" not in body.split('class="product"', 1)[1].split("More from", 1)[0]


def test_product_page_legal_seller_block(client, demo):
    from shop.demo.loader import load_demo_data

    hong_xuan = next(p for p in load_demo_data().producers if p["slug"] == "htx-hong-xuan")
    body = html(client.get(HONG_XUAN + "?lang=en"))
    seller = body.split('id="seller-h"', 1)[1]
    assert hong_xuan["name"] in page_text(seller)
    assert hong_xuan["tax_code"] in seller
    text = page_text(seller)
    # Place names stay Vietnamese (marked lang="vi"); the unit words are English.
    assert "Chũ ward" in text
    assert "Formerly: Hồng Giang commune, Lục Ngạn district, Bắc Giang province" in text
    assert '<span lang="vi">Hồng Giang</span> commune' in seller
    assert "VAT included" in seller
    assert 'href="/policies/returns"' in seller
    assert 'href="/policies/delivery"' in seller


def test_adult_product_warns_about_age(client, demo):
    body = html(client.get("/products/ruou-nep-cai-hoa-vang-lang-van?lang=en"))
    assert "aged 18 and over" in body
    assert "VAT included (10%)" in body


def test_product_page_structured_data_and_sharing(client, demo):
    body = html(client.get(HONG_XUAN + "?lang=en"))
    raw = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', body, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Product"
    assert data["offers"]["price"] == "285000"
    assert data["offers"]["priceCurrency"] == "VND"
    assert data["offers"]["availability"] == "https://schema.org/PreOrder"
    assert data["image"][0].endswith(".svg") or ".svg?" in data["image"][0]
    assert '<meta property="og:title"' in body
    # Absolute links are on SITE_URL, whatever Host the request named.
    site = "http://127.0.0.1:5000"
    assert f'<meta property="og:image" content="{site}/static/img/products/' in body
    assert (
        f'<link rel="canonical" href="{site}/products/vai-thieu-luc-ngan-hong-xuan?lang=en">'
        in body
    )
    assert f'hreflang="vi" href="{site}/products/vai-thieu-luc-ngan-hong-xuan?lang=vi"' in body


def test_unknown_and_inactive_products_are_404_in_both_languages(client, demo):
    from shop.catalog.models import Product
    from shop.extensions import db

    en = client.get("/products/no-such-thing?lang=en")
    assert en.status_code == 404
    assert "Page not found" in html(en)
    vi = client.get("/products/no-such-thing?lang=vi")
    assert vi.status_code == 404
    assert "Không tìm thấy trang" in html(vi)
    product = db.session.scalar(db.select(Product).where(Product.slug == "mat-ong-hoa-vai"))
    product.active = False
    db.session.commit()
    assert client.get("/products/mat-ong-hoa-vai").status_code == 404
    assert "mat-ong-hoa-vai" not in slugs_in(client.get("/products"))


# --- producers, policies, SEO, health ------------------------------------------------------


def test_producer_page(client, demo):
    body = html(client.get("/producers/htx-xuan-truong?lang=en"))
    assert "HTX Xuân Trường" in body
    assert "/products/my-gao-chu-xuan-truong" in body
    assert "/products/my-ngu-sac-xuan-truong" in body
    assert "Cooperative" in body
    assert client.get("/producers/nobody").status_code == 404


def test_producer_list(client, demo):
    body = html(client.get("/producers"))
    assert body.count('href="/producers/') >= 10


@pytest.mark.parametrize("path", ["/policies/returns", "/policies/delivery"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_policy_pages(client, demo, path, lang):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html(response)


def test_sitemap_lists_products_and_producers_in_both_languages(client, demo):
    response = client.get("/sitemap.xml")
    body = html(response)
    assert response.mimetype == "application/xml"
    assert "<loc>http://127.0.0.1:5000/products/vai-thieu-luc-ngan-hong-xuan?lang=vi</loc>" in body
    assert "<loc>http://127.0.0.1:5000/products/vai-thieu-luc-ngan-hong-xuan?lang=en</loc>" in body
    assert "<loc>http://127.0.0.1:5000/producers/htx-hong-xuan?lang=en</loc>" in body
    assert 'hreflang="en"' in body
    import xml.dom.minidom

    xml.dom.minidom.parseString(response.data)  # noqa: S318 - our own sitemap


def test_robots_txt_points_at_the_sitemap(client, demo):
    body = html(client.get("/robots.txt"))
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in body


def test_healthz_ok(client, demo):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_healthz_503_when_database_is_unreachable(tmp_path):
    from shop import create_app
    from tests.conftest import make_config

    missing = tmp_path / "no-such-dir" / "shop.db"
    app = create_app(make_config(f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_static_urls_carry_a_content_hash_and_long_cache(client, demo):
    body = html(client.get("/"))
    css_url = re.search(r'href="(/static/css/shop\.css\?v=[0-9a-f]{10})"', body).group(1)
    response = client.get(css_url)
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_pages_stay_within_the_size_budget(client, demo):
    for path in ("/", "/products", HONG_XUAN, "/products?lang=en"):
        assert len(client.get(path).data) < 60_000, path


def test_vietnamese_error_pages(client, demo):
    response = client.get("/products?page=abc")
    assert response.status_code == 400
    assert "Số trang" in html(response)


def test_server_error_page_in_both_languages(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    vi = client.get("/_boom?lang=vi")
    assert vi.status_code == 500
    assert "Đã có lỗi xảy ra" in html(vi)
    en = client.get("/_boom?lang=en")
    assert en.status_code == 500
    assert "Something went wrong" in html(en)
    json_error = client.get("/_boom", headers={"Accept": "application/json"})
    assert json_error.status_code == 500
    assert json_error.get_json()["error"]["code"] == "server_error"


def test_stylesheet_and_scripts_stay_within_budget():
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "static"
    total = sum(p.stat().st_size for p in static.rglob("*") if p.suffix in {".css", ".js"})
    assert total < 50_000
