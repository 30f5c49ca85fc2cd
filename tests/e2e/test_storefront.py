"""A shopper's first visit, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_switch_to_english_search_lychee_and_open_the_certified_product(live_server, page):
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("link", name="EN", exact=True).click()
    assert page.locator("html").get_attribute("lang") == "en"

    search = page.get_by_role("search").first.get_by_role("searchbox")
    search.fill("lychee")
    search.press("Enter")
    page.wait_for_url("**/products?q=lychee*")
    assert page.get_by_role("heading", name="Results for “lychee”").is_visible()

    page.get_by_role("link", name="Hồng Xuân Lục Ngạn lychee").first.click()
    page.wait_for_url("**/products/vai-thieu-luc-ngan-hong-xuan*")
    assert page.locator("html").get_attribute("lang") == "en"  # the choice persisted
    assert page.locator(".price-lg").inner_text().replace("\u00a0", " ") == "285.000 ₫"
    certificate = page.locator("section.certificate")
    assert certificate.locator(".ocop-badge").first.inner_text().count("★") >= 5
    assert "OCOP 5" in certificate.inner_text()
    assert "Valid until" in certificate.inner_text()


def test_listing_filters_work_without_javascript_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server + "/products?lang=en")
        page.get_by_text("Filters", exact=True).click()  # the folded panel opens without JS
        page.get_by_label("5 stars").check()
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url("**stars=5**")
        assert page.get_by_role("status").inner_text() == "2 products"
    finally:
        context.close()
