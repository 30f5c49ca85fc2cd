"""E-mails of the producer portal, written in the recipient's language."""

from __future__ import annotations

from flask_babel import gettext

from shop import invitations as shared
from shop.accounts.models import User
from shop.catalog.models import Producer
from shop.extensions import db
from shop.producer.invitations import STAFF_INVITATION
from shop.producer.models import ProducerInvitation


def send_staff_invitation(invitation: ProducerInvitation, token: str, inviter: User) -> None:
    """The link to join the producer's staff, queued in the outbox (the caller commits)."""
    producer = db.session.get(Producer, invitation.producer_id)
    shared.send(
        STAFF_INVITATION,
        invitation,
        token,
        subject=lambda: gettext("Join %(producer)s on OCOP Market", producer=producer.name),
        template="email/producer/staff_invitation",
        context={"producer": producer, "inviter": inviter},
    )
