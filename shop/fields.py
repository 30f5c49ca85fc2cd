"""Form fields the checkout, the organisation pages and the invoice forms have in common: one
definition of a text line, an e-mail address and the two-level address (province or city, then
commune or ward, then the street), so the same field is labelled, cleaned and checked alike
everywhere."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from shop.addresses.services import Commune, communes_named, find_commune, find_province, provinces
from shop.text import strip
from shop.validators import no_control_characters

EMAIL_MAX = 254
COMMUNE_MAX = 80
STREET_MAX = 200

AT_MOST = _l("At most %(max)d characters.")


def text_field(label, max_length: int, *, required=None, **kwargs) -> StringField:
    """A line of text, trimmed, without control characters. ``required``: a message (the field
    must be filled), a validator of its own (filled when the form asks), or None (optional)."""
    if required is None:
        first = [Optional()]
    elif callable(required):
        first = [required]
    else:
        first = [DataRequired(required)]
    return StringField(
        label,
        filters=[strip],
        validators=[*first, Length(max=max_length, message=AT_MOST), no_control_characters],
        **kwargs,
    )


def email_field(label, *, required, example=None) -> EmailField:
    """An e-mail address, trimmed. ``required``: a message, or a validator of the form's own (an
    empty field then stops there); ``example`` is the message
    for a malformed address (None: the form checks the format itself, e.g. only when asked)."""
    first = [required, Optional()] if callable(required) else [DataRequired(required)]
    format_check = [Email(example, check_deliverability=False)] if example is not None else []
    return EmailField(
        label,
        filters=[strip],
        validators=[*first, Length(max=EMAIL_MAX, message=AT_MOST), *format_check],
    )


# --- the address ---------------------------------------------------------------------------------


def province_field(**kwargs) -> SelectField:
    """The 34 provinces and cities by code (choices from ``province_choices``)."""
    return SelectField(
        _l("Province or city"),
        filters=[strip],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the province or city."))],
        **kwargs,
    )


def province_choices() -> list[tuple[str, str, dict]]:
    # Place names are Vietnamese proper names in both languages (lang for screen readers).
    return [("", _l("Choose…"), {})] + [(str(p.code), p.name, {"lang": "vi"}) for p in provinces()]


def commune_field() -> StringField:
    return text_field(_l("Commune or ward"), COMMUNE_MAX, required=_l("Enter the commune or ward."))


def street_field() -> StringField:
    return text_field(
        _l("House number, street, village"),
        STREET_MAX,
        required=_l("Enter the house number and street, or the village."),
    )


class AddressFields:
    """The two-level address mixed into a Flask-WTF form: the province from the list, a commune
    or ward of it named exactly or unambiguously (several of that name: ``commune_matches``
    offers them as a choice), the street. Validators never rewrite the fields, so a form sent
    back shows what was typed."""

    province = province_field()
    commune = commune_field()
    street = street_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Communes offered as a choice after an ambiguous name (or the checkout's "Find").
        self.commune_matches: list[Commune] = []
        self.province.choices = province_choices()

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

    @property
    def province_code(self) -> int:
        return find_province(self.province.data).code

    @property
    def commune_code(self) -> int:
        return find_commune(self.province_code, self.commune.data)[0].code
