"""Outgoing e-mail: SMTP when ``MAIL_SERVER`` is set, else an ``.eml`` file in the outbox.

Without ``MAIL_SERVER`` (a laptop, the demo, the tests) every message is written to
``MAIL_OUTBOX_DIR`` (default ``instance/outbox/``) and its text is logged, so links in it can be
followed from the console. Callers render the bodies in the recipient's language; this module
only builds and delivers the message.
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

from flask import current_app

log = logging.getLogger(__name__)


def build_message(
    to: str, subject: str, text_body: str, html_body: str | None = None
) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ocop.example"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text_body)
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    return message


def send_email(to: str, subject: str, text_body: str, html_body: str | None = None) -> Path | None:
    """Send one message; returns the ``.eml`` path when written to the outbox, None over SMTP.

    Raises ``ValueError`` for a header with a line break, and ``smtplib.SMTPException`` /
    ``OSError`` when the SMTP server refuses or cannot be reached.
    """
    message = build_message(to, subject, text_body, html_body)
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
