"""Organisations and their members: creation, invoice data, departments, invitations by a signed
e-mail link, role changes and removal.

Invitations work as ``shop.invitations`` says (signed link, once, revocable); this module keeps the
organisation's rules: approvers invite, with a member role, and an account belongs to one
organisation and works for no producer. Member changes of one organisation run one at a time (the
organisation row is locked), so two approvers removing each other cannot leave it without one.
Every change is written to the audit log. Functions flush, the route commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from shop import invitations as shared
from shop.accounts.models import Role, User
from shop.accounts.services import normalize_email
from shop.addresses.services import commune as find_commune_by_code
from shop.addresses.services import province as find_province_by_code
from shop.agencies.models import (
    MAX_PAYMENT_TERMS_DAYS,
    BillingEntity,
    MemberRole,
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
)
from shop.agencies.taxcode import normalize_tax_code
from shop.audit.services import record
from shop.db import utcnow
from shop.errors import ShopError
from shop.extensions import db

log = logging.getLogger(__name__)

INVITATION_SALT = "ocop-organisation-invitation"

MEMBER_INVITATION = shared.InvitationKind(
    model=OrganisationInvitation,
    scope="organisation_id",
    salt=INVITATION_SALT,
    payload_key="org_inv",
    max_age_setting="ORGANISATION_INVITATION_MAX_AGE_SECONDS",
    join_endpoint="agencies.join",
    audit_prefix="organisation",
    mail_key="organisation-invitation",
)

# The link cannot be used: ``code`` is one of ``invalid``, ``expired``, ``revoked``, ``used``,
# ``other_email``, ``already_member``, ``other_organisation``, ``producer_staff``,
# ``not_customer``.
InvitationRefused = shared.InvitationRefused
AlreadyInvited = shared.AlreadyInvited


class OrganisationError(ShopError):
    """A change that is refused; ``code`` says why (the route words it)."""

    code = "refused"


class InvalidTaxCode(OrganisationError):
    code = "tax_code"


class TaxCodeTaken(OrganisationError):
    code = "tax_code_taken"


class CommuneNotInProvince(OrganisationError):
    code = "commune"


class AlreadyMember(OrganisationError):
    code = "already_member"


class CannotRemoveSelf(OrganisationError):
    code = "remove_self"


class LastApprover(OrganisationError):
    code = "last_approver"


class NotApprover(OrganisationError):
    code = "not_approver"
    status = 404


class NotVerified(OrganisationError):
    code = "not_verified"


@dataclass(frozen=True)
class InvoiceAddress:
    province_code: int
    commune_code: int
    street: str


def check_address(province_code: int, commune_code: int, street: str) -> InvoiceAddress:
    """Raises ``CommuneNotInProvince`` unless the commune is one of the province's."""
    found_province = find_province_by_code(province_code)
    found_commune = find_commune_by_code(commune_code)
    if (
        found_province is None
        or found_commune is None
        or found_commune.province_code != found_province.code
    ):
        raise CommuneNotInProvince("the commune is not in the province")
    return InvoiceAddress(found_province.code, found_commune.code, street.strip())


def format_address(province_code: int, commune_code: int, street: str) -> str:
    found_province = find_province_by_code(province_code)
    found_commune = find_commune_by_code(commune_code)
    parts = [
        street,
        found_commune.name if found_commune else "",
        found_province.name if found_province else "",
    ]
    return ", ".join(part for part in parts if part)


def _tax_code(value: str) -> str:
    code = normalize_tax_code(value)
    if code is None:
        raise InvalidTaxCode("not a tax code", value=value)
    return code


# --- reading -------------------------------------------------------------------------------------


def membership_of(user_id: int | None) -> OrganisationMember | None:
    if user_id is None:
        return None
    return db.session.scalar(
        select(OrganisationMember).where(OrganisationMember.user_id == user_id)
    )


def payment_terms_days(user_id: int | None) -> int:
    """The net-N-days terms a buyer's orders get: N for a member of a verified organisation
    with terms, else 0 (the shop's normal payment window applies)."""
    if user_id is None:
        return 0
    days = db.session.scalar(
        select(Organisation.payment_terms_days)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(OrganisationMember.user_id == user_id, Organisation.verified_at.is_not(None))
    )
    return int(days or 0)


def members_of(organisation_id: int) -> list[tuple[OrganisationMember, User]]:
    order = {
        MemberRole.APPROVER.value: 0,
        MemberRole.BUYER.value: 1,
        MemberRole.ACCOUNTANT.value: 2,
    }
    rows = db.session.execute(
        select(OrganisationMember, User)
        .join(User, User.id == OrganisationMember.user_id)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(User.name, User.id)
    ).all()
    return sorted(((m, u) for m, u in rows), key=lambda row: order.get(row[0].role, 9))


def billing_entities(organisation_id: int) -> list[BillingEntity]:
    return list(
        db.session.scalars(
            select(BillingEntity)
            .where(BillingEntity.organisation_id == organisation_id)
            .order_by(BillingEntity.is_default.desc(), BillingEntity.name, BillingEntity.id)
        )
    )


def pending_invitations(organisation_id: int) -> list[OrganisationInvitation]:
    return shared.pending(MEMBER_INVITATION, organisation_id)


def _lock_organisation(organisation_id: int) -> None:
    db.session.execute(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


def _require_approver(actor_id: int, organisation_id: int) -> OrganisationMember:
    """The actor's membership, read afresh under the organisation's lock: still an approver."""
    member = db.session.scalar(
        select(OrganisationMember)
        .where(OrganisationMember.user_id == actor_id)
        .execution_options(populate_existing=True)
    )
    if (
        member is None
        or member.organisation_id != organisation_id
        or member.role != MemberRole.APPROVER
    ):
        raise NotApprover("only the organisation's approvers do this")
    return member


def _approvers(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count(OrganisationMember.id)).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.role == MemberRole.APPROVER,
        )
    )


# --- organisations -------------------------------------------------------------------------------


def register(
    user_id: int,
    *,
    legal_name: str,
    tax_code: str,
    province_code: int,
    commune_code: int,
    street: str,
    invoice_email: str,
) -> Organisation:
    """A new organisation with its default billing entity; the customer ``user_id`` becomes its
    approver. Raises ``InvalidTaxCode``, ``TaxCodeTaken``, ``CommuneNotInProvince`` or
    ``AlreadyMember``."""
    code = _tax_code(tax_code)
    address = check_address(province_code, commune_code, street)
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None or user.role != Role.CUSTOMER:
        raise AlreadyMember("only customer accounts register an organisation")
    if membership_of(user_id) is not None:
        raise AlreadyMember("already a member of an organisation")
    if db.session.scalar(select(Organisation.id).where(Organisation.tax_code == code)):
        raise TaxCodeTaken("tax code registered", tax_code=code)
    email = normalize_email(invoice_email)
    organisation = Organisation(
        legal_name=legal_name.strip(),
        tax_code=code,
        invoice_province_code=address.province_code,
        invoice_commune_code=address.commune_code,
        invoice_street=address.street,
        invoice_email=email,
    )
    try:
        with db.session.begin_nested():
            db.session.add(organisation)
            db.session.flush()
            db.session.add(
                OrganisationMember(
                    organisation_id=organisation.id, user_id=user_id, role=MemberRole.APPROVER
                )
            )
            db.session.add(
                BillingEntity(
                    organisation_id=organisation.id,
                    name=organisation.legal_name[:120],
                    legal_name=organisation.legal_name,
                    province_code=address.province_code,
                    commune_code=address.commune_code,
                    street=address.street,
                    invoice_email=email,
                    is_default=True,
                )
            )
            db.session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same MST or account
        taken = db.session.scalar(select(Organisation.id).where(Organisation.tax_code == code))
        if taken:
            raise TaxCodeTaken("tax code registered", tax_code=code) from exc
        raise AlreadyMember("already a member of an organisation") from exc
    record(
        user_id,
        "organisation.register",
        "organisation",
        organisation.id,
        {},
        {"legal_name": organisation.legal_name, "tax_code": code},
    )
    log.info("organisation %s registered by user %s", organisation.id, user_id)
    return organisation


def update_organisation(
    organisation_id: int,
    *,
    actor_id: int,
    legal_name: str,
    tax_code: str,
    province_code: int,
    commune_code: int,
    street: str,
    invoice_email: str,
    approval_threshold_vnd: int | None,
) -> Organisation:
    """An approver edits the invoice data and the approval threshold."""
    code = _tax_code(tax_code)
    address = check_address(province_code, commune_code, street)
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    other = db.session.scalar(
        select(Organisation.id).where(
            Organisation.tax_code == code, Organisation.id != organisation_id
        )
    )
    if other is not None:
        raise TaxCodeTaken("tax code registered", tax_code=code)
    organisation = db.session.get(Organisation, organisation_id, populate_existing=True)
    before = _snapshot(organisation)
    organisation.legal_name = legal_name.strip()
    organisation.tax_code = code
    organisation.invoice_province_code = address.province_code
    organisation.invoice_commune_code = address.commune_code
    organisation.invoice_street = address.street
    organisation.invoice_email = normalize_email(invoice_email)
    organisation.approval_threshold_vnd = approval_threshold_vnd
    db.session.flush()
    record(
        actor_id,
        "organisation.update",
        "organisation",
        organisation_id,
        before,
        _snapshot(organisation),
    )
    return organisation


def _snapshot(organisation: Organisation) -> dict:
    return {
        "legal_name": organisation.legal_name,
        "tax_code": organisation.tax_code,
        "province": organisation.invoice_province_code,
        "commune": organisation.invoice_commune_code,
        "street": organisation.invoice_street,
        "invoice_email": organisation.invoice_email,
        "payment_terms_days": organisation.payment_terms_days,
        "approval_threshold_vnd": organisation.approval_threshold_vnd,
        "verified": organisation.verified_at is not None,
    }


def verify(organisation_id: int, *, admin_id: int) -> bool:
    """The office has checked the organisation (its MST and who registered it); False when it
    was verified already. Compare-and-set."""
    done = db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation_id, Organisation.verified_at.is_(None))
        .values(verified_at=utcnow(), verified_by_id=admin_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        record(
            admin_id,
            "organisation.verify",
            "organisation",
            organisation_id,
            {"verified": False},
            {"verified": True},
        )
    return bool(done)


def set_terms(
    organisation_id: int,
    *,
    admin_id: int,
    payment_terms_days: int,
    approval_threshold_vnd: int | None,
) -> Organisation:
    """The office sets the payment terms (only for a verified organisation unless 0) and the
    approval threshold."""
    organisation = db.session.get(Organisation, organisation_id, populate_existing=True)
    if organisation is None:
        raise LookupError(organisation_id)
    if not 0 <= payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
        raise OrganisationError("payment terms out of range")
    if payment_terms_days and organisation.verified_at is None:
        raise NotVerified("payment terms need a verified organisation")
    before = _snapshot(organisation)
    organisation.payment_terms_days = payment_terms_days
    organisation.approval_threshold_vnd = approval_threshold_vnd
    db.session.flush()
    record(
        admin_id,
        "organisation.terms",
        "organisation",
        organisation_id,
        before,
        _snapshot(organisation),
    )
    return organisation


# --- billing entities ----------------------------------------------------------------------------


def save_billing_entity(
    organisation_id: int,
    *,
    actor_id: int,
    entity_id: int | None,
    name: str,
    legal_name: str,
    tax_code: str | None,
    province_code: int,
    commune_code: int,
    street: str,
    invoice_email: str,
    is_default: bool,
) -> BillingEntity:
    """Add (``entity_id`` None) or change a department. Making it the default takes the mark
    from the previous default. Raises ``LookupError`` for another organisation's entity."""
    code = _tax_code(tax_code) if tax_code else None
    address = check_address(province_code, commune_code, street)
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    if entity_id is None:
        entity = BillingEntity(organisation_id=organisation_id)
        before: dict = {}
    else:
        entity = db.session.scalar(
            select(BillingEntity).where(
                BillingEntity.id == entity_id, BillingEntity.organisation_id == organisation_id
            )
        )
        if entity is None:
            raise LookupError(entity_id)
        before = {"name": entity.name, "legal_name": entity.legal_name, "tax_code": entity.tax_code}
    if is_default and not entity.is_default:
        db.session.execute(
            update(BillingEntity)
            .where(BillingEntity.organisation_id == organisation_id, BillingEntity.is_default)
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )
    entity.name = name.strip()
    entity.legal_name = legal_name.strip()
    entity.tax_code = code
    entity.province_code = address.province_code
    entity.commune_code = address.commune_code
    entity.street = address.street
    entity.invoice_email = normalize_email(invoice_email)
    entity.is_default = bool(is_default or entity.is_default)
    try:
        with db.session.begin_nested():
            db.session.add(entity)
            db.session.flush()
    except IntegrityError as exc:
        raise OrganisationError("a department of that name exists", name=name) from exc
    record(
        actor_id,
        "organisation.billing_entity",
        "billing_entity",
        entity.id,
        before,
        {"name": entity.name, "legal_name": entity.legal_name, "tax_code": entity.tax_code},
    )
    return entity


# --- invitations ---------------------------------------------------------------------------------


def invitation_token(invitation: OrganisationInvitation) -> str:
    return shared.token_for(MEMBER_INVITATION, invitation)


def invite(
    organisation_id: int, email: str, *, role: str, actor_id: int
) -> tuple[OrganisationInvitation, str]:
    """A pending invitation of ``email`` with ``role``, and its link's token."""
    email = normalize_email(email)
    role = MemberRole(role).value
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    member = db.session.scalar(
        select(OrganisationMember.id)
        .join(User, User.id == OrganisationMember.user_id)
        .where(User.email == email, OrganisationMember.organisation_id == organisation_id)
    )
    if member is not None:
        raise AlreadyMember("already a member", email=email)
    return shared.create(
        MEMBER_INVITATION,
        organisation_id,
        email,
        actor_id=actor_id,
        audit={"role": role, "organisation": organisation_id},
        role=role,
    )


def revoke(organisation_id: int, invitation_id: int, *, actor_id: int) -> bool:
    """Withdraw a pending invitation; False when already accepted or revoked. Raises
    ``LookupError`` for another organisation's or an unknown invitation."""
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    return shared.revoke(MEMBER_INVITATION, organisation_id, invitation_id, actor_id=actor_id)


def read_invitation(token: str) -> OrganisationInvitation:
    """The pending invitation a link names; raises ``InvitationRefused``."""
    return shared.read(MEMBER_INVITATION, token)


def check_account(invitation: OrganisationInvitation, user: User) -> None:
    """Raises ``InvitationRefused`` unless ``user`` may accept ``invitation``: an account
    belongs to one organisation or works for one producer, never both."""
    shared.check_email(invitation, user)
    if user.role == Role.PRODUCER_STAFF:
        raise InvitationRefused("producer_staff")
    if user.role != Role.CUSTOMER:
        raise InvitationRefused("not_customer")
    membership = membership_of(user.id)
    if membership is not None:
        same = membership.organisation_id == invitation.organisation_id
        raise InvitationRefused("already_member" if same else "other_organisation")


def accept(token: str, user_id: int) -> OrganisationInvitation:
    """The signed-in customer joins with the invitation's role. Compare-and-set on the
    invitation, the one-organisation-per-account unique constraint and the member row's
    reference to the account as a customer: of concurrent acceptances one wins, the others get
    ``InvitationRefused`` and change nothing."""
    invitation = read_invitation(token)
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        raise InvitationRefused("other_email")
    check_account(invitation, user)
    shared.take(MEMBER_INVITATION, invitation, user.id)
    try:
        with db.session.begin_nested():
            db.session.add(
                OrganisationMember(
                    organisation_id=invitation.organisation_id,
                    user_id=user.id,
                    role=invitation.role,
                )
            )
            db.session.flush()
    except IntegrityError as exc:  # joined an organisation or a producer meanwhile: the caller
        # rolls back (the member row names the account as a customer)
        code = "producer_staff" if _is_staff(user.id) else "other_organisation"
        raise InvitationRefused(code) from exc
    record(
        user.id,
        "organisation.join",
        "user",
        user.id,
        {},
        {"organisation": invitation.organisation_id, "role": invitation.role, "email": user.email},
    )
    db.session.expire(invitation)
    return invitation


def _is_staff(user_id: int) -> bool:
    role = db.session.scalar(
        select(User.role).where(User.id == user_id).execution_options(populate_existing=True)
    )
    return role == Role.PRODUCER_STAFF


# --- members -------------------------------------------------------------------------------------


def _member(organisation_id: int, user_id: int) -> OrganisationMember:
    member = db.session.scalar(
        select(OrganisationMember)
        .where(
            OrganisationMember.user_id == user_id,
            OrganisationMember.organisation_id == organisation_id,
        )
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise LookupError(user_id)
    return member


def remove(organisation_id: int, user_id: int, *, actor_id: int) -> OrganisationMember:
    """Raises ``LookupError`` (not a member), ``CannotRemoveSelf`` or ``LastApprover``."""
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    member = _member(organisation_id, user_id)
    if user_id == actor_id:
        raise CannotRemoveSelf("an approver cannot remove themself")
    if member.role == MemberRole.APPROVER and _approvers(organisation_id) <= 1:
        raise LastApprover("the organisation keeps at least one approver")
    before = {"user": user_id, "role": member.role}
    db.session.delete(member)
    db.session.flush()
    record(
        actor_id,
        "organisation.remove",
        "organisation_member",
        member.id,
        before,
        {"organisation": organisation_id},
    )
    return member


def change_role(organisation_id: int, user_id: int, role: str, *, actor_id: int) -> bool:
    """False when the member had that role already. Raises ``LookupError`` or ``LastApprover``
    (the last approver, the actor included, cannot step down)."""
    role = MemberRole(role).value
    _lock_organisation(organisation_id)
    _require_approver(actor_id, organisation_id)
    member = _member(organisation_id, user_id)
    if member.role == role:
        return False
    if member.role == MemberRole.APPROVER and _approvers(organisation_id) <= 1:
        raise LastApprover("the organisation keeps at least one approver")
    before = {"role": member.role}
    member.role = role
    db.session.flush()
    record(
        actor_id,
        "organisation.role",
        "organisation_member",
        member.id,
        before,
        {"role": role, "user": user_id},
    )
    return True
