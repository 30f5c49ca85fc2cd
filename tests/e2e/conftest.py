"""A live server on a seeded SQLite file and a headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from shop import create_app
from shop.extensions import db
from tests.conftest import DEMO_TODAY, make_config

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}:
        pytest.fail("REQUIRE_BROWSER is set but no chromium binary is on PATH")
    pytest.skip("chromium not installed: browser tests skipped")


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    from shop.demo.seed import seed_demo

    directory = tmp_path_factory.mktemp("e2e")
    app = create_app(
        make_config(f"sqlite:///{directory / 'shop.db'}", MAIL_OUTBOX_DIR=str(directory / "outbox"))
    )
    with app.app_context():
        db.create_all()
        seed_demo(DEMO_TODAY)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    app = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def pytest_collection_modifyitems(items):
    """A browser module's tests share one seeded server (module-scoped fixtures): under
    ``pytest -n --dist loadgroup`` they stay together on one worker, in order, while the rest
    of the suite is shared out test by test."""
    for item in items:
        if "/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
