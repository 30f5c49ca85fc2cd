"""The office's payout forms: mark paid (the bank's reference), mark failed (the reason), and a
producer's Stripe connected account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from shop.payouts.providers import STRIPE_ACCOUNT_RE
from shop.text import strip

REFERENCE_MAX = 120
REASON_MAX = 500


class MarkPaidForm(FlaskForm):
    reference = StringField(
        _l("Bank reference"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the bank's reference for this transfer.")),
            Length(max=REFERENCE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


class MarkFailedForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the payout failed"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter why this payout failed.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


class StripeAccountForm(FlaskForm):
    """Blank removes the account: the producer is paid by bank transfer again."""

    account_id = StringField(
        _l("Stripe connected account id"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=64, message=_l("At most %(max)d characters.")),
            Regexp(
                f"^{STRIPE_ACCOUNT_RE.pattern}$",
                message=_l("Enter acct_ followed by letters and digits."),
            ),
        ],
    )
