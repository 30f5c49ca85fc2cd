"""The office's forms for remittance files and manual ledger adjustments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from shop.payouts.adjustments import TOKEN
from shop.payouts.office_models import ADJUSTMENT_LIMIT_VND
from shop.producer.catalogue_forms import WholeNumberField, number_required
from shop.text import strip
from shop.validators import no_control_characters


class RemittanceUploadForm(FlaskForm):
    file = FileField(
        _l("Carrier's remittance file (CSV)"),
        validators=[FileRequired(_l("Choose the carrier's CSV file."))],
    )


class AdjustmentForm(FlaskForm):
    producer_id = SelectField(
        _l("Producer"),
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(_l("Choose a producer."))],
    )
    amount_vnd = WholeNumberField(
        _l("Amount (đồng; negative to charge the producer)"),
        [number_required(_l("Enter an amount such as 120000 or -50000."))],
        minimum=-ADJUSTMENT_LIMIT_VND,
        maximum=ADJUSTMENT_LIMIT_VND,
        signed=True,
        message=_l("Enter a whole number of đồng between -1.000.000.000 and 1.000.000.000."),
    )
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why the producer's balance changes.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    available_on = DateField(_l("Available on"), validators=[DataRequired(_l("Enter a date."))])
    form_token = HiddenField()

    def validate_amount_vnd(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_l("An adjustment of 0 đồng changes nothing."))

    def validate_form_token(self, field) -> None:
        if not TOKEN.match(field.data or ""):
            raise ValidationError(_l("This form has expired: open it again."))
