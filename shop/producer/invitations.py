"""A producer's staff: invitations by a signed e-mail link, joining, and removal.

An invitation is a row (``ProducerInvitation``); its link is a signed, timed token carrying the
row's id, so a link works once (accepting sets ``accepted_at`` with a compare-and-set) and can be
revoked. Every change is written to the audit log with the acting user. Functions flush, the
route commits.
"""

from __future__ import annotations

import logging

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from shop.accounts.models import Role, User
from shop.accounts.services import normalize_email
from shop.audit.services import record
from shop.catalog.models import Producer
from shop.db import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.producer.models import ProducerInvitation

log = logging.getLogger(__name__)

INVITATION_SALT = "ocop-staff-invitation"


class StaffError(ShopError):
    """A staff change that is refused; ``code`` says why (the route words it)."""


class InvitationRefused(StaffError):
    """The link cannot be used: ``code`` is one of ``invalid``, ``expired``, ``revoked``,
    ``used``, ``other_email``, ``already_staff``, ``other_producer``, ``not_customer``."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(f"invitation refused: {code}", **details)
        self.code = code


class AlreadyStaff(StaffError):
    code = "already_staff"


class AlreadyInvited(StaffError):
    code = "already_invited"


class CannotRemoveSelf(StaffError):
    code = "remove_self"


class LastAdmin(StaffError):
    code = "last_admin"


class NotAdmin(StaffError):
    code = "not_admin"
    status = 404


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(invitation: ProducerInvitation) -> str:
    return _serializer().dumps({"inv": invitation.id})


def _lock_producer(producer_id: int) -> None:
    """Staff changes of one producer run one at a time (on SQLite the write transaction already
    does this): two admins removing each other at once cannot leave the producer without one."""
    db.session.execute(select(Producer.id).where(Producer.id == producer_id).with_for_update())


def _require_admin(actor_id: int, producer_id: int) -> User:
    """The actor, read afresh under the producer's lock: still an admin of this producer."""
    actor = db.session.get(User, actor_id, populate_existing=True)
    if (
        actor is None
        or actor.role != Role.PRODUCER_STAFF
        or actor.producer_id != producer_id
        or not actor.producer_admin
    ):
        raise NotAdmin("only the producer's admins manage its staff")
    return actor


# --- inviting ------------------------------------------------------------------------------------


def invite(
    producer_id: int, email: str, *, admin: bool, actor_id: int
) -> tuple[ProducerInvitation, str]:
    """A pending invitation of ``email`` to the producer's staff, and its link's token."""
    email = normalize_email(email)
    _lock_producer(producer_id)
    _require_admin(actor_id, producer_id)
    member = db.session.scalar(
        select(User.id).where(
            User.email == email,
            User.producer_id == producer_id,
            User.role == Role.PRODUCER_STAFF,
        )
    )
    if member is not None:
        raise AlreadyStaff("already on the staff", email=email)
    pending = db.session.scalar(
        select(ProducerInvitation.id).where(
            ProducerInvitation.producer_id == producer_id,
            ProducerInvitation.email == email,
            ProducerInvitation.accepted_at.is_(None),
            ProducerInvitation.revoked_at.is_(None),
        )
    )
    if pending is not None:
        raise AlreadyInvited("an invitation is pending", email=email)
    invitation = ProducerInvitation(
        producer_id=producer_id, email=email, admin=admin, invited_by_id=actor_id
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        actor_id,
        "staff.invite",
        "producer_invitation",
        invitation.id,
        {},
        {"email": email, "admin": admin},
        producer_id=producer_id,
    )
    log.info("producer %s: invitation %s sent", producer_id, invitation.id)
    return invitation, invitation_token(invitation)


def revoke(producer_id: int, invitation_id: int, *, actor_id: int) -> bool:
    """Withdraw a pending invitation of the producer; False when it was already accepted or
    revoked. Raises ``LookupError`` for another producer's or an unknown invitation."""
    _lock_producer(producer_id)
    _require_admin(actor_id, producer_id)
    invitation = db.session.scalar(
        select(ProducerInvitation).where(
            ProducerInvitation.id == invitation_id,
            ProducerInvitation.producer_id == producer_id,
        )
    )
    if invitation is None:
        raise LookupError(invitation_id)
    done = db.session.execute(
        update(ProducerInvitation)
        .where(
            ProducerInvitation.id == invitation_id,
            ProducerInvitation.accepted_at.is_(None),
            ProducerInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    record(
        actor_id,
        "staff.revoke",
        "producer_invitation",
        invitation_id,
        {"email": invitation.email},
        {"revoked": True},
        producer_id=producer_id,
    )
    return True


# --- joining -------------------------------------------------------------------------------------


def read_invitation(token: str) -> ProducerInvitation:
    """The pending invitation a link names; raises ``InvitationRefused`` (invalid, expired,
    revoked or used)."""
    max_age = current_app.config["STAFF_INVITATION_MAX_AGE_SECONDS"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvitationRefused("expired") from exc
    except BadSignature as exc:
        raise InvitationRefused("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("inv"), int):
        raise InvitationRefused("invalid")
    invitation = db.session.get(ProducerInvitation, data["inv"], populate_existing=True)
    if invitation is None:
        raise InvitationRefused("invalid")
    if invitation.revoked_at is not None:
        raise InvitationRefused("revoked")
    if invitation.accepted_at is not None:
        raise InvitationRefused("used")
    return invitation


def check_account(invitation: ProducerInvitation, user: User) -> None:
    """Raises ``InvitationRefused`` unless ``user`` may accept ``invitation``."""
    if normalize_email(user.email) != invitation.email:
        raise InvitationRefused("other_email")
    if user.role == Role.PRODUCER_STAFF:
        same = user.producer_id == invitation.producer_id
        raise InvitationRefused("already_staff" if same else "other_producer")
    if user.role != Role.CUSTOMER:
        raise InvitationRefused("not_customer")


def accept(token: str, user_id: int) -> ProducerInvitation:
    """The signed-in customer ``user_id`` joins the invitation's producer (its admin if invited
    so). Compare-and-set on the invitation and the account: of concurrent acceptances one wins,
    the others get ``InvitationRefused("used")`` and change nothing."""
    invitation = read_invitation(token)
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        raise InvitationRefused("other_email")
    check_account(invitation, user)
    now = utcnow()
    taken = db.session.execute(
        update(ProducerInvitation)
        .where(
            ProducerInvitation.id == invitation.id,
            ProducerInvitation.accepted_at.is_(None),
            ProducerInvitation.revoked_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise InvitationRefused("used")
    joined = db.session.execute(
        update(User)
        .where(User.id == user.id, User.role == Role.CUSTOMER)
        .values(
            role=Role.PRODUCER_STAFF,
            producer_id=invitation.producer_id,
            producer_admin=invitation.admin,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not joined:  # the account changed meanwhile (made staff elsewhere): the caller rolls back
        raise InvitationRefused("other_producer")
    record(
        user.id,
        "staff.join",
        "user",
        user.id,
        {"role": Role.CUSTOMER.value},
        {"role": Role.PRODUCER_STAFF.value, "email": user.email, "admin": invitation.admin},
        producer_id=invitation.producer_id,
    )
    db.session.expire(invitation)
    db.session.expire(user)
    log.info(
        "producer %s: user %s joined (invitation %s)",
        invitation.producer_id,
        user.id,
        invitation.id,
    )
    return invitation


# --- the staff list and removal ------------------------------------------------------------------


def staff_of(producer_id: int) -> list[tuple[User, object]]:
    """[(member, joined at)] of the producer, admins first: joined is when the member accepted
    an invitation, else when the account was made."""
    accepted = (
        select(
            ProducerInvitation.accepted_by_id.label("user_id"),
            func.max(ProducerInvitation.accepted_at).label("accepted_at"),
        )
        .where(ProducerInvitation.producer_id == producer_id)
        .group_by(ProducerInvitation.accepted_by_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(accepted.c.accepted_at, User.created_at))
        .outerjoin(accepted, accepted.c.user_id == User.id)
        .where(User.producer_id == producer_id, User.role == Role.PRODUCER_STAFF)
        .order_by(User.producer_admin.desc(), User.name, User.id)
    ).all()
    return [(user, joined) for user, joined in rows]


def pending_invitations(producer_id: int) -> list[ProducerInvitation]:
    return list(
        db.session.scalars(
            select(ProducerInvitation)
            .where(
                ProducerInvitation.producer_id == producer_id,
                ProducerInvitation.accepted_at.is_(None),
                ProducerInvitation.revoked_at.is_(None),
            )
            .order_by(ProducerInvitation.created_at.desc(), ProducerInvitation.id.desc())
        )
    )


def remove(producer_id: int, member_id: int, *, actor_id: int) -> User:
    """The member goes back to being a customer. Raises ``LookupError`` (not this producer's
    staff), ``CannotRemoveSelf`` or ``LastAdmin``."""
    _lock_producer(producer_id)
    _require_admin(actor_id, producer_id)
    member = db.session.scalar(
        select(User).where(
            User.id == member_id,
            User.producer_id == producer_id,
            User.role == Role.PRODUCER_STAFF,
        )
    )
    if member is None:
        raise LookupError(member_id)
    if member.id == actor_id:
        raise CannotRemoveSelf("an admin cannot remove themself")
    if member.producer_admin:
        admins = db.session.scalar(
            select(func.count(User.id)).where(
                User.producer_id == producer_id,
                User.role == Role.PRODUCER_STAFF,
                User.producer_admin,
            )
        )
        if admins <= 1:
            raise LastAdmin("the producer keeps at least one admin")
    before = {"email": member.email, "name": member.name, "admin": member.producer_admin}
    done = db.session.execute(
        update(User)
        .where(
            User.id == member.id,
            User.producer_id == producer_id,
            User.role == Role.PRODUCER_STAFF,
        )
        .values(role=Role.CUSTOMER, producer_id=None, producer_admin=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise LookupError(member_id)
    db.session.expire(member)
    record(
        actor_id,
        "staff.remove",
        "user",
        member_id,
        before,
        {"role": Role.CUSTOMER.value},
        producer_id=producer_id,
    )
    log.info("producer %s: user %s removed by %s", producer_id, member_id, actor_id)
    return member
