"""Users and roles: registration, sign-in, password reset, the profile page."""

from flask import Blueprint
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
