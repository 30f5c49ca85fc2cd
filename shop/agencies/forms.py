"""Forms of the organisation pages: every field validated with its message next to it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from shop.addresses.services import find_commune, find_province, provinces
from shop.agencies.models import MAX_PAYMENT_TERMS_DAYS, MemberRole
from shop.agencies.taxcode import normalize_tax_code
from shop.text import strip
from shop.validators import no_control_characters

ROLE_LABELS = {
    MemberRole.BUYER.value: _l("Buyer"),
    MemberRole.APPROVER.value: _l("Approver"),
    MemberRole.ACCOUNTANT.value: _l("Accountant"),
}


class InvoiceDataForm(FlaskForm):
    """Legal name, MST, two-level address and e-mail; the commune is typed (suggested by the
    checkout's script) and must be one of the province's."""

    tax_required = True

    legal_name = StringField(
        _l("Legal name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the organisation's legal name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    tax_code = StringField(_l("Tax code (MST)"), filters=[strip])
    province = SelectField(
        _l("Province or city"),
        filters=[strip],
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
        _l("House number, street"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the house number and street.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    invoice_email = EmailField(
        _l("E-mail for invoices"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the e-mail address invoices go to.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(
                _l("Enter an e-mail address such as ketoan@example.vn."), check_deliverability=False
            ),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(p.code), p.name, render_kw={"lang": "vi"}) for p in provinces()
        ]

    def validate_tax_code(self, field) -> None:
        if not field.data:
            if self.tax_required:
                raise ValidationError(_l("Enter the tax code (MST)."))
            return
        if normalize_tax_code(field.data) is None:
            raise ValidationError(
                _l("A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a branch.")
            )

    def validate_province(self, field) -> None:
        if find_province(field.data) is None:
            raise ValidationError(_l("Choose a province or city from the list."))

    def validate_commune(self, field) -> None:
        province = find_province(self.province.data)
        if province is None or not field.data:
            return
        if len(find_commune(province.code, field.data)) != 1:
            raise ValidationError(
                _l("Choose a commune or ward of the chosen province from the suggestions.")
            )

    @property
    def province_code(self) -> int:
        return find_province(self.province.data).code

    @property
    def commune_code(self) -> int:
        return find_commune(self.province_code, self.commune.data)[0].code


class OrganisationForm(InvoiceDataForm):
    approval_threshold_vnd = IntegerField(
        _l("Orders above this amount (₫) need an approver's sign-off"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10**12, message=_l("Enter an amount of 0 ₫ or more.")),
        ],
    )


class BillingEntityForm(InvoiceDataForm):
    tax_required = False
    name = StringField(
        _l("Department"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the department's name.")),
            Length(max=120, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    is_default = BooleanField(_l("Use by default"))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the e-mail address to invite.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(
                _l("Enter an e-mail address such as name@example.com."), check_deliverability=False
            ),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
        default=MemberRole.BUYER.value,
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()]
    )


class DecisionForm(FlaskForm):
    note = TextAreaField(
        _l("Note (optional)"),
        filters=[strip],
        validators=[Length(max=500, message=_l("At most %(max)d characters."))],
    )


class TermsForm(FlaskForm):
    payment_terms_days = IntegerField(
        _l("Payment terms (days; 0 = pay before shipping)"),
        default=0,
        validators=[
            NumberRange(
                min=0,
                max=MAX_PAYMENT_TERMS_DAYS,
                message=_l("Between 0 and %(max)d days."),
            )
        ],
    )
    approval_threshold_vnd = IntegerField(
        _l("Approval threshold (₫; empty = never)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10**12, message=_l("Enter an amount of 0 ₫ or more.")),
        ],
    )
