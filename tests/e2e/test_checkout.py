"""A guest buys from two producers with the demo provider, in a real browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser


def add(page, base: str, slug: str, quantity: str = "1") -> None:
    page.goto(f"{base}/products/{slug}?lang=en")
    page.fill("#buy-qty", quantity)
    page.locator("#buy button[type=submit]").click()
    page.wait_for_load_state()


def fill_checkout(page) -> None:
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("E-mail", exact=True).fill("guest@example.vn")
    page.get_by_label("Phone", exact=True).fill("0912 345 678")
    page.get_by_label("Recipient's name").fill("Trần Thị Bình")
    page.get_by_label("Province or city").select_option(label="Hà Nội")
    page.get_by_label("Commune or ward").fill("phuong hoan kiem")
    page.get_by_label("House number, street, village").fill("12 Hàng Bạc")
    page.get_by_label("I agree to the terms").check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/pay/demo/.*"))


def stock(live_app, slug: str) -> int:
    from shop.catalog.models import Product
    from shop.extensions import db

    with live_app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == slug))


def test_guest_buys_lychee_and_noodles_and_pays(live_server, live_app, page):
    lychee_before = stock(live_app, "vai-thieu-luc-ngan-hong-xuan")
    add(page, live_server, "vai-thieu-luc-ngan-hong-xuan")
    add(page, live_server, "my-gao-chu-xuan-truong", "2")
    page.goto(live_server + "/cart?lang=en")
    assert page.locator(".cart-group").count() == 2
    fill_checkout(page)
    assert "no money moves" in page.content()
    # 285.000 + 2 × 55.000, and a chilled (65.000) and a standard (30.000) parcel
    assert "490.000" in page.locator(".price-lg").inner_text()
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url(re.compile(r".*/orders/OCM-.*"))
    assert page.locator("[data-status]").get_attribute("data-status") == "paid"
    assert page.get_by_text("HTX Hồng Xuân").first.is_visible()
    assert stock(live_app, "vai-thieu-luc-ngan-hong-xuan") == lychee_before - 1


def test_a_declined_payment_can_be_retried_or_put_back_in_the_cart(live_server, live_app, page):
    before = stock(live_app, "my-gao-chu-xuan-truong")
    add(page, live_server, "my-gao-chu-xuan-truong", "3")
    page.goto(live_server + "/cart?lang=en")
    fill_checkout(page)
    assert stock(live_app, "my-gao-chu-xuan-truong") == before - 3
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url(re.compile(r".*/orders/OCM-.*"))
    # The reservation still holds: the shopper may try again, or give the order up.
    assert page.locator("[data-status]").get_attribute("data-status") == "awaiting_payment"
    assert page.get_by_role("button", name="Try again").is_visible()
    assert stock(live_app, "my-gao-chu-xuan-truong") == before - 3
    page.get_by_role("button", name="Put these back in my cart").click()
    page.wait_for_url(re.compile(r".*/cart.*"))
    assert page.locator(".cart-line").count() == 1
    assert stock(live_app, "my-gao-chu-xuan-truong") == before


def test_the_producer_marks_its_part_shipped(live_server, live_app, browser):
    """After a paid order, HTX Xuân Trường's staff confirm and ship their parcel."""
    from shop.extensions import db
    from shop.orders.models import Order, ProducerOrder

    shopper = browser.new_context(viewport={"width": 1366, "height": 900})
    page = shopper.new_page()
    add(page, live_server, "my-gao-chu-xuan-truong")
    page.goto(live_server + "/cart?lang=en")
    fill_checkout(page)
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url(re.compile(r".*/orders/OCM-.*"))
    reference = re.search(r"/orders/(OCM-[\d-]+)", page.url).group(1)
    shopper.close()

    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    portal = staff.new_page()
    portal.goto(live_server + "/account/login?lang=en")
    portal.get_by_label("E-mail", exact=True).fill("xuantruong@ocop.example")
    portal.get_by_label("Password").fill("demo-producer-2026")
    portal.get_by_role("button", name="Sign in").click()
    portal.goto(live_server + "/producer/orders?lang=en")
    portal.get_by_role("link", name=reference).first.click()
    portal.get_by_role("button", name="Confirm").click()
    portal.get_by_label("Carrier").fill("Viettel Post")
    portal.get_by_label("Tracking number").fill("VTP123456789")
    portal.get_by_role("button", name="Mark shipped").click()
    assert portal.locator("[data-status]").first.get_attribute("data-status") == "shipped"
    staff.close()

    with live_app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        parcel = db.session.scalar(select(ProducerOrder).where(ProducerOrder.order_id == order.id))
        assert (parcel.status, parcel.carrier, parcel.tracking_number) == (
            "shipped",
            "Viettel Post",
            "VTP123456789",
        )


def test_commune_suggestions_follow_the_chosen_province(live_server, page):
    add(page, live_server, "my-gao-chu-xuan-truong")
    page.goto(live_server + "/checkout?lang=en")
    page.get_by_label("Province or city").select_option(label="Bắc Ninh")
    page.get_by_label("Commune or ward").press_sequentially("chu")
    suggestion = page.locator('#commune-suggestions option[value="Phường Chũ"]')
    suggestion.wait_for(state="attached")
    page.get_by_label("Province or city").select_option(label="Hà Nội")
    suggestion.wait_for(state="detached")
    page.get_by_label("Commune or ward").fill("")
    page.get_by_label("Commune or ward").press_sequentially("hoan ki")
    page.locator('#commune-suggestions option[value="Phường Hoàn Kiếm"]').wait_for(state="attached")


def test_without_javascript_find_picks_the_commune(live_server, live_app, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    add(page, live_server, "my-gao-chu-xuan-truong")
    page.goto(live_server + "/checkout?lang=en")
    page.get_by_label("E-mail", exact=True).fill("nojs@example.vn")
    page.get_by_label("Phone", exact=True).fill("0912 345 678")
    page.get_by_label("Recipient's name").fill("Lê Văn Cường")
    page.get_by_label("Province or city").select_option(label="Bắc Ninh")
    page.get_by_label("Commune or ward").fill("tan")
    page.get_by_role("button", name="Find the commune or ward").click()
    page.get_by_label("Commune or ward").select_option("Xã Tân Yên")
    assert page.get_by_label("E-mail", exact=True).input_value() == "nojs@example.vn"
    page.get_by_label("House number, street, village").fill("Thôn Đông")
    page.get_by_label("I agree to the terms").check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/pay/demo/.*"))
    context.close()

    from shop.extensions import db
    from shop.orders.models import Order

    with live_app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == "nojs@example.vn"))
        assert (order.province_code, order.commune) == (24, "Xã Tân Yên")
