"""The checkout form: every field validated with its message next to it."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from shop.accounts.forms import normalize_phone
from shop.checkout.addresses import COMMUNES, canonical_commune, canonical_province
from shop.text import strip
from shop.validators import no_control_characters

NAME_MAX = 120
STREET_MAX = 200
NOTE_MAX = 500


TOKEN_BYTES = 32


def new_checkout_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_checkout_token(value: str | None) -> bool:
    return bool(value) and len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()


class CheckoutForm(FlaskForm):
    # Issued with the form (``new_checkout_token``) and stored on the order it places: the same
    # submission sent again finds that order instead of placing another.
    checkout_token = HiddenField()
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(_l("Enter an e-mail address such as an@example.vn."), check_deliverability=False),
        ],
    )
    phone = TelField(
        _l("Phone"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a phone number the courier can call."))],
    )
    recipient_name = StringField(
        _l("Recipient's name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the name of the person receiving the parcel.")),
            Length(max=NAME_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    province = StringField(
        _l("Province or city"),
        filters=[strip],
        validators=[DataRequired(_l("Choose the province or city."))],
    )
    commune = StringField(
        _l("Commune or ward"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the commune or ward.")),
            Length(max=80, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    street = StringField(
        _l("House number, street, village"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the house number and street, or the village.")),
            Length(max=STREET_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    note = TextAreaField(
        _l("Note for the producers (optional)"),
        filters=[strip],
        validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters."))],
    )
    payment_method = RadioField(
        _l("Payment"),
        validators=[InputRequired(_l("Choose how you will pay."))],
        validate_choice=True,
    )
    adult_confirmed = BooleanField(_l("I am 18 or over (needed for alcoholic drinks)"))
    agree = BooleanField(
        _l("I agree to the terms of sale and the returns and refunds policy"),
        validators=[DataRequired(_l("Please agree to the terms and the returns policy."))],
    )

    def validate_checkout_token(self, field) -> None:
        if not is_checkout_token(field.data):
            field.data = new_checkout_token()
            raise ValidationError(_l("The form had expired; please check it and send it again."))

    # Validators never rewrite the fields, so a form sent back with errors shows exactly what
    # was typed; the cleaned values come from the properties below once the form is valid.

    def validate_phone(self, field) -> None:
        if field.data and normalize_phone(field.data) is None:
            raise ValidationError(
                _l("Enter a phone number such as 0912 345 678, or +44 20 7946 0958 from abroad.")
            )

    def validate_province(self, field) -> None:
        if canonical_province(field.data or "") is None:
            raise ValidationError(_l("Choose a province or city from the list."))

    @property
    def clean_phone(self) -> str:
        return normalize_phone(self.phone.data)

    @property
    def clean_province(self) -> str:
        return canonical_province(self.province.data)

    @property
    def clean_commune(self) -> str:
        """The listed provinces offer their communes as suggestions; a typed name that matches
        one (whatever the accents) takes the list's spelling. The lists are not complete yet,
        so an unlisted commune is kept as typed rather than blocking the order."""
        province = self.clean_province
        if province in COMMUNES:
            return canonical_commune(province, self.commune.data) or self.commune.data
        return self.commune.data
