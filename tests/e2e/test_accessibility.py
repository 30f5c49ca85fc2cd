"""The accessibility gate: axe-core, run in Chromium over the pages people use most — home,
listing, a product, an experience, the cart with a line, the checkout, a ticket, the producer
dashboard, the office's home and ``/ocop`` — in Vietnamese and English, on a phone (390 × 844)
and a desktop (1280 × 900). No violation of impact ``serious`` or ``critical`` is allowed; a
failure lists each rule, its impact, its help text and the offending elements."""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.tourism.models import Experience
from shop.tourism.rules import utc_from_local
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
SHOWN_NODES = 8  # elements listed per rule in a failure
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LANGUAGES = ("vi", "en")
PRODUCT = "vai-thieu-luc-ngan-hong-xuan"
EXPERIENCE = "ban-ven-cao-lan-eco-village-day"
ADMIN = ("admin@ocop.example", "demo-admin-2026")
PRODUCER_STAFF = ("hongxuan@ocop.example", "demo-producer-2026")

# page id → (path, who signs in: None, "admin", "producer" or "shopper" — a guest with a cart line)
PAGES = {
    "home": ("/", None),
    "listing": ("/products", None),
    "product": (f"/products/{PRODUCT}", None),
    "experience": (f"/experiences/{EXPERIENCE}", None),
    "cart": ("/cart", "shopper"),
    "checkout": ("/checkout", "shopper"),
    "ticket": ("/tickets/{ticket}", None),
    "producer-dashboard": ("/producer/", "producer"),
    "office-home": ("/admin/", "admin"),
    "ocop": ("/ocop", None),
}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="module")
def ticket(live_app):
    """The ticket code of a paid booking of two adults on a Bản Ven session ten days on."""
    from tests.tourism.factories import gen_booking, gen_session

    with live_app.app_context():
        experience = db.session.scalar(select(Experience).where(Experience.slug == EXPERIENCE))
        day = DEMO_TODAY + timedelta(days=10)
        session = gen_session(experience, starts_at=utc_from_local(day, time(7, 15)))
        booking = gen_booking(session, {"adult": 2}, lead_name="Emma Clarke")
        code = booking.ticket.code
        db.session.commit()
    return code


@pytest.fixture(scope="module")
def signed_in(browser, live_server):
    """Cookies of each kind of visitor, made once: the admin, the producer's staff, and a guest
    with a bag of lychee in the cart."""

    def sign_in(page, email: str, password: str) -> None:
        page.goto(live_server + "/account/login?lang=en")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/account/login" not in page.url, page.locator("main").inner_text()

    def add_to_cart(page) -> None:
        page.goto(f"{live_server}/products/{PRODUCT}?lang=en")
        page.locator("#buy button[type=submit]").click()
        page.wait_for_load_state()

    states = {}
    for who, step in (
        ("admin", lambda page: sign_in(page, *ADMIN)),
        ("producer", lambda page: sign_in(page, *PRODUCER_STAFF)),
        ("shopper", add_to_cart),
    ):
        context = browser.new_context()
        try:
            step(context.new_page())
            states[who] = context.storage_state()
        finally:
            context.close()
    return states


def describe(violations: list[dict]) -> str:
    """Everything needed to fix a violation without running the test again."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"— {violation['helpUrl']}"
        )
        nodes = violation["nodes"]
        for node in nodes[:SHOWN_NODES]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
            lines.append(f"        {node['html'][:200]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", " / ")
                lines.append(f"        {summary[:300]}")
        if len(nodes) > SHOWN_NODES:
            lines.append(f"    … and {len(nodes) - SHOWN_NODES} more elements")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def tab(browser, signed_in):
    """One open tab per visitor and viewport, reused across pages and languages (``?lang=``
    sets the language of each request)."""
    tabs = {}

    def open_tab(who: str | None, viewport: str):
        if (who, viewport) not in tabs:
            context = browser.new_context(
                viewport=VIEWPORTS[viewport],
                is_mobile=viewport == "phone",
                has_touch=viewport == "phone",
                storage_state=signed_in[who] if who else None,
            )
            tabs[who, viewport] = context.new_page()
        return tabs[who, viewport]

    yield open_tab
    for page in tabs.values():
        page.context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violation(
    name, lang, viewport, live_server, tab, ticket, axe
):
    path, who = PAGES[name]
    path = path.format(ticket=ticket)
    page = tab(who, viewport)
    response = page.goto(f"{live_server}{path}?lang={lang}")
    assert response.status == 200, page.url
    assert urlsplit(page.url).path == path  # not sent to sign in, nor back to an empty cart
    assert page.locator("html").get_attribute("lang") == lang
    if name == "cart":
        assert page.locator(".cart-line").count() == 1
    results = axe.run(page).response
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name} ({lang}, {viewport}):\n{describe(blocking)}"
