"""On a phone (390 × 844): the buy button above the fold, every tap target at least 44 × 44 px.

Exempt, as WCAG 2.5.8 allows: links inside running text (an inline ``a`` in a paragraph, a
definition or small print), whose size is set by the line of text around them.
"""

from __future__ import annotations

import pytest

from shop import create_app
from shop.extensions import db
from tests.conftest import DEMO_TODAY, make_config

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

SMALL_TARGETS = """
() => {
  const small = [];
  for (const root of document.querySelectorAll('.demo-notice, header.site-header, main')) {
    for (const el of root.querySelectorAll('a, button, input[type=submit], summary')) {
      if (!el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= 0 || box.left >= innerWidth) continue;
      const style = getComputedStyle(el);
      if (el.tagName === 'A' && style.display === 'inline' && el.closest('p, dd, small')) continue;
      if (box.width < 44 || box.height < 44) {
        const name = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
        small.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ` +
                   `${Math.round(box.width)}x${Math.round(box.height)}`);
      }
    }
  }
  return small;
}
"""


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The demo shop as visitors see it, demo notice included."""
    from shop.demo.seed import seed_demo

    directory = tmp_path_factory.mktemp("e2e-phone")
    app = create_app(
        make_config(
            f"sqlite:///{directory / 'shop.db'}",
            MAIL_OUTBOX_DIR=str(directory / "outbox"),
            SHOW_DEMO_NOTICE=True,
            PRODUCTS_PER_PAGE=8,  # so the listing has pagination links
        )
    )
    with app.app_context():
        db.create_all()
        seed_demo(DEMO_TODAY)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("my-gao-chu-xuan-truong", {"vi": "Thêm vào giỏ", "en": "Add to cart"}),
        ("vai-thieu-luc-ngan-hong-xuan", {"vi": "Đặt trước", "en": "Pre-order"}),
    ],
)
def test_the_buy_button_is_above_the_fold_on_a_phone(live_server, phone, slug, label, lang):
    phone.goto(f"{live_server}/products/{slug}?lang={lang}")
    assert phone.locator(".demo-notice").is_visible()
    button = phone.locator("#buy button[type=submit]")
    assert button.inner_text().strip() == label[lang]
    box = button.bounding_box()
    assert box is not None
    bottom = box["y"] + box["height"]
    assert bottom <= PHONE["height"], f"the buy button ends at {bottom} px"
    assert box["height"] >= 44


def test_the_header_is_one_line_on_a_phone(live_server, phone):
    phone.goto(f"{live_server}/products?lang=vi")
    header = phone.locator("header.site-header").bounding_box()
    notice = phone.locator(".demo-notice").bounding_box()
    assert header["height"] <= 64
    assert notice["height"] <= 44
    # Everything else sits behind the menu, which opens without JavaScript.
    phone.locator(".site-menu > summary").click()
    assert phone.get_by_role("navigation").get_by_role("link", name="Nhà sản xuất").is_visible()
    assert phone.get_by_role("searchbox").is_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/products",
        "/products?page=2",
        "/products/vai-thieu-luc-ngan-hong-xuan",
        "/products/che-xanh-ban-ven",
        "/products/my-gao-chu-xuan-truong",
        "/producers",
        "/cart",
    ],
)
def test_every_tap_target_is_at_least_44_px_on_a_phone(live_server, phone, path):
    if path == "/cart":
        phone.goto(f"{live_server}/products/my-gao-chu-xuan-truong")
        phone.locator("#buy button[type=submit]").click()
    separator = "&" if "?" in path else "?"
    for lang in ("vi", "en"):
        phone.goto(f"{live_server}{path}{separator}lang={lang}")
        assert phone.evaluate(SMALL_TARGETS) == [], f"{path} ({lang})"
        phone.locator(".site-menu > summary").click()  # and with the menu open
        assert phone.evaluate(SMALL_TARGETS) == [], f"{path} ({lang}), menu open"


def test_signed_in_shoppers_find_my_orders_in_the_menu(live_server, phone):
    phone.goto(f"{live_server}/account/login?lang=en")
    phone.get_by_label("E-mail").fill("customer@ocop.example")
    phone.get_by_label("Password").fill("demo-customer-2026")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/account*")
    assert phone.get_by_role("main").get_by_role("link", name="My orders").is_visible()
    phone.locator(".site-menu > summary").click()
    phone.get_by_role("navigation").get_by_role("link", name="My orders").click()
    phone.wait_for_url("**/account/orders")
    assert phone.get_by_role("heading", name="My orders").is_visible()
    assert phone.evaluate(SMALL_TARGETS) == []
