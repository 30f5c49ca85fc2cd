"""The buyer's quote request and the office's pricing form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from shop.text import strip
from shop.validators import no_control_characters

MAX_AMOUNT = 2_000_000_000  # đồng: an INTEGER column's range, far above any batch


class QuoteRequestForm(FlaskForm):
    po_number = StringField(
        _l("Purchase order number (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=60, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    adult_confirmed = BooleanField(_l("The recipients of sets with rice wine are 18 or over"))


class SendQuoteForm(FlaskForm):
    delivery_vnd = IntegerField(
        _l("Delivery (đồng, for the whole batch)"),
        validators=[
            InputRequired(message=_l("Enter an amount in đồng (0 for free delivery).")),
            NumberRange(min=0, max=MAX_AMOUNT, message=_l("Enter an amount from 0 to %(max)d.")),
        ],
    )
    discount_vnd = IntegerField(
        _l("Discount (đồng)"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter an amount in đồng (0 for none).")),
            NumberRange(min=0, max=MAX_AMOUNT, message=_l("Enter an amount from 0 to %(max)d.")),
        ],
    )
    valid_until = DateField(
        _l("Valid until (last day)"),
        validators=[InputRequired(message=_l("Enter the last day the prices hold."))],
    )
