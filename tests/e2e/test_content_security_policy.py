"""The Content-Security-Policy in a real browser: no page breaks it, and the scripts moved out of
the templates still run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/?lang=en",
    "/products?lang=en",
    "/products/vai-thieu-luc-ngan-hong-xuan?lang=en",
    "/producers?lang=en",
    "/cart?lang=en",
    "/account/login?lang=en",
    "/account/register?lang=en",
    "/policies/delivery?lang=en",
]


def test_no_page_breaks_the_content_security_policy(live_server, page):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    for path in PAGES:
        response = page.goto(live_server + path)
        assert response is not None
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations == []


def test_the_filters_script_still_opens_the_panel_on_wide_screens(live_server, page):
    page.goto(live_server + "/products?lang=en")
    page.wait_for_load_state("load")
    assert page.locator("details.filter-panel").first.get_attribute("open") is not None
