"""E-mails about accounts, written in the recipient's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from shop.accounts.models import User
from shop.mail import send_email
from shop.urls import absolute_url

if TYPE_CHECKING:
    from shop.outbox.models import OutboxMessage


def send_password_reset(user: User, token: str) -> OutboxMessage:
    """The reset link, valid for ``PASSWORD_RESET_MAX_AGE_SECONDS`` and for one use; queued in
    the outbox (the caller commits)."""
    with force_locale(user.locale):
        link = absolute_url("accounts.reset_password", token=token, lang=user.locale)
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60
        context = {"user": user, "link": link, "minutes": minutes}
        subject = gettext("Reset your OCOP Market password")
        text_body = render_template("email/accounts/password_reset.txt", **context)
        html_body = render_template("email/accounts/password_reset.html", **context)
    return send_email(user.email, subject, text_body, html_body)


def send_sign_in_alert(user: User) -> OutboxMessage:
    """Tell the owner that someone keeps trying wrong passwords on their account."""
    with force_locale(user.locale):
        context = {
            "user": user,
            "reset_link": absolute_url("accounts.reset_request", lang=user.locale),
            "failures": current_app.config["SIGN_IN_ALERT_FAILURES"],
        }
        subject = gettext("Someone is trying to sign in to your OCOP Market account")
        text_body = render_template("email/accounts/sign_in_alert.txt", **context)
    return send_email(user.email, subject, text_body)
