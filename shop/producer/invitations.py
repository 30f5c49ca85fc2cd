"""A producer's staff: invitations by a signed e-mail link, joining, and removal.

Invitations work as ``shop.invitations`` says (signed link, once, revocable); this module keeps the
producer's rules: only its admins invite, an invitation may make an admin, and an account joins one
producer and no organisation. Every change is written to the audit log with the acting user.
Functions flush, the route commits.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from shop import invitations as shared
from shop.accounts.models import Role, User
from shop.accounts.services import normalize_email
from shop.agencies.services import membership_of
from shop.audit.services import record
from shop.catalog.models import Producer
from shop.errors import ShopError
from shop.extensions import db
from shop.producer.models import ProducerInvitation

log = logging.getLogger(__name__)

INVITATION_SALT = "ocop-staff-invitation"

STAFF_INVITATION = shared.InvitationKind(
    model=ProducerInvitation,
    scope="producer_id",
    salt=INVITATION_SALT,
    payload_key="inv",
    max_age_setting="STAFF_INVITATION_MAX_AGE_SECONDS",
    join_endpoint="producer.join",
    audit_prefix="staff",
    mail_key="staff-invitation",
    audit_producer=True,
)

# The link cannot be used: ``code`` is one of ``invalid``, ``expired``, ``revoked``, ``used``,
# ``other_email``, ``already_staff``, ``other_producer``, ``in_organisation``, ``not_customer``.
InvitationRefused = shared.InvitationRefused
AlreadyInvited = shared.AlreadyInvited


class StaffError(ShopError):
    """A staff change that is refused; ``code`` says why (the route words it)."""


class AlreadyStaff(StaffError):
    code = "already_staff"


class CannotRemoveSelf(StaffError):
    code = "remove_self"


class LastAdmin(StaffError):
    code = "last_admin"


class NotAdmin(StaffError):
    code = "not_admin"
    status = 404


def invitation_token(invitation: ProducerInvitation) -> str:
    return shared.token_for(STAFF_INVITATION, invitation)


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
    invitation, token = shared.create(
        STAFF_INVITATION,
        producer_id,
        email,
        actor_id=actor_id,
        audit={"admin": admin},
        admin=admin,
    )
    log.info("producer %s: invitation %s sent", producer_id, invitation.id)
    return invitation, token


def revoke(producer_id: int, invitation_id: int, *, actor_id: int) -> bool:
    """Withdraw a pending invitation of the producer; False when it was already accepted or
    revoked. Raises ``LookupError`` for another producer's or an unknown invitation."""
    _lock_producer(producer_id)
    _require_admin(actor_id, producer_id)
    return shared.revoke(STAFF_INVITATION, producer_id, invitation_id, actor_id=actor_id)


# --- joining -------------------------------------------------------------------------------------


def read_invitation(token: str) -> ProducerInvitation:
    """The pending invitation a link names; raises ``InvitationRefused`` (invalid, expired,
    revoked or used)."""
    return shared.read(STAFF_INVITATION, token)


def check_account(invitation: ProducerInvitation, user: User) -> None:
    """Raises ``InvitationRefused`` unless ``user`` may accept ``invitation``: an account works
    for one producer or belongs to one organisation, never both."""
    shared.check_email(invitation, user)
    if user.role == Role.PRODUCER_STAFF:
        same = user.producer_id == invitation.producer_id
        raise InvitationRefused("already_staff" if same else "other_producer")
    if user.role != Role.CUSTOMER:
        raise InvitationRefused("not_customer")
    if membership_of(user.id) is not None:
        raise InvitationRefused("in_organisation")


def accept(token: str, user_id: int) -> ProducerInvitation:
    """The signed-in customer ``user_id`` joins the invitation's producer (its admin if invited
    so). Compare-and-set on the invitation and the account: of concurrent acceptances one wins,
    the others get ``InvitationRefused("used")`` and change nothing. An account that joined an
    organisation meanwhile is stopped by the database (``organisation_member`` names the
    account as a customer), the caller rolls back."""
    invitation = read_invitation(token)
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        raise InvitationRefused("other_email")
    check_account(invitation, user)
    shared.take(STAFF_INVITATION, invitation, user.id)
    try:
        with db.session.begin_nested():
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
    except IntegrityError as exc:
        raise InvitationRefused("in_organisation") from exc
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
    return shared.pending(STAFF_INVITATION, producer_id)


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
