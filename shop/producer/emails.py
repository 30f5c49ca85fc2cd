"""E-mails of the producer portal, written in the recipient's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import select

from shop.accounts.models import User
from shop.catalog.models import Producer
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.producer.models import ProducerInvitation
from shop.urls import absolute_url


def send_staff_invitation(invitation: ProducerInvitation, token: str, inviter: User) -> None:
    """The link to join the producer's staff, queued in the outbox (the caller commits). In the
    language of the account with this e-mail when there is one, else Vietnamese."""
    locale = db.session.scalar(select(User.locale).where(User.email == invitation.email)) or "vi"
    producer = db.session.get(Producer, invitation.producer_id)
    with speaking(locale):
        context = {
            "invitation": invitation,
            "producer": producer,
            "inviter": inviter,
            "link": absolute_url("producer.join", token=token, lang=locale),
            "days": current_app.config["STAFF_INVITATION_MAX_AGE_SECONDS"] // 86400,
            "locale": locale,
        }
        subject = gettext("Join %(producer)s on OCOP Market", producer=producer.name)
        text_body = render_template("email/producer/staff_invitation.txt", **context)
        html_body = render_template("email/producer/staff_invitation.html", **context)
    send_email(
        invitation.email, subject, text_body, html_body, key=f"staff-invitation-{invitation.id}"
    )
