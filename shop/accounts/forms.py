"""Account forms: register, sign in, sign out, reset and change the password."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from shop.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shop.text import strip

PHONE_REGION = "VN"  # numbers without a country code are Vietnamese


def normalize_phone(raw: str) -> str | None:
    """``0912 345 678`` → ``+84912345678``; international numbers start with ``+`` (or ``00``).

    None when the text is not a valid phone number.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumber:
    """Validates a phone number and replaces the field's data with its E.164 form."""

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        if not field.data:
            field.data = None
            return
        normalized = normalize_phone(field.data)
        if normalized is None:
            raise ValidationError(
                _l("Enter a phone number such as 0912 345 678, or +44 20 7946 0958 from abroad.")
            )
        field.data = normalized


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(_l("Enter an e-mail address such as name@example.com.")),
        ],
    )


def _new_password_fields(label) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("Use at least %(min)d characters.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    return password, confirm


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=120, message=_l("A name has at most 120 characters.")),
        ],
    )
    email = _email_field()
    phone = TelField(_l("Phone (optional)"), filters=[strip], validators=[PhoneNumber()])
    password, confirm = _new_password_fields(_l("Password"))

    def validate_password(self, field: PasswordField) -> None:
        if self.email.data and field.data and field.data.strip().lower() == self.email.data.lower():
            raise ValidationError(_l("Your password must not be your e-mail address."))


class LoginForm(FlaskForm):
    # No format check here: an address that cannot exist simply does not sign in.
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Wrong e-mail or password.")),
        ],
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields(_l("New password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("That is not your current password.")),
        ],
    )
    password, confirm = _new_password_fields(_l("New password"))


class EmptyForm(FlaskForm):
    """A bare POST button (sign out): only the CSRF token."""
