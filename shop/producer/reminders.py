"""Reminders that an OCOP certificate is about to expire, e-mailed to its producer.

A certificate in force (not revoked, last valid day today or later, not replaced) whose days
left — its last valid day minus today, both dates in Vietnam — reach one of ``REMINDER_DAYS``
gets the reminder of the smallest threshold reached, unless that reminder was sent before. So
a job that did not run for a few days still sends the one that is due (91 → 45 days left: the
60-day reminder, never the 90-day one as well), and a reminder is never sent twice.

A certificate is replaced when its product or experience holds another one, not revoked, that
runs past it (a re-evaluation recorded by the OCOP office): nothing to remind then.

Who gets it: the producer's admin accounts (producer staff with ``producer_admin``, active),
each in their own language, one e-mail per language with that language's admins in ``To``. A
producer without an active admin account gets it at its ``contact_email``, in Vietnamese; a
producer with neither gets nothing (logged), and a producer the OCOP office switched off
(``Producer.active`` false) gets nothing.

"Sent before" is the outbox: each e-mail has the key
``certificate-reminder-<certificate id>-<threshold>-<language>``, and a reminder counts as sent
when the outbox holds it in either language. The due certificates are locked (``FOR UPDATE``
on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before the outbox is read, so two runs at once —
the worker on two machines, or the worker and ``flask ocop remind-certificates`` — write each
reminder once.

This lives with the producer portal: it reads certificates of products (catalogue) and of
experiences (tourism), the producer's staff accounts, and links to the portal's overview, which
lists every certificate expiring within 90 days.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template
from flask_babel import gettext, ngettext
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from shop.accounts.models import Role, User
from shop.catalog.models import NOT_IN_FORCE, OcopCertificate, Producer, Product
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.outbox.models import OutboxMessage
from shop.templating import localized_in
from shop.tourism.models import Experience
from shop.urls import absolute_url

log = logging.getLogger(__name__)

# Days before the last valid day at which the producer is reminded, largest first.
REMINDER_DAYS: tuple[int, ...] = (90, 60, 30)
LANGUAGES = ("vi", "en")


def due_threshold(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days left: the smallest threshold reached (75 → 90,
    45 → 60, 12 → 30), None above the largest or after the last valid day."""
    if days_left < 0:
        return None
    reached = [threshold for threshold in REMINDER_DAYS if days_left <= threshold]
    return min(reached, default=None)


def reminder_key(certificate_id: int, threshold: int, language: str) -> str:
    return f"certificate-reminder-{certificate_id}-{threshold}-{language}"


@dataclass
class ReminderRun:
    reminders: int = 0  # certificates reminded (one threshold each)
    emails: int = 0  # e-mails written to the outbox
    unreachable: int = 0  # due, but the producer has no admin account and no contact e-mail


@dataclass(frozen=True)
class _Due:
    certificate: OcopCertificate
    subject: Product | Experience
    is_experience: bool
    producer: Producer
    days_left: int
    threshold: int


def send_certificate_reminders(today: date) -> ReminderRun:
    """Write the reminders due on ``today`` (a date in Vietnam) to the outbox, in the caller's
    write transaction (flush, no commit). Idempotent."""
    run = ReminderRun()
    due = _due_reminders(today)
    if not due:
        return run
    admins = admins_by_producer({item.producer.id for item in due})
    for item in due:
        recipients = producer_recipients(item.producer, admins.get(item.producer.id, []))
        if not recipients:
            log.warning(
                "certificate %s: reminder %s due but producer %s has no admin account and no "
                "contact e-mail",
                item.certificate.certificate_number,
                item.threshold,
                item.producer.id,
            )
            run.unreachable += 1
            continue
        for language, addresses in recipients.items():
            _send(item, language, addresses, today)
            run.emails += 1
        run.reminders += 1
    return run


def _due_reminders(today: date) -> list[_Due]:
    """The certificates in force with a reminder due and not yet sent, locked, by id."""
    certificate = OcopCertificate
    later = aliased(OcopCertificate)
    replaced = exists().where(
        later.id != certificate.id,
        later.status.not_in(NOT_IN_FORCE),
        later.valid_until > certificate.valid_until,
        or_(
            later.product_id == certificate.product_id,
            later.experience_id == certificate.experience_id,
        ),
    )
    candidates = db.session.scalars(
        select(certificate.id)
        .outerjoin(Product, certificate.product_id == Product.id)
        .outerjoin(Experience, certificate.experience_id == Experience.id)
        .join(Producer, Producer.id == func.coalesce(Product.producer_id, Experience.producer_id))
        .where(
            certificate.status.not_in(NOT_IN_FORCE),
            certificate.valid_until >= today,
            certificate.valid_until <= today + timedelta(days=max(REMINDER_DAYS)),
            Producer.active,
            ~replaced,
        )
        .order_by(certificate.id)
    ).all()
    if not candidates:
        return []
    # Lock them (in id order) before reading the outbox: a second run waits here for the first
    # one's commit, then finds its reminders sent.
    rows = db.session.execute(
        select(certificate, Product, Experience)
        .outerjoin(Product, certificate.product_id == Product.id)
        .outerjoin(Experience, certificate.experience_id == Experience.id)
        .where(certificate.id.in_(candidates))
        .order_by(certificate.id)
        .with_for_update(of=certificate)
        .execution_options(populate_existing=True)
    ).all()
    wanted: list[tuple[OcopCertificate, Product | Experience, bool, int, int]] = []
    for cert, product, experience in rows:
        days_left = (cert.valid_until - today).days
        threshold = due_threshold(days_left)
        if threshold is None or cert.status in NOT_IN_FORCE:
            continue
        thing, is_experience = (experience, True) if product is None else (product, False)
        wanted.append((cert, thing, is_experience, days_left, threshold))
    keys = [reminder_key(c.id, t, language) for c, _, _, _, t in wanted for language in LANGUAGES]
    sent = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))
        )
    )
    producers = {
        p.id: p
        for p in db.session.scalars(
            select(Producer).where(Producer.id.in_({thing.producer_id for _, thing, *_ in wanted}))
        )
    }
    return [
        _Due(cert, thing, is_experience, producers[thing.producer_id], days_left, threshold)
        for cert, thing, is_experience, days_left, threshold in wanted
        if not any(reminder_key(cert.id, threshold, language) in sent for language in LANGUAGES)
    ]


def admins_by_producer(producer_ids: set[int]) -> dict[int, list[User]]:
    admins: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(
        select(User)
        .where(
            User.role == Role.PRODUCER_STAFF,
            User.producer_id.in_(producer_ids),
            User.producer_admin,
            User.active,
        )
        .order_by(User.id)
    ):
        admins[user.producer_id].append(user)
    return admins


def producer_recipients(producer: Producer, admins: list[User]) -> dict[str, list[str]]:
    """Addresses by language: the admins in their own, else the contact e-mail in Vietnamese."""
    by_language: dict[str, list[str]] = {}
    for user in admins:
        language = user.locale if user.locale in LANGUAGES else "vi"
        by_language.setdefault(language, []).append(user.email)
    if not by_language and producer.contact_email:
        by_language["vi"] = [producer.contact_email.strip()]
    return {language: by_language[language] for language in LANGUAGES if language in by_language}


def _send(item: _Due, language: str, addresses: list[str], today: date) -> None:
    with speaking(language):
        name = localized_in(item.subject, "name", language)
        context = {
            "certificate": item.certificate,
            "name": name,
            "is_experience": item.is_experience,
            "producer": item.producer,
            "days_left": item.days_left,
            "today": today,
            "link": absolute_url("producer.dashboard", lang=language, _anchor="cert-h"),
            "locale": language,
        }
        if item.days_left == 0:
            subject = gettext("OCOP certificate of %(name)s: last valid day today", name=name)
        else:
            subject = ngettext(
                "OCOP certificate of %(name)s: %(num)d day left",
                "OCOP certificate of %(name)s: %(num)d days left",
                item.days_left,
                name=name,
            )
        text_body = render_template("email/producer/certificate_reminder.txt", **context)
        html_body = render_template("email/producer/certificate_reminder.html", **context)
    send_email(
        ", ".join(addresses),
        subject,
        text_body,
        html_body,
        key=reminder_key(item.certificate.id, item.threshold, language),
    )
