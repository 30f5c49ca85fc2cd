"""Accounts: registration, sign-in checks, password reset tokens and password changes.

Functions flush but never commit; the route commits. Errors are ``ShopError`` subclasses whose
``code`` a route turns into a message for people.
"""

from __future__ import annotations

import hmac
import logging
from functools import lru_cache

from blinker import Namespace
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from shop.accounts.models import Role, User, hash_password
from shop.errors import ShopError
from shop.extensions import db

log = logging.getLogger(__name__)

RESET_SALT = "ocop-password-reset"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

_signals = Namespace()

user_signed_in = _signals.signal("user-signed-in")
"""Sent by the sign-in and registration routes right after ``login_user``.

``sender`` is the application, ``user`` the ``User`` who signed in::

    @user_signed_in.connect
    def merge_guest_cart(sender, user, **extra): ...

Receivers run inside the request, before the route commits: they may add and flush rows (the
route's commit keeps them) but must not commit or raise for ordinary situations.
"""


class EmailTaken(ShopError):
    code = "email_taken"
    status = 409


class WrongPassword(ShopError):
    code = "wrong_password"


class AccountInactive(ShopError):
    code = "account_inactive"
    status = 403


class InvalidResetToken(ShopError):
    """A reset link that is garbled, for an unknown or closed account, or already used."""

    code = "invalid_reset_token"


class ExpiredResetToken(InvalidResetToken):
    code = "expired_reset_token"


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of two fingerprints."""
    return hmac.compare_digest(a.encode(), b.encode())


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session generation>"``, only for active users.

    A session or remember-me cookie from before the last sign-out or password change carries an
    older generation and loads nobody. One query: the generation comes with the user row.
    """
    raw_id, _, generation = user_id.partition(":")
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active:
        return None
    if generation != str(user.session_generation):
        return None
    return user


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of ``user`` (the route commits)."""
    user.end_sessions()
    db.session.flush()
    log.info("signed out: user %s", user.id)


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    phone: str | None = None,
    locale: str = "vi",
) -> User:
    """Create a customer account; raises ``EmailTaken`` when the e-mail is already registered."""
    email = normalize_email(email)
    if db.session.scalar(select(func.count(User.id)).where(User.email == email)):
        raise EmailTaken("an account with this e-mail exists", email=email)
    user = User(
        name=name.strip(),
        email=email,
        phone=phone or None,
        locale=locale if locale in current_app.config["LANGUAGES"] else "vi",
        role=Role.CUSTOMER,
        active=True,
    )
    user.set_password(password)
    try:
        with db.session.begin_nested():  # a concurrent registration loses on the unique index
            db.session.add(user)
    except IntegrityError as exc:
        raise EmailTaken("an account with this e-mail exists", email=email) from exc
    log.info("account registered: user %s", user.id)
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check unknown e-mails against (once per process: scrypt is slow on purpose)."""
    return hash_password("not-a-password")


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password.

    Raises ``WrongPassword`` for an unknown e-mail or a wrong password alike (an unknown e-mail
    still costs one password check, so timing tells nothing either), and ``AccountInactive``
    only after the right password for a closed account.
    """
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        raise WrongPassword("wrong e-mail or password")
    if not user.check_password(password):
        raise WrongPassword("wrong e-mail or password")
    if not user.active:
        raise AccountInactive("account is inactive", user_id=user.id)
    return user


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def issue_password_reset_token(user: User) -> str:
    """A signed, timed token for ``/account/reset/<token>``; it stops working once the password
    changes (it carries the password fingerprint) or after ``PASSWORD_RESET_MAX_AGE_SECONDS``."""
    return _reset_serializer().dumps({"uid": user.id, "fp": user.password_fingerprint})


def verify_password_reset_token(token: str) -> User:
    """The active user a reset token belongs to; raises ``ExpiredResetToken`` or
    ``InvalidResetToken``."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ExpiredResetToken("reset link expired") from exc
    except BadSignature as exc:
        raise InvalidResetToken("reset link not valid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise InvalidResetToken("reset link not valid")
    user = db.session.get(User, data["uid"])
    if user is None or not user.active:
        raise InvalidResetToken("reset link not valid")
    if not _same(user.password_fingerprint, str(data.get("fp", ""))):
        raise InvalidResetToken("reset link already used")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link (and every session) stops working."""
    user = verify_password_reset_token(token)
    user.set_password(new_password)
    db.session.flush()
    log.info("password reset: user %s", user.id)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a signed-in user's password; raises ``WrongPassword`` if the current one is wrong."""
    if not user.check_password(current_password):
        raise WrongPassword("current password is wrong")
    user.set_password(new_password)
    db.session.flush()
    log.info("password changed: user %s", user.id)
