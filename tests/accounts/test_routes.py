"""The account pages through the test client, CSRF on: register, sign in and out, reset and
change the password, rate limits, safe redirects, both languages."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from shop.accounts.models import User
from shop.accounts.services import user_signed_in
from shop.extensions import db, limiter
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

NEW_PASSWORD = "a brand new secret"
WRONG = "Wrong e-mail or password."


def html(response) -> str:
    return response.get_data(as_text=True)


def post_form(client, path: str, data: dict, *, form_path: str | None = None, **kwargs):
    """POST ``data`` with the CSRF token of the form on ``form_path`` (default ``path``)."""
    token = csrf_token(client, form_path or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def register(client, **fields):
    data = {
        "name": "Lê Minh Anh",
        "email": "anh@example.com",
        "phone": "",
        "password": "mười ký tự trở lên",
        "confirm": "mười ký tự trở lên",
        **fields,
    }
    return post_form(client, "/account/register", data)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# --- registration ---------------------------------------------------------------------------


def test_register_signs_in_and_stores_a_normalised_account(client):
    client.delete_cookie("lang")  # a Vietnamese visitor: the account keeps that language
    response = register(client, email="Anh@Example.com", phone="0912 345 678")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    user = user_by_email("anh@example.com")
    assert user is not None
    assert (user.name, user.phone, user.role, user.locale) == (
        "Lê Minh Anh",
        "+84912345678",
        "customer",
        "vi",
    )
    page = html(client.get("/account"))
    assert "anh@example.com" in page
    assert "+84912345678" in page


def test_register_takes_the_language_of_the_page(client):
    client.get("/?lang=en")
    assert register(client, phone="+44 20 7946 0958").status_code == 302
    user = user_by_email("anh@example.com")
    assert (user.locale, user.phone) == ("en", "+442079460958")


def test_register_duplicate_email_keeps_the_input(client):
    gen_user(email="anh@example.com")
    db.session.commit()
    response = register(client, email="ANH@example.com", phone="0912 345 678")
    body = html(response)
    assert response.status_code == 400
    assert "An account with this e-mail address already exists." in body
    assert 'value="Lê Minh Anh"' in body
    assert 'value="ANH@example.com"' in body
    assert 'value="0912 345 678"' in body or 'value="+84912345678"' in body
    assert "mười ký tự" not in body  # passwords are never sent back
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short1", "confirm": "short1"}, "password", "Use at least 10 characters."),
        ({"confirm": "something else"}, "confirm", "The two passwords are not the same."),
        (
            {"password": "anh@example.com", "confirm": "anh@example.com"},
            "password",
            "Your password must not be your e-mail address.",
        ),
        ({"email": "not-an-email"}, "email", "Enter an e-mail address such as"),
        ({"email": "anh@localhost"}, "email", "Enter an e-mail address such as"),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"name": "   "}, "name", "Enter your name."),
        ({"phone": "0912"}, "phone", "Enter a phone number such as 0912 345 678"),
        ({"phone": "call me"}, "phone", "Enter a phone number such as 0912 345 678"),
    ],
)
def test_register_shows_each_error_next_to_its_field(client, fields, field, message):
    response = register(client, **fields)
    body = html(response)
    assert response.status_code == 400
    error_block = body.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert message in error_block
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*name="{field}"', body) or re.search(
        rf'<input[^>]*name="{field}"[^>]*aria-invalid="true"', body
    )
    assert 'value="Lê Minh Anh"' in body or field == "name"
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_register_page_is_accessible_without_javascript(client):
    body = html(client.get("/account/register"))
    for name, autocomplete in [
        ("name", "name"),
        ("email", "email"),
        ("phone", "tel"),
        ("password", "new-password"),
        ("confirm", "new-password"),
    ]:
        assert re.search(rf'<label for="{name}">', body)
        assert re.search(rf'<input[^>]*autocomplete="{autocomplete}"[^>]*name="{name}"', body)
    assert '<form class="form-stack" method="post"' in body
    assert "<script" not in body


# --- sign in ----------------------------------------------------------------------------------


def test_sign_in_and_out(client):
    gen_user(email="buyer@example.com", name="Emma Clarke")
    db.session.commit()
    response = sign_in(client, "Buyer@Example.com ", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    home = html(client.get("/?lang=en"))
    assert '<span class="account-name">Emma</span>' in home  # the account menu
    assert 'href="/account/orders"' in home
    assert 'action="/account/logout"' in home
    assert signed_in(client)

    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 400  # no CSRF token
    assert signed_in(client)
    response = post_form(client, "/account/logout", {}, form_path="/account")
    assert response.status_code == 302
    assert not signed_in(client)
    assert "/account/login" in html(client.get("/?lang=en"))


def test_wrong_password_and_unknown_email_read_the_same(client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    wrong = sign_in(client, "buyer@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com", DEFAULT_PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in html(wrong)
    assert WRONG in html(unknown)

    def scrub(response) -> str:
        body = re.sub(r'value="[^"]*"', 'value=""', html(response))
        return body

    assert scrub(wrong) == scrub(unknown)
    assert not signed_in(client)


def test_sign_in_keeps_the_email_but_not_the_password(client):
    body = html(sign_in(client, "nobody@example.com", "secret password 123"))
    assert 'value="nobody@example.com"' in body
    assert "secret password 123" not in body


def test_inactive_account_cannot_sign_in(client):
    gen_user(email="closed@example.com", active=False)
    db.session.commit()
    response = sign_in(client, "closed@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 400
    assert "This account has been closed." in html(response)
    assert not signed_in(client)


def test_deactivating_an_account_ends_its_session(client, login_as):
    user = login_as("customer")
    assert signed_in(client)
    user.active = False
    db.session.commit()
    assert not signed_in(client)


def test_remember_me_sets_a_long_lived_http_only_cookie(app, client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    response = sign_in(client, "buyer@example.com", DEFAULT_PASSWORD, remember="y")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    remembered = client.get_cookie("remember_token")
    days = (remembered.expires.timestamp() - time.time()) / 86400
    assert 29 < days <= 30

    # The cookie alone signs a new browser session in.
    fresh = app.test_client()
    assert not signed_in(fresh)
    fresh.set_cookie("remember_token", remembered.value)
    assert signed_in(fresh)


def test_signing_out_clears_the_remember_me_cookie(app, client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    sign_in(client, "buyer@example.com", DEFAULT_PASSWORD, remember="y")
    assert client.get_cookie("remember_token") is not None
    client.get("/?lang=en")  # an ordinary page leaves it alone
    assert client.get_cookie("remember_token") is not None
    response = post_form(client, "/account/logout", {}, form_path="/account")
    cleared = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_"))
    assert "Max-Age=0" in cleared or "Expires=Thu, 01 Jan 1970" in cleared
    assert client.get_cookie("remember_token") is None


def test_no_remember_cookie_without_remember_me(client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    response = sign_in(client, "buyer@example.com", DEFAULT_PASSWORD)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_")]


def test_sign_in_sends_the_user_signed_in_signal(app, client):
    user = gen_user(email="buyer@example.com")
    db.session.commit()
    received = []

    def receiver(sender, user):
        received.append((sender, user.id))

    with user_signed_in.connected_to(receiver):
        sign_in(client, "buyer@example.com", "wrong password here")
        assert received == []
        sign_in(client, "buyer@example.com", DEFAULT_PASSWORD)
    assert received == [(app, user.id)]


def test_registration_sends_the_user_signed_in_signal_too(app, client):
    received = []
    with user_signed_in.connected_to(lambda sender, user: received.append(user.email)):
        register(client)
    assert received == ["anh@example.com"]


@pytest.mark.parametrize("role", ["customer", "producer_staff", "agency", "admin"])
def test_login_as_each_role(client, login_as, role):
    user = login_as(role)
    assert (user.role == "producer_staff") == (user.producer_id is not None)
    page = client.get("/account?lang=en")
    assert page.status_code == 200
    labels = {
        "customer": "Customer",
        "producer_staff": "Producer staff",
        "agency": "Agency",
        "admin": "OCOP office (administrator)",
    }
    assert labels[role] in html(page)


def test_signed_in_visitor_is_sent_on_from_the_sign_in_page(client, login_as):
    login_as()
    response = client.get("/account/login?next=/products")
    assert response.status_code == 302
    assert response.headers["Location"] == "/products"


# --- next ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/products", "/products"),
        ("/products?q=vai+thieu&stars=5", "/products?q=vai+thieu&stars=5"),
        ("/account/password", "/account/password"),
        (
            "/products/vai-thieu-luc-ngan-hong-xuan#buy",
            "/products/vai-thieu-luc-ngan-hong-xuan#buy",
        ),
        ("//evil.com", "/account"),
        ("//evil.com/products", "/account"),
        ("///evil.com", "/account"),
        ("http://evil.com", "/account"),
        ("https://evil.com/account", "/account"),
        ("http://localhost/account/password", "/account"),
        ("\\\\evil.com", "/account"),
        ("/\\evil.com", "/account"),
        ("/\\/evil.com", "/account"),
        ("/ /evil.com", "/account"),
        ("javascript:alert(1)", "/account"),
        ("evil.com", "/account"),
        ("products", "/account"),
        ("", "/account"),
    ],
)
def test_next_only_redirects_to_local_paths(client, next_url, expected):
    gen_user(email="buyer@example.com")
    db.session.commit()
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login",
        query_string={"next": next_url},
        data={"csrf_token": token, "email": "buyer@example.com", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected
    assert not urlsplit(location).netloc


def test_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    response = client.get("/account/password")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/account/login?next=")
    page = client.get(login_url)
    assert "Please sign in to see this page." in html(page)
    token = csrf_token(client, login_url)
    response = client.post(
        login_url,
        data={"csrf_token": token, "email": "buyer@example.com", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/account/password"


# --- rate limits ------------------------------------------------------------------------------


def test_five_failed_attempts_lock_the_account_for_a_while(client):
    gen_user(email="target@example.com")
    gen_user(email="other@example.com")
    db.session.commit()
    for _ in range(5):
        assert sign_in(client, "target@example.com", "guess guess guess").status_code == 400
    # Even the right password waits now, whatever the case of the address...
    blocked = sign_in(client, "TARGET@example.com", DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in html(blocked)
    assert not signed_in(client)
    # ...while another account on the same connection is not affected.
    assert sign_in(client, "other@example.com", DEFAULT_PASSWORD).status_code == 302

    limiter.reset()
    assert sign_in(client, "target@example.com", DEFAULT_PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_account(client):
    gen_user(email="buyer@example.com")
    db.session.commit()
    for _ in range(4):
        assert sign_in(client, "buyer@example.com", "guess guess guess").status_code == 400
    for _ in range(3):
        assert sign_in(client, "buyer@example.com", DEFAULT_PASSWORD).status_code == 302


def test_ten_sign_in_attempts_a_minute_per_address(app, client):
    for n in range(10):
        assert sign_in(client, f"nobody{n}@example.com", "guess guess guess").status_code == 400
    response = sign_in(client, "nobody10@example.com", "guess guess guess")
    assert response.status_code == 429
    # Another IP address is counted on its own.
    other = app.test_client()
    other.set_cookie("lang", "en")
    other_ip = {"REMOTE_ADDR": "203.0.113.9"}
    token = csrf_token(other, "/account/login")
    response = other.post(
        "/account/login",
        data={"csrf_token": token, "email": "x@example.com", "password": "guess guess"},
        environ_base=other_ip,
    )
    assert response.status_code == 400
    assert WRONG in html(response)
    # Looking at the form is never limited.
    assert client.get("/account/login").status_code == 200


@pytest.mark.parametrize(("lang", "html_lang"), [("vi", "vi"), ("en", "en")])
def test_the_429_page_speaks_the_visitors_language(client, lang, html_lang):
    client.get(f"/?lang={lang}")
    for n in range(10):
        sign_in(client, f"nobody{n}@example.com", "guess guess guess")
    response = sign_in(client, "nobody@example.com", "guess guess guess")
    assert response.status_code == 429
    body = html(response)
    assert f'<html lang="{html_lang}">' in body
    assert 'href="/account/reset"' in body


def test_reset_requests_are_limited_per_address(client, outbox):
    gen_user(email="buyer@example.com")
    db.session.commit()
    for _ in range(3):
        response = post_form(client, "/account/reset", {"email": "buyer@example.com"})
        assert response.status_code == 302
    response = post_form(client, "/account/reset", {"email": "buyer@example.com"})
    assert response.status_code == 429
    assert len(outbox()) == 3


# --- password reset ---------------------------------------------------------------------------


def reset_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://\S+/account/reset/\S+", text)
    assert match, text
    url = urlsplit(match.group(0))
    return f"{url.path}?{url.query}" if url.query else url.path


def test_reset_request_for_a_known_account_sends_a_link(client, outbox):
    gen_user(email="buyer@example.com", name="Emma Clarke", locale="en")
    db.session.commit()
    response = post_form(client, "/account/reset", {"email": "Buyer@example.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/reset/sent"
    [message] = outbox()
    assert message["To"] == "buyer@example.com"
    assert message["Subject"] == "Reset your OCOP Market password"
    assert "Hello Emma Clarke," in message.get_body(("plain",)).get_content()
    assert reset_link(message) in message.get_body(("html",)).get_content()
    assert "lang=en" in reset_link(message)
    page = client.get(reset_link(message))
    assert page.status_code == 200
    assert 'name="password"' in html(page)


def test_reset_request_for_an_unknown_or_closed_account_looks_the_same(client, outbox):
    gen_user(email="closed@example.com", active=False)
    db.session.commit()
    for email in ("nobody@example.com", "closed@example.com"):
        response = post_form(client, "/account/reset", {"email": email})
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/reset/sent"
    assert outbox() == []
    assert "If an account exists" in html(client.get("/account/reset/sent?lang=en"))


def test_reset_request_needs_a_valid_email(client, outbox):
    response = post_form(client, "/account/reset", {"email": "nonsense"})
    assert response.status_code == 400
    assert 'value="nonsense"' in html(response)
    assert outbox() == []


def test_reset_link_works_once(client, outbox):
    gen_user(email="buyer@example.com", locale="en")
    db.session.commit()
    post_form(client, "/account/reset", {"email": "buyer@example.com"})
    link = reset_link(outbox()[0])

    short = post_form(client, link, {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "Use at least 10 characters." in html(short)

    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert "Your password has been changed." in html(client.get("/account/login"))

    again = client.get(link)
    assert again.status_code == 400
    assert "not valid or has already been used" in html(again)
    assert sign_in(client, "buyer@example.com", DEFAULT_PASSWORD).status_code == 400
    assert sign_in(client, "buyer@example.com", NEW_PASSWORD).status_code == 302


def test_expired_reset_link_is_refused(app, client, outbox, monkeypatch):
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = 600
    gen_user(email="buyer@example.com", locale="en")
    db.session.commit()
    post_form(client, "/account/reset", {"email": "buyer@example.com"})
    link = reset_link(outbox()[0])
    assert client.get(link).status_code == 200
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 601)
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired." in html(response)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert user_by_email("buyer@example.com").check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("token", ["garbage", "eyJ1aWQiOjF9.ZZZ.YYY", "a" * 300])
def test_garbled_reset_link_is_refused(client, token):
    response = client.get(f"/account/reset/{token}")
    assert response.status_code == 400
    assert "not valid or has already been used" in html(response)
    assert 'action="/account/reset"' in html(response)


def test_reset_link_dies_when_the_password_is_changed(client, outbox, login_as):
    user = login_as()
    post_form(client, "/account/reset", {"email": user.email})
    link = reset_link(outbox()[0])
    data = {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(client, "/account/password", data).status_code == 302
    assert client.get(link).status_code == 400


# --- change password --------------------------------------------------------------------------


def test_change_password_requires_the_current_one(app, client, login_as):
    user = login_as()
    other_device = app.test_client()
    assert sign_in(other_device, user.email, DEFAULT_PASSWORD).status_code == 302
    assert signed_in(other_device)

    data = {
        "current_password": "not my password",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    response = post_form(client, "/account/password", data)
    assert response.status_code == 400
    assert "That is not your current password." in html(response)
    assert user_by_email(user.email).check_password(DEFAULT_PASSWORD)

    data["current_password"] = DEFAULT_PASSWORD
    response = post_form(client, "/account/password", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Your password has been changed." in html(client.get("/account"))
    assert signed_in(client)  # this device stays signed in...
    assert not signed_in(other_device)  # ...the others are signed out
    assert user_by_email(user.email).check_password(NEW_PASSWORD)


def test_change_password_keeps_remember_me_on_this_device_only(app, client):
    user = gen_user(email="buyer@example.com")
    db.session.commit()
    sign_in(client, "buyer@example.com", DEFAULT_PASSWORD, remember="y")
    old_cookie = client.get_cookie("remember_token").value
    data = {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    post_form(client, "/account/password", data)
    new_cookie = client.get_cookie("remember_token").value
    assert new_cookie != old_cookie
    for value, works in [(old_cookie, False), (new_cookie, True)]:
        browser = app.test_client()
        browser.set_cookie("remember_token", value)
        assert signed_in(browser) is works, user.email


def test_change_password_page_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


# --- CSRF and languages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/login", {"email": "a@example.com", "password": "whatever123"}),
        ("/account/register", {"name": "A", "email": "a@example.com", "password": "x" * 12}),
        ("/account/reset", {"email": "a@example.com"}),
        ("/account/logout", {}),
    ],
)
def test_posts_without_a_csrf_token_are_refused(client, outbox, path, data):
    assert client.post(path, data=data).status_code == 400
    assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(select(db.func.count(User.id))) == 0
    assert outbox() == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account/login", ["email", "password", "remember"]),
        ("/account/register", ["name", "email", "phone", "password", "confirm"]),
        ("/account/reset", ["email"]),
    ],
)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_account_pages_render_in_both_languages(client, path, fields, lang):
    response = client.get(f"{path}?lang={lang}")
    body = html(response)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in body
    assert '<meta name="robots" content="noindex">' in body
    for field in fields:
        assert f'name="{field}"' in body
    assert 'name="csrf_token"' in body


def test_english_pages_read_in_english(client):
    assert "Forgotten your password?" in html(client.get("/account/login?lang=en"))
    assert "Create an account" in html(client.get("/account/register?lang=en"))


def test_header_offers_sign_in_to_visitors_and_back_to_the_page(client, demo):
    body = html(client.get("/products?q=vai"))
    assert 'href="/account/login?next=/products?q%3Dvai"' in body or (
        'href="/account/login?next=%2Fproducts%3Fq%3Dvai"' in body
    )
