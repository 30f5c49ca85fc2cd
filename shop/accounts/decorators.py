"""Route guards by role.

Anonymous visitors are sent to the sign-in page (with ``next``); a signed-in user of another
role gets a plain 404, so the back-office pages do not reveal that they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from shop.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")


def role_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only users whose role is one of ``roles`` reach the view."""
    if not roles:
        raise ValueError("role_required needs at least one role")
    allowed = frozenset(str(role) for role in roles)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(404)
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorator
