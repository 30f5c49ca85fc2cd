"""Sign-in throttling per (address, account), the owner's alert, session generations and the
cart after sign-out. Time is frozen with time-machine: no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from shop.accounts.models import User
from shop.cart.models import Cart
from shop.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"
GUESS = "guess guess guess"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def client_at(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    client.set_cookie("lang", "en")
    return client


def retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def about(seconds: int, expected: int) -> bool:
    # Flask-Limiter rounds Retry-After and may raise it to its own per-address window's end.
    return expected - 1 <= seconds <= expected + 1


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- throttling -------------------------------------------------------------------------------


def test_a_guesser_waits_longer_after_each_failure_while_the_owner_still_signs_in(app, clock):
    gen_user(email="owner@example.com")
    db.session.commit()
    attacker, owner = client_at(app, ATTACKER), client_at(app, OWNER)
    for _ in range(5):
        assert sign_in(attacker, "owner@example.com", GUESS).status_code == 400
    blocked = sign_in(attacker, "OWNER@example.com", GUESS)
    assert blocked.status_code == 429
    assert about(retry_after(blocked), 60)
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # The owner, from their own address, is not slowed down at all.
    assert sign_in(owner, "owner@example.com", DEFAULT_PASSWORD).status_code == 302
    assert signed_in(owner)
    # After the minute the guesser gets one more try, then waits 2 minutes, then 4.
    clock.shift(61)
    assert sign_in(attacker, "owner@example.com", GUESS).status_code == 400
    assert about(retry_after(sign_in(attacker, "owner@example.com", GUESS)), 120)
    clock.shift(121)
    assert sign_in(attacker, "owner@example.com", GUESS).status_code == 400
    waiting = sign_in(attacker, "owner@example.com", DEFAULT_PASSWORD)
    assert waiting.status_code == 429  # even the right password waits on this address
    assert about(retry_after(waiting), 240)
    assert not signed_in(attacker)
    # After the wait the right password works on this address too, and clears its count.
    clock.shift(241)
    assert sign_in(attacker, "owner@example.com", DEFAULT_PASSWORD).status_code == 302
    attacker.post("/account/logout", data={"csrf_token": csrf_token(attacker, "/account")})
    for _ in range(5):
        assert sign_in(attacker, "owner@example.com", GUESS).status_code == 400


def test_the_wait_is_capped(app, clock):
    app.config["SIGN_IN_MAX_DELAY_SECONDS"] = 300
    attacker = client_at(app, ATTACKER)
    waits = []
    for _ in range(12):
        response = sign_in(attacker, "someone@example.com", GUESS)
        if response.status_code == 429:
            waits.append(retry_after(response))
            clock.shift(waits[-1] + 1)
            assert sign_in(attacker, "someone@example.com", GUESS).status_code == 400
        else:
            clock.shift(7)
    assert [about(wait, expected) for wait, expected in zip(waits, [60, 120, 240], strict=False)]
    assert all(about(wait, 300) for wait in waits[3:])
    assert len(waits) >= 4


def test_fifty_failures_an_hour_per_address_whatever_the_account(app, clock):
    spray = client_at(app, ATTACKER)
    for n in range(50):
        assert sign_in(spray, f"user{n}@example.com", GUESS).status_code == 400
        clock.shift(7)  # under the 10 a minute limit
    assert sign_in(spray, "user50@example.com", GUESS).status_code == 429
    assert sign_in(client_at(app, OWNER), "user50@example.com", GUESS).status_code == 400


def test_the_owner_is_told_once_when_failures_pile_up(app, clock, outbox):
    gen_user(email="owner@example.com", name="Emma Clarke", locale="en")
    db.session.commit()
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        attacker = client_at(app, ip)
        for _ in range(5):
            assert sign_in(attacker, "owner@example.com", GUESS).status_code == 400
    [alert] = outbox()
    assert alert["To"] == "owner@example.com"
    assert alert["Subject"] == "Someone is trying to sign in to your OCOP Market account"
    text = alert.get_body(("plain",)).get_content()
    assert "10 times" in text
    assert "/account/reset" in text
    # Unknown addresses get no mail.
    for ip in ("198.51.100.1", "198.51.100.2"):
        attacker = client_at(app, ip)
        for _ in range(5):
            sign_in(attacker, "nobody@example.com", GUESS)
    assert len(outbox()) == 1


# --- sessions ---------------------------------------------------------------------------------


def sign_out(client):
    return client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_a_copied_session_cookie_stops_working_after_sign_out(app):
    gen_user(email="buyer@example.com")
    db.session.commit()
    browser = client_at(app, OWNER)
    assert sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD).status_code == 302
    thief = client_at(app, ATTACKER)
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(thief)
    assert sign_out(browser).status_code == 302
    assert not signed_in(thief)
    assert not signed_in(browser)
    # Signing in again works, with a new generation.
    assert sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD).status_code == 302
    assert signed_in(browser)
    assert not signed_in(thief)


def test_a_remember_me_cookie_stops_working_after_sign_out(app):
    gen_user(email="buyer@example.com")
    db.session.commit()
    browser = client_at(app, OWNER)
    sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD, remember="y")
    remembered = browser.get_cookie("remember_token").value
    copy = client_at(app, ATTACKER)
    copy.set_cookie("remember_token", remembered)
    assert signed_in(copy)
    other = client_at(app, ATTACKER)
    sign_out(browser)
    other.set_cookie("remember_token", remembered)
    assert not signed_in(other)


def test_changing_the_password_ends_sessions_from_before(app):
    gen_user(email="buyer@example.com")
    db.session.commit()
    browser, laptop = client_at(app, OWNER), client_at(app, OWNER)
    sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD)
    sign_in(laptop, "buyer@example.com", DEFAULT_PASSWORD)
    generation = db.session.scalar(select(User.session_generation))
    token = csrf_token(browser, "/account/password")
    response = browser.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User.session_generation)) > generation
    assert signed_in(browser)
    assert not signed_in(laptop)


# --- the cart after sign-out ------------------------------------------------------------------


def test_sign_out_leaves_the_accounts_cart_with_the_account(app, demo):
    from tests.cart.test_cart import add

    gen_user(email="buyer@example.com")
    db.session.commit()
    browser = client_at(app, OWNER)
    sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD)
    assert add(browser, "my-gao-chu-xuan-truong", "2").status_code == 302
    cart = db.session.scalar(select(Cart).where(Cart.user_id.is_not(None)))
    [line] = cart.lines
    sign_out(browser)

    # The next visitor of this browser sees an empty cart and cannot change the account's.
    page = browser.get("/cart").get_data(as_text=True)
    assert f"/cart/lines/{line.id}" not in page
    assert "cart-badge" not in page
    token = csrf_token(browser, "/account/login")
    browser.post(f"/cart/lines/{line.id}", data={"csrf_token": token, "quantity": "9"})
    browser.post(f"/cart/lines/{line.id}/remove", data={"csrf_token": token})
    db.session.expire_all()
    assert [(kept.id, kept.quantity) for kept in cart.lines] == [(line.id, 2)]
    # A new guest cart starts empty; the account finds its own cart on signing in again.
    assert add(browser, "my-gao-chu-xuan-truong", "1").status_code == 302
    guest = db.session.scalar(select(Cart).where(Cart.user_id.is_(None)))
    assert guest is not None
    assert guest.id != cart.id
    sign_in(browser, "buyer@example.com", DEFAULT_PASSWORD)
    db.session.expire_all()
    assert sum(kept.quantity for kept in cart.lines) == 3


def test_a_huge_quantity_leaves_a_small_cookie_and_a_clear_message(client, demo):
    from tests.cart.test_cart import add

    response = add(client, "my-gao-chu-xuan-truong", "9" * 40_000)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert all(len(cookie) < 1_000 for cookie in cookies), [len(c) for c in cookies]
    page = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "Enter a whole number from 1 to 50." in page
    assert "9" * 100 not in page
    assert 'id="buy-qty" name="quantity" inputmode="numeric" size="3" maxlength="6" value="1"' in (
        page
    )
