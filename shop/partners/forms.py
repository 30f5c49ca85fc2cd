"""The office's form for a new API key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from shop.fields import email_field, text_field
from shop.partners.models import RATE_LIMIT_MAX, RATE_LIMIT_MIN


class WholeNumberField(IntegerField):
    """A whole number in ASCII digits; anything else (``6,0``, ``²``, ``1e3``) is left as None
    for ``NumberRange`` to report in one message."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        self.data = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


class ApiKeyForm(FlaskForm):
    name = text_field(_l("Name of the key"), 120, required=_l("Name the key (what it is for)."))
    partner_name = text_field(_l("Partner"), 200, required=_l("Enter the partner's name."))
    contact_email = email_field(
        _l("Partner's contact e-mail"),
        required=_l("Enter the partner's contact e-mail."),
        example=_l("Enter an e-mail address like name@example.com."),
    )
    rate_limit_per_minute = WholeNumberField(
        _l("Requests a minute"),
        default=60,
        validators=[
            InputRequired(_l("Enter how many requests a minute the key may make.")),
            NumberRange(
                min=RATE_LIMIT_MIN,
                max=RATE_LIMIT_MAX,
                message=_l("Enter a whole number from %(min)d to %(max)d."),
            ),
        ],
    )
