"""Recipient links: a batch's recipient who chooses their own address.

The buyer adds the recipient by name and e-mail (or phone) only; when the batch starts, the
recipient is e-mailed a private link (the buyer may also copy it from the batch page). The link
is signed with the shop's key over the recipient's id and a random key stored on the row, so it
cannot be guessed or forged, and the buyer can show it again at any time.

The recipient opens the link (no account), types or confirms the address and, for a set with
rice wine, may choose its alcohol-free variant. Claiming is a compare-and-set (waiting →
pending, only while the batch takes claims and before its ``claim_by`` date): two submissions
at once give one claim. The batch job then creates that recipient's order in its own short
transaction. Links not claimed by the end of ``claim_by`` (Vietnam time) expire: the recipient
fails "not claimed" and nothing is ordered or charged for it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from shop.agencies.models import Organisation
from shop.batches.models import BatchStatus, GiftBatch, GiftBatchRecipient, RecipientStatus
from shop.batches.recipients import Recipient
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.notify import after_commit
from shop.urls import absolute_url

log = logging.getLogger(__name__)

LINK_SALT = "gift-batch-recipient-link"
CLAIM_DAYS = 14  # the default time a recipient has to claim a link
NOT_CLAIMED = "not_claimed"  # the failure reason of an expired link
SEND_CHUNK = 200  # link e-mails queued per transaction

# What a link's page says (``link_state``).
OPEN = "open"
CLAIMED = "claimed"
EXPIRED = "expired"
NOT_STARTED = "not_started"  # the batch is a draft: the link is not sent yet
CLOSED = "closed"  # the batch was cancelled
FAILED = "failed"  # claimed, but the order could not be created


# --- the link ------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def link_token(recipient: GiftBatchRecipient) -> str:
    return _serializer().dumps([recipient.id, recipient.link_key])


def read_link(token: str) -> GiftBatchRecipient | None:
    """The recipient of a link, or None for a link that is not one of ours (bad signature,
    another key, a recipient that is no link)."""
    if not token or len(token) > 200:
        return None
    try:
        recipient_id, key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(recipient_id, int) or not isinstance(key, str):
        return None
    recipient = db.session.get(GiftBatchRecipient, recipient_id)
    if recipient is None or not recipient.by_link or recipient.link_key is None:
        return None
    if not secrets.compare_digest(recipient.link_key, key):
        return None
    return recipient


def link_url(recipient: GiftBatchRecipient, lang: str = "vi") -> str:
    return absolute_url("gift_batches.claim", token=link_token(recipient), lang=lang)


def link_state(recipient: GiftBatchRecipient, batch: GiftBatch, today: date) -> str:
    if recipient.claimed_at is not None:
        # Claimed, but the order could not be created (a set sold out meanwhile, say).
        return FAILED if recipient.status == RecipientStatus.FAILED else CLAIMED
    if recipient.status == RecipientStatus.FAILED:
        return EXPIRED
    if batch.status == BatchStatus.DRAFT:
        return NOT_STARTED
    if batch.status not in (BatchStatus.CREATING, BatchStatus.CLAIMING):
        return CLOSED
    if batch.claim_by is None or batch.claim_by < today:
        return EXPIRED
    return OPEN


# --- the buyer's rule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    value: date | None
    error: str | None = None


def claim_deadline(recipients: list[Recipient], today: date, wanted: date | None) -> Deadline:
    """The batch's ``claim_by``: the buyer's date, or 14 days from today; never after the
    latest deliver-on date of the recipient links (a gift cannot be claimed after it was
    to arrive). None without recipient links."""
    links = [r for r in recipients if r.by_link]
    if not links:
        return Deadline(None)
    dates = [r.deliver_on for r in links if r.deliver_on]
    latest = max(dates) if dates else None
    if wanted is None:
        value = today + timedelta(days=CLAIM_DAYS)
        return Deadline(min(value, latest) if latest else value)
    if wanted < today:
        return Deadline(None, gettext("The date has passed."))
    if latest is not None and wanted > latest:
        return Deadline(
            None,
            gettext(
                "Links must close by the latest delivery date of their recipients, %(date)s.",
                date=latest.strftime("%d/%m/%Y"),
            ),
        )
    return Deadline(wanted)


# --- claiming ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    name: str
    phone: str  # E.164
    province_code: int
    commune_code: int
    street: str
    alcohol_free: bool


def claim(recipient_id: int, claim_: Claim, *, today: date, now: datetime) -> bool:
    """The recipient gives the address: waiting → pending with it, once, while the batch
    takes claims and its ``claim_by`` has not passed (compare-and-set; False otherwise). The
    recipient's order is created by the job, enqueued when this commits."""
    open_batches = select(GiftBatch.id).where(
        GiftBatch.status.in_([BatchStatus.CREATING, BatchStatus.CLAIMING]),
        GiftBatch.claim_by >= today,
    )
    done = db.session.execute(
        update(GiftBatchRecipient)
        .where(
            GiftBatchRecipient.id == recipient_id,
            GiftBatchRecipient.status == RecipientStatus.WAITING,
            GiftBatchRecipient.by_link.is_(True),
            GiftBatchRecipient.batch_id.in_(open_batches),
        )
        .values(
            status=RecipientStatus.PENDING,
            name=claim_.name,
            phone=claim_.phone,
            province_code=claim_.province_code,
            commune_code=claim_.commune_code,
            street=claim_.street,
            alcohol_free=claim_.alcohol_free,
            claimed_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    batch_id = db.session.scalar(
        select(GiftBatchRecipient.batch_id).where(GiftBatchRecipient.id == recipient_id)
    )
    log.info("gift batch %s: recipient %s claimed the link", batch_id, recipient_id)
    after_commit(db.session(), lambda: _enqueue(batch_id, recipient_id))
    return True


def _enqueue(batch_id: int, recipient_id: int) -> None:
    from shop.jobs import create_batch_orders

    create_batch_orders(batch_id, recipient_id)


# --- e-mailing the links -------------------------------------------------------------------------


def send_links(batch_id: int) -> int:
    """Queue the link e-mail of every waiting recipient with an e-mail address (once each:
    the outbox key), a few hundred per short transaction. Commits."""
    batch = db.session.get(GiftBatch, batch_id)
    organisation = db.session.get(Organisation, batch.organisation_id)
    sender, claim_by = organisation.legal_name, batch.claim_by
    ids = list(
        db.session.scalars(
            select(GiftBatchRecipient.id)
            .where(
                GiftBatchRecipient.batch_id == batch_id,
                GiftBatchRecipient.status == RecipientStatus.WAITING,
                GiftBatchRecipient.email.is_not(None),
            )
            .order_by(GiftBatchRecipient.row)
        )
    )
    db.session.rollback()
    for start in range(0, len(ids), SEND_CHUNK):
        begin_write_transaction(db.session)
        for recipient in db.session.scalars(
            select(GiftBatchRecipient).where(
                GiftBatchRecipient.id.in_(ids[start : start + SEND_CHUNK])
            )
        ):
            _send_link(recipient, sender, claim_by)
        db.session.commit()
    return len(ids)


def _send_link(recipient: GiftBatchRecipient, sender: str, claim_by: date | None) -> None:
    """One e-mail in Vietnamese then English (the recipient's language is not known)."""
    parts, subjects = [], []
    for lang in ("vi", "en"):
        with speaking(lang):
            parts.append(
                render_template(
                    "email/batches/recipient_link.txt",
                    recipient=recipient,
                    sender=sender,
                    claim_by=claim_by,
                    link=link_url(recipient, lang),
                )
            )
            subjects.append(gettext("A gift from %(sender)s", sender=sender))
    send_email(
        recipient.email,
        " / ".join(subjects),
        "\n\n----\n\n".join(parts),
        key=f"gift-batch-link-{recipient.id}",
    )


# --- expiry --------------------------------------------------------------------------------------


def expire_links(today: date | None = None) -> int:
    """The hourly job: in every batch whose ``claim_by`` has passed, each link still waiting
    fails "not claimed" (compare-and-set, so a claim racing it wins or loses whole); the batch
    then ends created or partly created. Commits; returns the links expired."""
    from shop.batches.services import _finish
    from shop.templating import local_today

    today = today or local_today()
    batch_ids = list(
        db.session.scalars(
            select(GiftBatch.id)
            .where(
                GiftBatch.status.in_([BatchStatus.CREATING, BatchStatus.CLAIMING]),
                GiftBatch.claim_by < today,
            )
            .order_by(GiftBatch.id)
        )
    )
    db.session.rollback()
    total = 0
    for batch_id in batch_ids:
        begin_write_transaction(db.session)
        count = db.session.execute(
            update(GiftBatchRecipient)
            .where(
                GiftBatchRecipient.batch_id == batch_id,
                GiftBatchRecipient.status == RecipientStatus.WAITING,
            )
            .values(status=RecipientStatus.FAILED, error=NOT_CLAIMED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if count:
            db.session.execute(
                update(GiftBatch)
                .where(GiftBatch.id == batch_id)
                .values(failed_count=GiftBatch.failed_count + count)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        total += count
        _finish(batch_id)
    if total:
        log.info("gift links: %d expired unclaimed", total)
    return total


def waiting_links(batch_id: int) -> int:
    return len(
        db.session.scalars(
            select(GiftBatchRecipient.id).where(
                GiftBatchRecipient.batch_id == batch_id,
                GiftBatchRecipient.status == RecipientStatus.WAITING,
            )
        ).all()
    )
