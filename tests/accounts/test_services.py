"""Account services: registration, authentication, reset tokens, password changes, e-mail."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from shop.accounts.forms import normalize_phone
from shop.accounts.models import Role, User
from shop.accounts.services import (
    RESET_SALT,
    AccountInactive,
    EmailTaken,
    ExpiredResetToken,
    InvalidResetToken,
    WrongPassword,
    authenticate,
    change_password,
    issue_password_reset_token,
    load_user,
    register_user,
    reset_password,
    verify_password_reset_token,
)
from shop.extensions import db
from shop.mail import send_email
from tests.factories import DEFAULT_PASSWORD, gen_user

NEW_PASSWORD = "a brand new secret"


def later(monkeypatch, seconds: int) -> None:
    """Move the clock itsdangerous signs and checks tokens with ``seconds`` ahead."""
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + seconds)


# --- registration ---------------------------------------------------------------------------


def test_register_user_creates_a_customer(app, monkeypatch):
    # The suite hashes with a cheap method (TestConfig); the shop's own default is scrypt.
    monkeypatch.delitem(app.config, "PASSWORD_HASH_METHOD")
    user = register_user(
        name="  Lê Minh Anh ",
        email=" Anh.Le@Example.COM ",
        password="mười ký tự trở lên",
        phone="+84912345678",
        locale="en",
    )
    db.session.commit()
    stored = db.session.scalar(select(User).where(User.email == "anh.le@example.com"))
    assert stored is user
    assert (stored.name, stored.role, stored.locale, stored.phone, stored.active) == (
        "Lê Minh Anh",
        Role.CUSTOMER,
        "en",
        "+84912345678",
        True,
    )
    assert stored.password_hash.startswith("scrypt:")
    assert stored.check_password("mười ký tự trở lên")


def test_register_user_rejects_a_taken_email_whatever_its_case(app):
    gen_user(email="taken@example.com")
    db.session.commit()
    with pytest.raises(EmailTaken):
        register_user(name="X", email="TAKEN@example.com", password="long enough pw")
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_register_user_unknown_locale_falls_back_to_vietnamese(app):
    user = register_user(name="X", email="x@example.com", password="long enough pw", locale="fr")
    assert user.locale == "vi"


# --- authentication ---------------------------------------------------------------------------


def test_authenticate_with_the_right_password(app):
    user = gen_user(email="buyer@example.com")
    assert authenticate(" BUYER@example.com", DEFAULT_PASSWORD) is user


@pytest.mark.parametrize(
    ("email", "password"),
    [("buyer@example.com", "wrong password!"), ("nobody@example.com", DEFAULT_PASSWORD)],
)
def test_authenticate_wrong_password_and_unknown_email_fail_alike(app, email, password):
    gen_user(email="buyer@example.com")
    with pytest.raises(WrongPassword) as error:
        authenticate(email, password)
    assert error.value.code == "wrong_password"


def test_inactive_account_is_refused_only_after_the_right_password(app):
    gen_user(email="closed@example.com", active=False)
    with pytest.raises(WrongPassword):
        authenticate("closed@example.com", "wrong password!")
    with pytest.raises(AccountInactive):
        authenticate("closed@example.com", DEFAULT_PASSWORD)


def test_load_user_needs_the_current_password_fingerprint(app):
    user = gen_user()
    session_id = user.get_id()
    assert load_user(session_id) is user
    user.set_password(NEW_PASSWORD)
    assert load_user(session_id) is None
    assert load_user(user.get_id()) is user
    user.active = False
    assert load_user(user.get_id()) is None
    for garbage in ("", "abc", f"{user.id}", "1:2:3", "-1:x"):
        assert load_user(garbage) is None


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Lê Minh Anh", "Anh"),
        ("Nguyễn Thị Hồng", "Hồng"),
        ("NGUYỄN VĂN AN", "AN"),
        ("Emma Clarke", "Emma"),
        ("Hoa", "Hoa"),
        ("  Đặng   Thu Thảo ", "Thảo"),
    ],
)
def test_short_name_is_the_given_name(name, short):
    assert User(name=name, email="x@example.com").short_name == short


# --- password reset ---------------------------------------------------------------------------


def test_reset_token_round_trip(app):
    user = gen_user()
    assert verify_password_reset_token(issue_password_reset_token(user)) is user


def test_reset_token_expires_after_the_configured_age(app, monkeypatch):
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = 60
    user = gen_user()
    token = issue_password_reset_token(user)
    later(monkeypatch, 59)
    assert verify_password_reset_token(token) is user
    later(monkeypatch, 61)
    with pytest.raises(ExpiredResetToken):
        verify_password_reset_token(token)


def test_reset_token_works_once(app):
    user = gen_user()
    token = issue_password_reset_token(user)
    reset_password(token, NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD)
    with pytest.raises(InvalidResetToken):
        reset_password(token, "another password")
    assert user.check_password(NEW_PASSWORD)


def test_reset_token_dies_when_the_password_changes(app):
    user = gen_user()
    token = issue_password_reset_token(user)
    change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD)
    with pytest.raises(InvalidResetToken):
        verify_password_reset_token(token)


def test_reset_token_for_a_closed_account_is_refused(app):
    user = gen_user()
    token = issue_password_reset_token(user)
    user.active = False
    with pytest.raises(InvalidResetToken):
        verify_password_reset_token(token)


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, user: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, user: "not-a-token",
        lambda token, user: "",
        # Signed with another key, or for another purpose (salt).
        lambda token, user: URLSafeTimedSerializer("other-key", salt=RESET_SALT).dumps(
            {"uid": user.id, "fp": user.password_fingerprint}
        ),
        lambda token, user: URLSafeTimedSerializer("test-secret", salt="other").dumps(
            {"uid": user.id, "fp": user.password_fingerprint}
        ),
        # Right key and salt, but not our payload.
        lambda token, user: URLSafeTimedSerializer("test-secret", salt=RESET_SALT).dumps(
            {"uid": str(user.id), "fp": user.password_fingerprint}
        ),
        lambda token, user: URLSafeTimedSerializer("test-secret", salt=RESET_SALT).dumps(
            {"uid": user.id + 1000, "fp": user.password_fingerprint}
        ),
        lambda token, user: URLSafeTimedSerializer("test-secret", salt=RESET_SALT).dumps([1]),
    ],
)
def test_forged_or_garbled_reset_tokens_are_refused(app, forge):
    user = gen_user()
    with pytest.raises(InvalidResetToken):
        verify_password_reset_token(forge(issue_password_reset_token(user), user))


def test_change_password_needs_the_current_password(app):
    user = gen_user()
    with pytest.raises(WrongPassword):
        change_password(user, "not my password", NEW_PASSWORD)
    assert user.check_password(DEFAULT_PASSWORD)
    change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(DEFAULT_PASSWORD)


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("0084 912 345 678", "+84912345678"),
        ("(024) 3825 1234", "+842438251234"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("0912", None),
        ("12345", None),
        ("phone", None),
        ("+999 123", None),
    ],
)
def test_normalize_phone(raw, e164):
    assert normalize_phone(raw) == e164


# --- mail -------------------------------------------------------------------------------------


def test_send_email_writes_to_the_outbox(app, outbox):
    queued = send_email("anh@example.com", "Xin chào", "Nội dung", "<p>Nội dung</p>")
    assert outbox() == []  # delivered only once the transaction commits
    db.session.commit()
    [message] = outbox()
    assert message["Message-ID"].startswith(f"<{queued.idempotency_key}@")
    assert message["To"] == "anh@example.com"
    assert message["Subject"] == "Xin chào"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Message-ID"]
    assert message.get_body(("plain",)).get_content().strip() == "Nội dung"
    assert message.get_body(("html",)).get_content().strip() == "<p>Nội dung</p>"


def test_send_email_uses_smtp_when_a_server_is_configured(app, outbox, monkeypatch):
    calls: list = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            calls.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            calls.append(("quit",))

        def starttls(self, context):
            calls.append(("starttls", context.verify_mode.name))

        def login(self, username, password):
            calls.append(("login", username, password))

        def send_message(self, message):
            calls.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr("shop.mail.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.com", MAIL_USERNAME="u", MAIL_PASSWORD="p")
    send_email("anh@example.com", "Subject", "Body")
    db.session.commit()
    assert calls == [
        ("connect", "smtp.example.com", 587),
        ("starttls", "CERT_REQUIRED"),
        ("login", "u", "p"),
        ("send", "anh@example.com", "Subject"),
        ("quit",),
    ]
    assert outbox() == []


def test_send_email_refuses_header_injection(app, outbox):
    with pytest.raises(ValueError, match="line break"):
        send_email("anh@example.com", "Hi\nBcc: evil@example.com", "Body")
    db.session.commit()
    assert outbox() == []
