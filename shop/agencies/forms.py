"""Forms of the organisation pages: every field validated with its message next to it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from shop import fields
from shop.agencies.models import MAX_PAYMENT_TERMS_DAYS, MemberRole
from shop.agencies.taxcode import normalize_tax_code
from shop.invitations import InviteEmailForm
from shop.text import strip

ROLE_LABELS = {
    MemberRole.BUYER.value: _l("Buyer"),
    MemberRole.APPROVER.value: _l("Approver"),
    MemberRole.ACCOUNTANT.value: _l("Accountant"),
}


class InvoiceDataForm(fields.AddressFields, FlaskForm):
    """Legal name, MST, the checkout's two-level address and e-mail."""

    tax_required = True

    legal_name = fields.text_field(
        _l("Legal name"), 200, required=_l("Enter the organisation's legal name.")
    )
    tax_code = StringField(_l("Tax code (MST)"), filters=[strip])
    invoice_email = fields.email_field(
        _l("E-mail for invoices"),
        required=_l("Enter the e-mail address invoices go to."),
        example=_l("Enter an e-mail address such as ketoan@example.vn."),
    )

    def validate_tax_code(self, field) -> None:
        if not field.data:
            if self.tax_required:
                raise ValidationError(_l("Enter the tax code (MST)."))
            return
        if normalize_tax_code(field.data) is None:
            raise ValidationError(
                _l("A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a branch.")
            )


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
    name = fields.text_field(_l("Department"), 120, required=_l("Enter the department's name."))
    is_default = BooleanField(_l("Use by default"))


class InviteForm(InviteEmailForm):
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
