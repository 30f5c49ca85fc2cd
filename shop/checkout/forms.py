"""The checkout form: every field validated with its message next to it."""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from shop.accounts.forms import normalize_phone
from shop.addresses.services import (
    Address,
    Commune,
    communes_named,
    find_commune,
    find_province,
    provinces,
    search_communes,
)
from shop.text import strip
from shop.validators import no_control_characters

NAME_MAX = 120
STREET_MAX = 200
NOTE_MAX = 500


TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # ASCII only: no Unicode letters or digits


def new_checkout_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_checkout_token(value: str | None) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.fullmatch(value) is not None


def _province_value(value: object) -> str:
    found = find_province(value) if isinstance(value, str | int) else None
    return str(found.code) if found else ("" if value is None else str(value))


class CheckoutForm(FlaskForm):
    # Issued with the form (``new_checkout_token``) and stored on the order it places: the same
    # submission sent again finds that order instead of placing another.
    checkout_token = HiddenField()
    # Communes offered as a choice after "Find" or an ambiguous name (see ``find_commune``).
    commune_matches: list[Commune]

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
    # A list of the 34 provinces by code; a posted name ("Ha Noi") is taken as its code too.
    province = SelectField(
        _l("Province or city"),
        filters=[strip],
        coerce=_province_value,
        validate_choice=False,
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commune_matches = []
        # Place names are Vietnamese proper names in both languages (lang for screen readers).
        self.province.choices = [("", _("Choose…"), {})] + [
            (str(p.code), p.name, {"lang": "vi"}) for p in provinces()
        ]

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
        if find_province(field.data) is None:
            raise ValidationError(_l("Choose a province or city from the list."))

    def validate_commune(self, field) -> None:
        """The commune must be one of the chosen province's, named exactly or unambiguously."""
        province = find_province(self.province.data)
        if province is None or not field.data:
            return
        matches = find_commune(province.code, field.data)
        if len(matches) == 1:
            return
        if matches:
            self.commune_matches = matches
            raise ValidationError(_("Several communes or wards have that name; choose one."))
        elsewhere = sorted({c.province.name for c in communes_named(field.data)})
        if elsewhere:
            raise ValidationError(
                _(
                    "%(commune)s is in %(other)s, not in %(province)s: choose %(other)s as the "
                    "province, or a commune or ward of %(province)s.",
                    commune=field.data,
                    other=", ".join(elsewhere),
                    province=province.name,
                )
            )
        raise ValidationError(
            _(
                "%(province)s has no commune or ward called “%(commune)s”: check the "
                "spelling, or use “Find the commune or ward” to see the list.",
                commune=field.data,
                province=province.name,
            )
        )

    def find_commune(self) -> None:
        """The no-JavaScript search step: a commune found for what was typed fills the field,
        several are offered as a choice, none gets a message. Nothing else is checked."""
        province = find_province(self.province.data)
        if province is None:
            self.province.errors = [_("Choose the province or city first.")]
            return
        matches = find_commune(province.code, self.commune.data)
        if len(matches) != 1:
            matches = search_communes(
                province.code, self.commune.data, limit=None if not self.commune.data else 50
            )
        if len(matches) == 1:
            self.commune.data = matches[0].name
        elif matches:
            self.commune_matches = matches
        else:
            self.commune.errors = [
                _(
                    "No commune or ward of %(province)s matches “%(commune)s”.",
                    commune=self.commune.data,
                    province=province.name,
                )
            ]

    @property
    def clean_phone(self) -> str:
        return normalize_phone(self.phone.data)

    @property
    def clean_address(self) -> Address:
        """The province and commune from the list (the form has validated)."""
        province = find_province(self.province.data)
        (commune,) = find_commune(province.code, self.commune.data)
        return Address(province=province, commune=commune)
