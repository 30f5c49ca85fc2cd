"""Security: links from SITE_URL whatever the Host header, trusted hosts, security headers,
private pages out of caches, request size limits, the language cookie, the production defaults."""

from __future__ import annotations

import re

import pytest

from config import ProductionConfig
from shop import create_app
from shop.extensions import db
from shop.security import max_body
from tests.conftest import make_config
from tests.factories import gen_user

SITE = "https://shop.example"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def site_app(app):
    app.config["SITE_URL"] = SITE
    return app


def evil_form_value(client, path: str, name: str = "csrf_token") -> str:
    """A hidden form value of ``path`` fetched with the forged Host (cookies follow the host)."""
    body = client.get(path, headers=EVIL).get_data(as_text=True)
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', body).group(1)


def absolute_links(body: str) -> list[str]:
    return re.findall(r'(?:href|content|src)="(https?://[^"]+)"|<loc>(https?://[^<]+)', body)


# --- links come from SITE_URL -----------------------------------------------------------------


def test_reset_link_in_the_e_mail_ignores_a_forged_host(client, site_app, outbox):
    gen_user(email="buyer@example.com")
    db.session.commit()
    token = evil_form_value(client, "/account/reset")
    response = client.post(
        "/account/reset", data={"csrf_token": token, "email": "buyer@example.com"}, headers=EVIL
    )
    assert response.status_code == 302
    [message] = outbox()
    text = message.get_body(("plain",)).get_content()
    assert "evil.example" not in text
    assert re.search(r"https://shop\.example/account/reset/\S+", text)


@pytest.mark.parametrize(
    "path", ["/", "/products", "/products/my-gao-chu-xuan-truong", "/producers", "/nowhere"]
)
def test_canonical_hreflang_and_og_links_ignore_a_forged_host(client, site_app, demo, path):
    body = client.get(path, headers=EVIL).get_data(as_text=True)
    links = [a or b for a, b in absolute_links(body)]
    assert links
    assert "evil.example" not in body
    assert all(link.startswith(SITE) or "schema.org" in link for link in links), links
    if path != "/nowhere":
        assert f'<link rel="canonical" href="{SITE}{path.split("?")[0]}' in body


def test_sitemap_robots_and_product_data_ignore_a_forged_host(client, site_app, demo):
    sitemap = client.get("/sitemap.xml", headers=EVIL).get_data(as_text=True)
    assert "<loc>https://shop.example/" in sitemap
    assert "evil.example" not in sitemap
    robots = client.get("/robots.txt", headers=EVIL).get_data(as_text=True)
    assert "Sitemap: https://shop.example/sitemap.xml" in robots
    page = client.get("/products/my-gao-chu-xuan-truong", headers=EVIL).get_data(as_text=True)
    jsonld = page.split('type="application/ld+json"', 1)[1].split("</script>", 1)[0]
    assert '"url": "https://shop.example/products/my-gao-chu-xuan-truong"' in jsonld


def test_stripe_return_urls_ignore_a_forged_host(client, site_app, demo):
    from tests.checkout.test_checkout import GOOD, fill_cart
    from tests.payments.stripe_fakes import RecordingHTTPClient

    session = {"id": "cs_test_9", "object": "checkout.session", "url": "https://pay.test/cs_9"}
    fake = RecordingHTTPClient({"/v1/checkout/sessions": session})
    site_app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://stripe.test")
    site_app.extensions["stripe_http_client"] = fake
    fill_cart(client, ("my-gao-chu-xuan-truong", 2))
    session_cookie = client.get_cookie("session")
    client.set_cookie("session", session_cookie.value, domain="evil.example")
    data = {
        **GOOD,
        "payment_method": "stripe",
        "csrf_token": evil_form_value(client, "/checkout"),
        "checkout_token": evil_form_value(client, "/checkout", "checkout_token"),
    }
    response = client.post("/checkout?lang=en", data=data, headers=EVIL)
    assert response.status_code == 302
    params = fake.requests[0]["params"]
    assert params["success_url"].startswith("https://shop.example/orders/")
    assert params["cancel_url"].startswith("https://shop.example/orders/")


# --- trusted hosts ----------------------------------------------------------------------------


def test_an_unknown_host_is_refused_when_trusted_hosts_are_set(client, site_app, outbox):
    site_app.config["TRUSTED_HOSTS"] = ["shop.example"]
    refused = client.get("/account/reset", headers=EVIL)
    assert refused.status_code == 400
    assert "evil.example" not in refused.get_data(as_text=True)
    response = client.post("/account/reset", data={"email": "a@example.com"}, headers=EVIL)
    assert response.status_code == 400
    assert outbox() == []
    assert client.get("/account/reset", headers={"Host": "shop.example"}).status_code == 200


def test_production_trusts_only_the_site_host_and_counts_limits_in_redis(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("SITE_URL", "https://cho-ocop.vn")
    for name in ("TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    config = ProductionConfig()
    assert config.TRUSTED_HOSTS == ["cho-ocop.vn"]
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
    assert config.HSTS_SECONDS > 0
    monkeypatch.setenv("TRUSTED_HOSTS", "cho-ocop.vn, www.cho-ocop.vn")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    config = ProductionConfig()
    assert config.TRUSTED_HOSTS == ["cho-ocop.vn", "www.cho-ocop.vn"]
    assert config.RATELIMIT_STORAGE_URI == "redis://cache:6379/2"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "memory://"


# --- headers ----------------------------------------------------------------------------------


def test_every_page_carries_the_security_headers(client, demo):
    for path in ("/", "/products/my-gao-chu-xuan-truong", "/nowhere", "/account/login"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # not in development


def test_static_files_are_not_sniffed(client):
    response = client.get("/static/js/filters.js")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_hsts_when_configured(client, app):
    app.config["HSTS_SECONDS"] = 31_536_000
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_pages_have_no_inline_scripts_and_json_ld_carries_the_nonce(client, demo):
    for path in ("/", "/products", "/products/my-gao-chu-xuan-truong", "/producers"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert not re.search(r"\son[a-z]+=", body), path
        for tag in re.findall(r"<script[^>]*>", body):
            if "application/ld+json" in tag:
                nonce = re.search(r'nonce="([^"]+)"', tag).group(1)
                csp = response.headers["Content-Security-Policy"]
                assert f"'nonce-{nonce}'" in csp
            else:
                assert 'src="/static/js/' in tag, tag
    # A new nonce for each response.
    first = client.get("/products/my-gao-chu-xuan-truong").headers["Content-Security-Policy"]
    second = client.get("/products/my-gao-chu-xuan-truong").headers["Content-Security-Policy"]
    assert first != second


def test_private_pages_are_not_stored_and_public_ones_may_be(client, login_as, demo):
    login_as("admin")
    for path in ("/account", "/account/password", "/cart", "/account/orders", "/admin/orders"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/account/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/products").headers.get("Cache-Control", "")


def test_producer_pages_are_not_stored(client, login_as):
    login_as("producer_staff")
    response = client.get("/producer/orders")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_lang_cookie_is_http_only_and_lax_and_secure_in_production(client, app):
    cookie = client.get("/?lang=en").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    app.config["LANG_COOKIE_SECURE"] = True
    cookie = client.get("/?lang=vi").headers["Set-Cookie"]
    assert "Secure" in cookie


# --- request size -----------------------------------------------------------------------------


def test_a_huge_webhook_body_gets_a_json_413(client, app):
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_test_secret"
    response = client.post(
        "/webhooks/stripe",
        data=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(("lang", "title"), [("en", "Too much data"), ("vi", "Dữ liệu quá lớn")])
def test_a_huge_form_gets_a_413_page_in_the_visitors_language(client, lang, title):
    client.get(f"/?lang={lang}")
    response = client.post("/account/login", data={"email": "a" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    assert title in body


def test_a_view_can_allow_larger_uploads(database_url):
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=False))

    @app.post("/upload-test")
    @max_body(3 * 1024 * 1024)
    def upload_test():
        from flask import request

        return {"bytes": len(request.form["file"])}

    with app.app_context():
        db.create_all()
        client = app.test_client()
        response = client.post("/upload-test", data={"file": "x" * (2 * 1024 * 1024)})
        assert response.status_code == 200
        assert response.get_json() == {"bytes": 2 * 1024 * 1024}
        too_big = client.post("/upload-test", data={"file": "x" * (4 * 1024 * 1024)})
        assert too_big.status_code == 413
        db.drop_all()
        db.engine.dispose()


def test_a_views_own_security_header_is_kept_and_the_rest_are_added():
    from flask import Response

    app = create_app(make_config("sqlite://"))

    @app.get("/_framed")
    def framed():
        return Response("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    response = app.test_client().get("/_framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
