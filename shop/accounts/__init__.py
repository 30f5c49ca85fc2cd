"""Users and roles: registration, sign-in, password reset, the profile page."""

from flask import Blueprint, g
from flask_babel import lazy_gettext as _l

bp = Blueprint("accounts", __name__)

from shop.accounts import routes  # noqa: E402, F401


@bp.record_once
def _configure_login(state) -> None:
    from shop.accounts.services import load_user
    from shop.extensions import login_manager

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"


@bp.before_app_request
def _forget_the_previous_request() -> None:
    # Flask-Login caches the user, and Flask-WTF the CSRF token, on ``g``, which outlives a
    # request where an application context is kept open (the tests, a CLI command): start each
    # request from the session and cookies of this request only.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
