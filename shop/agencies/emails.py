"""E-mails of the organisation pages, written in the recipient's language."""

from __future__ import annotations

from flask_babel import gettext

from shop import invitations as shared
from shop.accounts.models import User
from shop.agencies.forms import ROLE_LABELS
from shop.agencies.models import Organisation, OrganisationInvitation
from shop.agencies.services import MEMBER_INVITATION
from shop.extensions import db


def send_invitation(invitation: OrganisationInvitation, token: str, inviter: User) -> None:
    """The link to join the organisation, queued in the outbox (the caller commits)."""
    organisation = db.session.get(Organisation, invitation.organisation_id)
    shared.send(
        MEMBER_INVITATION,
        invitation,
        token,
        subject=lambda: gettext(
            "Join %(organisation)s on OCOP Market", organisation=organisation.legal_name
        ),
        template="email/agencies/invitation",
        # A lazy label: the template words it in the recipient's language.
        context={
            "organisation": organisation,
            "inviter": inviter,
            "role_label": ROLE_LABELS[invitation.role],
        },
    )
