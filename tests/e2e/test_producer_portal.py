"""A producer on a phone (390 × 844) changes a price, which the shop shows at once, records a
harvest lot of its fresh lychee and opens the lot's sheet of QR stamps."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from shop.catalog.models import Product
from shop.extensions import db
from shop.lots.models import Lot
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LYCHEE = "vai-thieu-luc-ngan-hong-xuan"
STAFF = ("hongxuan@ocop.example", "demo-producer-2026")


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/account/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_producer_changes_a_price_records_a_lot_and_opens_its_stamps_on_a_phone(
    live_server, live_app, browser
):
    with live_app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == LYCHEE))
        product_id, old_price = product.id, product.price_vnd
    new_price = old_price + 5_000
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    phone = context.new_page()
    try:
        sign_in(phone, live_server, *STAFF)
        phone.goto(f"{live_server}/producer/products/{product_id}/edit")
        price = phone.get_by_label("Price (đồng, VAT included)")
        price.fill(f"{new_price:,}".replace(",", "."))  # as Vietnamese write it: 85.000
        phone.get_by_role("button", name="Save changes").click()
        phone.wait_for_load_state()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        shop_page = context.new_page()
        shop_page.goto(f"{live_server}/products/{LYCHEE}?lang=vi")
        shown = f"{new_price:,}".replace(",", ".")
        assert shown in shop_page.locator(".price").first.inner_text()
        shop_page.close()

        phone.goto(f"{live_server}/producer/products/{product_id}/lots/new?lang=en")
        phone.get_by_label("Harvest or production date").fill(DEMO_TODAY.isoformat())
        phone.get_by_label("Plot or village").fill("Vườn ông Thân, thôn Kim Sơn")
        phone.get_by_label("Quantity").fill("120")
        phone.get_by_role("button", name="Record the lot").click()
        phone.wait_for_load_state()
        with live_app.app_context():
            lot = db.session.scalar(
                select(Lot).where(Lot.product_id == product_id).order_by(Lot.id.desc())
            )
            code, lot_id = lot.code, lot.id
            assert lot.plot == "Vườn ông Thân, thôn Kim Sơn"
        assert code in phone.locator("main").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        stamps = phone.locator(f"#lot-{code}").get_by_role("link", name="Stamp sheet (PDF)")
        assert stamps.get_attribute("href").endswith(f"/producer/lots/{lot_id}/stamps.pdf")
        response = phone.request.get(live_server + stamps.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
        assert text.count(code) == 24  # 3 × 8 stamps on the A4 sheet
        assert "OCOP 5 stars" in text
        assert "Hồng Xuân" in text
    finally:
        context.close()
