"""Invitations by a signed e-mail link: what a producer's staff and an organisation's members
have in common.

An invitation is a row of the kind's table (``producer_invitation``, ``organisation_invitation``)
with ``email``, ``invited_by_id``, ``created_at``, ``accepted_at``/``accepted_by_id`` and
``revoked_at``. Its link is a signed, timed token carrying the row's id (an itsdangerous salt per
kind, so one kind's link never opens the other's), so a link works once (accepting sets
``accepted_at`` with a compare-and-set) and can be revoked. Each side keeps its own rules (who
may invite, the roles, who may join) and calls these helpers; functions flush, the route commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from shop.accounts.forms import EmptyForm
from shop.accounts.models import User
from shop.accounts.services import normalize_email
from shop.audit.services import record
from shop.db import begin_write_transaction, utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.fields import email_field
from shop.i18n import speaking
from shop.mail import send_email
from shop.urls import absolute_url

# A link longer than this is not one of ours: refused before it is even read.
MAX_TOKEN_LENGTH = 500

# The refusals both kinds word alike; each side adds its own (expired, revoked, membership).
COMMON_REFUSALS = {
    "invalid": _l("This invitation link is not valid. Check that you copied all of it."),
    "used": _l("This invitation has already been used."),
    "other_email": _l(
        "This invitation was sent to another e-mail address. Sign in with the account of "
        "that address, or create one with it."
    ),
}


class InviteEmailForm(FlaskForm):
    """Who to invite; each side adds what it grants (an admin flag, a member role)."""

    email = email_field(
        _l("E-mail"),
        required=_l("Enter the e-mail address to invite."),
        example=_l("Enter an e-mail address such as name@example.com."),
    )


class InvitationRefused(ShopError):
    """The link cannot be used; ``code`` says why (``invalid``, ``expired``, ``revoked``,
    ``used``, ``other_email``, or a refusal of the kind's own)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(f"invitation refused: {code}", **details)
        self.code = code


class AlreadyInvited(ShopError):
    """A pending invitation of that address exists already."""

    code = "already_invited"


@dataclass(frozen=True)
class InvitationKind:
    """What tells one kind of invitation from the other."""

    model: type  # the invitation table's model
    scope: str  # the column naming what the invitation is to: "producer_id", "organisation_id"
    salt: str  # itsdangerous salt of the link's signature
    payload_key: str  # the key of the row id in the signed payload
    max_age_setting: str  # the setting with the link's lifetime in seconds
    join_endpoint: str  # the page the link opens
    audit_prefix: str  # "staff" → audit actions "staff.invite", "staff.revoke"
    mail_key: str  # outbox de-duplication key prefix
    # Whether the audit entries carry ``producer_id`` (the producer's own audit log).
    audit_producer: bool = False

    def scope_column(self):
        return getattr(self.model, self.scope)

    def audit_scope(self, scope_id: int) -> dict[str, Any]:
        return {"producer_id": scope_id} if self.audit_producer else {}


def _serializer(kind: InvitationKind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=kind.salt)


def token_for(kind: InvitationKind, invitation) -> str:
    return _serializer(kind).dumps({kind.payload_key: invitation.id})


def max_age_days(kind: InvitationKind) -> int:
    return current_app.config[kind.max_age_setting] // 86400


def _pending(kind: InvitationKind):
    model = kind.model
    return (model.accepted_at.is_(None), model.revoked_at.is_(None))


# --- inviting and revoking -----------------------------------------------------------------------


def create(
    kind: InvitationKind, scope_id: int, email: str, *, actor_id: int, audit: dict, **fields
) -> tuple[Any, str]:
    """A pending invitation of the normalised ``email`` and its link's token; the caller has
    locked the scope and checked the actor. Raises ``AlreadyInvited``."""
    model = kind.model
    pending = db.session.scalar(
        select(model.id).where(
            kind.scope_column() == scope_id, model.email == email, *_pending(kind)
        )
    )
    if pending is not None:
        raise AlreadyInvited("an invitation is pending", email=email)
    invitation = model(email=email, invited_by_id=actor_id, **{kind.scope: scope_id}, **fields)
    db.session.add(invitation)
    db.session.flush()
    record(
        actor_id,
        f"{kind.audit_prefix}.invite",
        model.__tablename__,
        invitation.id,
        {},
        {"email": email, **audit},
        **kind.audit_scope(scope_id),
    )
    return invitation, token_for(kind, invitation)


def revoke(kind: InvitationKind, scope_id: int, invitation_id: int, *, actor_id: int) -> bool:
    """Withdraw a pending invitation; False when already accepted or revoked. Raises
    ``LookupError`` for another scope's or an unknown invitation. The caller has locked the
    scope and checked the actor."""
    model = kind.model
    invitation = db.session.scalar(
        select(model).where(model.id == invitation_id, kind.scope_column() == scope_id)
    )
    if invitation is None:
        raise LookupError(invitation_id)
    done = db.session.execute(
        update(model)
        .where(model.id == invitation_id, *_pending(kind))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    record(
        actor_id,
        f"{kind.audit_prefix}.revoke",
        model.__tablename__,
        invitation_id,
        {"email": invitation.email},
        {"revoked": True},
        **kind.audit_scope(scope_id),
    )
    return True


def pending(kind: InvitationKind, scope_id: int) -> list:
    model = kind.model
    return list(
        db.session.scalars(
            select(model)
            .where(kind.scope_column() == scope_id, *_pending(kind))
            .order_by(model.created_at.desc(), model.id.desc())
        )
    )


# --- accepting -----------------------------------------------------------------------------------


def read(kind: InvitationKind, token: str):
    """The pending invitation a link names; raises ``InvitationRefused`` (invalid, expired,
    revoked or used)."""
    try:
        data = _serializer(kind).loads(token, max_age=current_app.config[kind.max_age_setting])
    except SignatureExpired as exc:
        raise InvitationRefused("expired") from exc
    except BadSignature as exc:
        raise InvitationRefused("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get(kind.payload_key), int):
        raise InvitationRefused("invalid")
    invitation = db.session.get(kind.model, data[kind.payload_key], populate_existing=True)
    if invitation is None:
        raise InvitationRefused("invalid")
    if invitation.revoked_at is not None:
        raise InvitationRefused("revoked")
    if invitation.accepted_at is not None:
        raise InvitationRefused("used")
    return invitation


def check_email(invitation, user: User) -> None:
    if normalize_email(user.email) != invitation.email:
        raise InvitationRefused("other_email")


def take(kind: InvitationKind, invitation, user_id: int) -> None:
    """Mark the invitation accepted by ``user_id``, compare-and-set: of concurrent acceptances
    one wins, the others get ``InvitationRefused("used")``."""
    model = kind.model
    taken = db.session.execute(
        update(model)
        .where(model.id == invitation.id, *_pending(kind))
        .values(accepted_at=utcnow(), accepted_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise InvitationRefused("used")


# --- the e-mail ----------------------------------------------------------------------------------


def send(
    kind: InvitationKind,
    invitation,
    token: str,
    *,
    subject: Callable[[], str],
    template: str,
    context: dict,
) -> None:
    """The link, queued in the outbox (the caller commits); in the language of the account with
    this e-mail when there is one, else Vietnamese. ``template`` names ``<template>.txt`` and
    ``<template>.html``; ``subject`` is called in the recipient's language."""
    locale = db.session.scalar(select(User.locale).where(User.email == invitation.email)) or "vi"
    with speaking(locale):
        context = {
            **context,
            "invitation": invitation,
            "link": absolute_url(kind.join_endpoint, token=token, lang=locale),
            "days": max_age_days(kind),
            "locale": locale,
        }
        title = subject()
        text_body = render_template(f"{template}.txt", **context)
        html_body = render_template(f"{template}.html", **context)
    key = f"{kind.mail_key}-{invitation.id}"
    send_email(invitation.email, title, text_body, html_body, key=key)


# --- the join page -------------------------------------------------------------------------------


def join_view(
    token: str,
    *,
    template: str,
    refusals: dict,
    read: Callable[[str], Any],
    check: Callable[[Any, User], None],
    accept: Callable[[str, int], Any],
    target: tuple[str, Callable[[Any], Any]],
    joined: Callable[[Any, Any], Any],
    context: dict | None = None,
):
    """The page an invitation link opens: sign in first (back here after), then GET shows the
    invitation or why it cannot be used, POST accepts it. ``template`` gets ``token``,
    ``invitation``, ``refusal`` (worded from ``refusals``), ``action_form`` and what the
    invitation is to as ``target[0]`` (found by ``target[1](invitation)``); ``joined(invitation,
    that)`` runs before the commit and returns the response."""
    name, find = target

    def page(link: str, *, refusal: str | None = None, invitation=None, status: int = 200):
        return render_template(
            template,
            token=link,
            invitation=invitation,
            refusal=refusals[refusal] if refusal else None,
            action_form=EmptyForm(),
            **{name: find(invitation) if invitation is not None else None},
            **(context or {}),
        ), status

    if not current_user.is_authenticated:
        flash(
            _("Sign in, or create an account, with the e-mail address the invitation was sent to."),
            "info",
        )
        return redirect(url_for("accounts.login", next=request.path))
    if len(token) > MAX_TOKEN_LENGTH:
        return page("", refusal="invalid", status=400)
    if request.method == "GET":
        try:
            invitation = read(token)
            check(invitation, current_user)
        except InvitationRefused as refused:
            return page(token, refusal=refused.code)
        return page(token, invitation=invitation)
    if not EmptyForm().validate_on_submit():
        return page(token, refusal="invalid", status=400)
    user_id = current_user.id
    begin_write_transaction(db.session)
    try:
        invitation = accept(token, user_id)
    except InvitationRefused as refused:
        db.session.rollback()
        return page(token, refusal=refused.code, status=409)
    response = joined(invitation, find(invitation))
    db.session.commit()
    return response


def revoke_view(revoke: Callable[[], bool], *, refused: tuple[type[Exception], ...], back: str):
    """The revoke button's POST: ``revoke()`` runs the side's service (404 when it raises one of
    ``refused`` or ``LookupError``), then back to the ``back`` page with a message."""
    begin_write_transaction(db.session)
    try:
        revoked = revoke()
    except (LookupError, *refused):
        db.session.rollback()
        abort(404)
    db.session.commit()
    if revoked:
        flash(_("Invitation revoked: its link no longer works."), "success")
    else:
        flash(_("This invitation was already accepted or revoked."), "error")
    return redirect(url_for(back))
