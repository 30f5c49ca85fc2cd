"""Forms of the bank pages: a producer's bank details, their verification, a statement upload."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from shop.banking.banks import bank_choices
from shop.banking.names import same_holder, to_ascii
from shop.payouts.bank_accounts import ACCOUNT_MAX, ACCOUNT_MIN, HOLDER_MAX
from shop.text import strip
from shop.validators import no_control_characters


def account_digits(value: object) -> object:
    """Account numbers are often written in groups: ``0011 0019 32418``, ``001.100.193``."""
    return re.sub(r"[\s.\-]", "", value) if isinstance(value, str) else value


def holder_form(value: object) -> object:
    """The holder as banks print it: upper-case ASCII, one space between words."""
    return " ".join(to_ascii(value).upper().split()) if isinstance(value, str) else value


def bank_field(label, required: str) -> SelectField:
    """A bank of the NAPAS list (a producer's own account, a customer's for a refund)."""
    return SelectField(
        label,
        choices=lambda: [("", _l("Choose the bank")), *bank_choices()],
        validators=[DataRequired(required)],
        validate_choice=True,
    )


def account_number_field(label, required: str) -> StringField:
    """An account number: spaces and dots dropped, then digits only, of a bank's length."""
    return StringField(
        label,
        filters=[strip, account_digits],
        validators=[
            DataRequired(required),
            Regexp(
                rf"^\d{{{ACCOUNT_MIN},{ACCOUNT_MAX}}}$",
                message=_l(
                    "An account number is %(min)d to %(max)d digits.",
                    min=ACCOUNT_MIN,
                    max=ACCOUNT_MAX,
                ),  # fmt: skip
            ),
        ],
    )


class BankAccountForm(FlaskForm):
    bank_bin = bank_field(_l("Bank"), _l("Choose the bank."))
    account_number = account_number_field(_l("Account number"), _l("Enter the account number."))
    holder_name = StringField(
        _l("Account holder"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the account holder's name.")),
            Length(max=HOLDER_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def __init__(self, *args, legal_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_name = legal_name

    def validate_holder_name(self, field) -> None:
        if field.data and not same_holder(field.data, self.legal_name):
            raise ValidationError(
                _l(
                    "The account must be in the producer's legal name: %(name)s.",
                    name=holder_form(self.legal_name),
                )  # fmt: skip
            )


class VerifyBankAccountForm(FlaskForm):
    """The details the admin saw: verified only if they are still the current ones."""

    bank_bin = HiddenField(validators=[DataRequired()])
    account_number = HiddenField(validators=[DataRequired()])
    holder_name = HiddenField(validators=[DataRequired()])
