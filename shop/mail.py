"""Outgoing e-mail: queued in the outbox table, delivered by the job worker.

``send_email`` writes the message to the outbox in the caller's transaction (the caller
commits); the worker then calls ``deliver_email``: SMTP when ``MAIL_SERVER`` is set, else an
``.eml`` file in ``MAIL_OUTBOX_DIR`` (default ``instance/outbox/``) with its text logged, so
links in it can be followed from the console (a laptop, the demo, the tests). Callers render
the bodies in the recipient's language; this module only builds and delivers the message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from shop.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def build_message(
    to: str,
    subject: str,
    text_body: str,
    html_body: str | None = None,
    *,
    idempotency_key: str | None = None,
) -> EmailMessage:
    """The message; its Message-ID comes from the outbox key, so a retry is the same e-mail."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ocop.example"
    if idempotency_key:
        message["Message-ID"] = f"<{idempotency_key}@{domain}>"
    else:
        message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text_body)
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    return message


def send_email(
    to: str, subject: str, text_body: str, html_body: str | None = None, *, key: str | None = None
) -> OutboxMessage:
    """Queue one message in the outbox, in the current transaction: it is delivered after the
    caller commits, and never if the transaction rolls back. ``key`` makes it idempotent.

    Raises ``ValueError`` for a header with a line break.
    """
    from shop.outbox.services import enqueue_email

    return enqueue_email(to, subject, text_body, html_body, key=key)


def deliver_email(payload: dict, idempotency_key: str) -> Path | None:
    """Deliver one outbox e-mail now (the worker calls this); returns the ``.eml`` path when
    written to ``MAIL_OUTBOX_DIR``, None over SMTP.

    Raises ``smtplib.SMTPException`` / ``OSError`` when the SMTP server refuses or cannot be
    reached; the outbox retries later.
    """
    to, subject, text_body = payload["to"], payload["subject"], payload["text_body"]
    message = build_message(
        to, subject, text_body, payload.get("html_body"), idempotency_key=idempotency_key
    )
    config = current_app.config
    if config.get("MAIL_SERVER"):
        _send_smtp(message)
        log.info("e-mail sent to %s: %s", to, subject)
        return None
    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    path.write_bytes(message.as_bytes())
    log.info("e-mail to %s written to %s: %s\n%s", to, path, subject, text_body)
    return path


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())  # verifies the certificate
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
