"""The checkout form: every field validated with its message next to it."""

from __future__ import annotations

import re
import secrets

from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms import (
    Form as NestedForm,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from shop import fields
from shop.accounts.forms import normalize_phone
from shop.addresses.services import (
    Address,
    find_commune,
    find_province,
    search_communes,
)
from shop.invoicing.forms import InvoiceFields
from shop.text import strip
from shop.validators import no_control_characters

NAME_MAX = 120
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


PASSPORT_PATTERN = r"[A-Za-z0-9]{5,20}"
MAX_GUESTS = 20


def nationality_choices(lang: str) -> list[tuple[str, str]]:
    """Countries by ISO 3166 alpha-2 code, named in ``lang`` (Babel's territory names), without
    Việt Nam (a Vietnamese citizen needs no police declaration by the host)."""
    names = Locale.parse(lang).territories
    codes = sorted(
        (code for code in names if len(code) == 2 and code.isalpha() and code != "VN"),
        key=lambda code: names[code],
    )
    return [("", _("Choose…"))] + [(code, names[code]) for code in codes]


class GuestForm(NestedForm):
    """One foreign guest of an overnight stay, for the host's police residence declaration.
    A row left empty is skipped; a row begun must be complete."""

    full_name = StringField(
        _l("Full name as in the passport"),
        filters=[strip],
        validators=[Optional(), Length(max=NAME_MAX), no_control_characters],
    )
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        render_kw={"type": "date"},
    )
    passport_number = StringField(
        _l("Passport number"),
        filters=[strip],
        validators=[
            Optional(),
            Regexp(PASSPORT_PATTERN, message=_l("Letters and digits only, 5 to 20 of them.")),
        ],
    )

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.full_name.data,
                self.nationality.data,
                self.date_of_birth.data,
                self.passport_number.data,
            )
        )

    def check_complete(self, today) -> bool:
        """Message each missing or impossible part; True when the guest is complete."""
        ok = True
        if not self.full_name.data:
            self.full_name.errors = [*self.full_name.errors, _("Enter the guest's full name.")]
            ok = False
        choices = {code for code, _name in self.nationality.choices}
        if not self.nationality.data or self.nationality.data not in choices:
            self.nationality.errors = [*self.nationality.errors, _("Choose the nationality.")]
            ok = False
        born = self.date_of_birth.data
        if born is None:
            if not self.date_of_birth.errors:
                self.date_of_birth.errors = [_("Enter the date of birth.")]
            ok = False
        elif born > today or born.year < today.year - 120:
            self.date_of_birth.errors = [_("Enter a real date of birth.")]
            ok = False
        if not self.passport_number.data:
            self.passport_number.errors = [
                *self.passport_number.errors,
                _("Enter the passport number."),
            ]
            ok = False
        return ok and not self.errors


class CheckoutForm(InvoiceFields, fields.AddressFields, FlaskForm):
    # Issued with the form (``new_checkout_token``) and stored on the order it places: the same
    # submission sent again finds that order instead of placing another.
    checkout_token = HiddenField()

    email = fields.email_field(
        _l("E-mail"),
        required=_l("Enter your e-mail address."),
        example=_l("Enter an e-mail address such as an@example.vn."),
    )
    phone = TelField(
        _l("Phone"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a phone number the courier can call."))],
    )
    recipient_name = fields.text_field(
        _l("Recipient's name"),
        NAME_MAX,
        required=_l("Enter the name of the person receiving the parcel."),
    )
    # A list of the 34 provinces by code; a posted name ("Ha Noi") is taken as its code too.
    province = fields.province_field(coerce=_province_value)
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
    # Experiences: who leads the party at the meeting point.
    lead_name = fields.text_field(_l("Lead guest's name"), NAME_MAX)
    lead_phone = TelField(_l("Lead guest's phone"), filters=[strip], validators=[Optional()])
    # Overnight stays: foreign guests' identity for the police declaration, with consent.
    foreign_guests = BooleanField(_l("Guests with a foreign passport will stay overnight"))
    guests = FieldList(FormField(GuestForm), min_entries=0, max_entries=MAX_GUESTS)
    guests_consent = BooleanField(
        _l(
            "I consent to giving these guests' passport details to the host for the police "
            "residence declaration; they are erased 30 days after the stay."
        )
    )
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

    def validate_lead_phone(self, field) -> None:
        if field.data and normalize_phone(field.data) is None:
            raise ValidationError(
                _l("Enter a phone number such as 0912 345 678, or +44 20 7946 0958 from abroad.")
            )

    def without_delivery(self) -> None:
        """An order of experiences only: no address fields at all."""
        for name in ("province", "commune", "street"):
            delattr(self, name)

    def prepare_guests(self, rows: int, lang: str) -> None:
        """Offer ``rows`` guest rows (what was posted is kept) with countries in ``lang``."""
        while len(self.guests.entries) < min(rows, MAX_GUESTS):
            self.guests.append_entry()
        choices = nationality_choices(lang)
        for entry in self.guests.entries:
            entry.form.nationality.choices = choices

    def check_bookings(self, *, overnight: bool, today) -> bool:
        """The lead guest (name and phone, defaulting to the contact's), and for an overnight
        stay with foreign guests each guest row complete, at least one, and consent."""
        ok = True
        if overnight and self.foreign_guests.data:
            rows = [entry.form for entry in self.guests.entries if not entry.form.is_empty]
            if not rows:
                self.foreign_guests.errors = [
                    *self.foreign_guests.errors,
                    _("Enter at least one guest, or untick this box."),
                ]
                ok = False
            for row in rows:
                ok = row.check_complete(today) and ok
            if not self.guests_consent.data:
                self.guests_consent.errors = [
                    *self.guests_consent.errors,
                    _("The host needs your consent to declare foreign guests."),
                ]
                ok = False
        return ok

    @property
    def foreign_guest_rows(self) -> list[dict]:
        """The complete guest rows, as ``shop.tourism.models.Guest`` fields."""
        if not self.foreign_guests.data:
            return []
        return [
            {
                "full_name": entry.form.full_name.data,
                "nationality": entry.form.nationality.data,
                "date_of_birth": entry.form.date_of_birth.data,
                "passport_number": entry.form.passport_number.data.upper(),
            }
            for entry in self.guests.entries
            if not entry.form.is_empty
        ]

    def validate_phone(self, field) -> None:
        if field.data and normalize_phone(field.data) is None:
            raise ValidationError(
                _l("Enter a phone number such as 0912 345 678, or +44 20 7946 0958 from abroad.")
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
