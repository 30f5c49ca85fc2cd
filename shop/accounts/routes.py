"""Account pages: register, sign in and out, reset or change the password, the profile."""

from __future__ import annotations

import logging

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from shop.accounts import bp, services, throttle
from shop.accounts.emails import send_password_reset, send_sign_in_alert
from shop.accounts.forms import (
    ChangePasswordForm,
    EmptyForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from shop.accounts.models import Role, User
from shop.accounts.services import (
    AccountInactive,
    EmailTaken,
    ExpiredResetToken,
    InvalidResetToken,
    WrongPassword,
    normalize_email,
    user_signed_in,
)
from shop.extensions import db, limiter
from shop.http import safe_next
from shop.templating import current_lang

log = logging.getLogger(__name__)

ROLE_LABELS = {
    Role.CUSTOMER: _l("Customer"),
    Role.PRODUCER_STAFF: _l("Producer staff"),
    Role.AGENCY: _l("Agency"),
    Role.ADMIN: _l("OCOP office (administrator)"),
    Role.OCOP_OFFICE: _l("OCOP office of a province"),
}


def _next_url() -> str | None:
    return safe_next(request.args.get("next"))


def _after_sign_in() -> str:
    return _next_url() or url_for("accounts.profile")


def _sign_in(user: User, *, remember: bool = False) -> None:
    login_user(user, remember=remember)
    user_signed_in.send(current_app._get_current_object(), user=user)


def _form_status() -> int:
    """A form shown again after a POST is shown with its errors: 400."""
    return 400 if request.method == "POST" else 200


# Rate-limit keys: reset requests also count per e-mail address.
def _account_key() -> str:
    return "account:" + normalize_email(request.form.get("email", ""))[:254]


def _sign_in_failed(_response) -> bool:
    return bool(g.get("sign_in_failed"))


def _too_many_attempts(seconds: int):
    response = render_template("errors/429.html", error_page=True)
    return response, 429, {"Retry-After": str(seconds)}


def _alert_owner(email: str) -> None:
    user = services.find_user_by_email(email)
    if user is None or not user.active:
        return
    # Queued in the outbox and committed now: the refused sign-in writes nothing else.
    send_sign_in_alert(user)
    db.session.commit()


@bp.route("/account/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_after_sign_in())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                phone=form.phone.data,
                locale=current_lang(),
            )
        except EmailTaken:
            form.email.errors.append(
                _(
                    "An account with this e-mail address already exists. Sign in, or reset "
                    "your password if you have forgotten it."
                )
            )
        else:
            _sign_in(user)
            db.session.commit()
            return redirect(_after_sign_in())
    return render_template("accounts/register.html", form=form, next=_next_url()), _form_status()


@bp.route("/account/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("50 per hour", methods=["POST"], deduct_when=_sign_in_failed)
def login():
    # Per address: 10 tries a minute, 50 failures an hour whatever the account. Per (address,
    # account): growing waits after a few failures (shop.accounts.throttle), so a guesser is
    # slowed down while the owner, elsewhere or after the wait, still signs in.
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_sign_in())
    g.sign_in_failed = False  # g outlives the request where an app context is kept open (tests)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        ip, email = get_remote_address(), normalize_email(form.email.data)[:254]
        wait = throttle.seconds_to_wait(ip, email)
        if wait:
            return _too_many_attempts(wait)
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except WrongPassword:
            g.sign_in_failed = True
            error = _("Wrong e-mail or password.")
            if throttle.should_alert(throttle.record_failure(ip, email)):
                _alert_owner(email)
        except AccountInactive:
            error = _(
                "This account has been closed. Please contact us if you think it should not be."
            )
        else:
            throttle.record_success(ip, email)
            _sign_in(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_after_sign_in())
    return render_template(
        "accounts/login.html", form=form, error=error, next=_next_url()
    ), _form_status()


@bp.post("/account/logout")
def logout():
    # CSRFProtect has already checked the token: a cross-site form cannot sign anyone out.
    if current_user.is_authenticated:
        # A copy of this session (or of a remember-me cookie) stops working too.
        services.sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
    logout_user()  # Flask-Login's user_logged_out: the cart forgets the account's cart
    return redirect(url_for("catalog.home"))


@bp.get("/account")
@login_required
def profile():
    return render_template(
        "accounts/profile.html",
        user=current_user,
        role_label=ROLE_LABELS.get(current_user.role, current_user.role),
        logout_form=EmptyForm(),
    )


@bp.route("/account/reset", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
@limiter.limit("3 per hour", key_func=_account_key, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            send_password_reset(user, services.issue_password_reset_token(user))
            db.session.commit()  # the e-mail is an outbox row, delivered after the commit
        # The same answer whether or not there is such an account.
        return redirect(url_for("accounts.reset_sent"))
    return render_template("accounts/reset_request.html", form=form), _form_status()


@bp.get("/account/reset/sent")
def reset_sent():
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60
    return render_template("accounts/reset_sent.html", minutes=minutes)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        services.verify_password_reset_token(token)
        if form.validate_on_submit():
            services.reset_password(token, form.password.data)
            db.session.commit()
            flash(_("Your password has been changed. Sign in with your new password."), "info")
            return redirect(url_for("accounts.login"))
    except ExpiredResetToken:
        return _invalid_reset_link(_("This link has expired. Ask for a new one below."))
    except InvalidResetToken:
        return _invalid_reset_link(
            _("This link is not valid or has already been used. Ask for a new one below.")
        )
    return render_template("accounts/reset_password.html", form=form), _form_status()


def _invalid_reset_link(message: str):
    return render_template(
        "accounts/reset_request.html", form=ResetRequestForm(), link_error=message
    ), 400


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per 15 minutes", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except WrongPassword:
            form.current_password.errors.append(_("That is not your current password."))
        else:
            # The session carries the password fingerprint: sign in again on this device (other
            # devices and old remember-me cookies are signed out).
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remember_cookie in request.cookies)
            db.session.commit()
            flash(
                _("Your password has been changed. Other devices have been signed out."),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), _form_status()
