"""The e-mail telling the buyer their quote is ready, in their language."""

from __future__ import annotations

from flask_babel import gettext

from shop.accounts.models import User
from shop.agencies.models import Organisation
from shop.extensions import db
from shop.i18n import speaking
from shop.mail import send_email
from shop.quotes.models import Quote
from shop.urls import absolute_url


def send_quote_email(quote: Quote) -> None:
    """Queued in the outbox in the caller's transaction: delivered once the sending commits,
    never if it rolls back."""
    from flask import render_template

    buyer = db.session.get(User, quote.requested_by_id)
    organisation = db.session.get(Organisation, quote.organisation_id)
    locale = buyer.locale if buyer.locale in ("vi", "en") else "vi"
    with speaking(locale):
        context = {
            "quote": quote,
            "organisation": organisation,
            "buyer": buyer,
            "link": absolute_url("gift_batches.batch", batch_id=quote.batch_id, lang=locale),
            "pdf": absolute_url("quotes.pdf", quote_id=quote.id, lang=locale),
            "locale": locale,
            "replaces": db.session.get(Quote, quote.replaces_id) if quote.replaces_id else None,
        }
        if context["replaces"] is not None:
            subject = gettext("Your revised quote %(reference)s", reference=quote.reference)
        else:
            subject = gettext("Your quote %(reference)s is ready", reference=quote.reference)
        text_body = render_template("email/quotes/sent.txt", **context)
        html_body = render_template("email/quotes/sent.html", **context)
    send_email(buyer.email, subject, text_body, html_body, key=f"quote-sent-{quote.id}")
