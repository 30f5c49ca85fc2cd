"""E-mails of the organisation pages, written in the recipient's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import select

from shop.accounts.models import User
from shop.agencies.forms import ROLE_LABELS
from shop.agencies.models import Organisation, OrganisationInvitation
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.urls import absolute_url


def send_invitation(invitation: OrganisationInvitation, token: str, inviter: User) -> None:
    """The link to join the organisation, queued in the outbox (the caller commits). In the
    language of the account with this e-mail when there is one, else Vietnamese."""
    locale = db.session.scalar(select(User.locale).where(User.email == invitation.email)) or "vi"
    organisation = db.session.get(Organisation, invitation.organisation_id)
    with speaking(locale):
        context = {
            "invitation": invitation,
            "organisation": organisation,
            "inviter": inviter,
            "link": absolute_url("agencies.join", token=token, lang=locale),
            "days": current_app.config["ORGANISATION_INVITATION_MAX_AGE_SECONDS"] // 86400,
            "role": str(ROLE_LABELS[invitation.role]).lower(),
            "locale": locale,
        }
        subject = gettext(
            "Join %(organisation)s on OCOP Market", organisation=organisation.legal_name
        )
        text_body = render_template("email/agencies/invitation.txt", **context)
        html_body = render_template("email/agencies/invitation.html", **context)
    send_email(
        invitation.email,
        subject,
        text_body,
        html_body,
        key=f"organisation-invitation-{invitation.id}",
    )
