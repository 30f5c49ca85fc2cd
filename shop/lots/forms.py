"""Recording a harvest or production lot."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from shop.http import parse_int
from shop.text import strip
from shop.validators import no_control_characters

PLOT_MAX = 200
NOTES_MAX = 1000
QUANTITY_MAX = 10_000_000
EARLIEST_HARVEST = date(2000, 1, 1)


class UnitsField(IntegerField):
    """A whole number of units from 1 to ``QUANTITY_MAX``; anything else (blank, text, other
    digits, a fraction) is None, reported by ``validate_quantity`` with one message."""

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            self.data = parse_int(str(valuelist[0]), 1, QUANTITY_MAX)


class LotForm(FlaskForm):
    harvest_date = DateField(
        _l("Harvest or production date"),
        validators=[InputRequired(_l("Choose the harvest or production date."))],
    )
    best_before = DateField(_l("Best before (optional)"), validators=[Optional()])
    plot = StringField(
        _l("Plot or village"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say where it comes from: the garden, plot or village.")),
            Length(max=PLOT_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    quantity = UnitsField(_l("Quantity"))
    notes = TextAreaField(
        _l("Notes (optional, not shown to buyers)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=NOTES_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_harvest_date(self, field) -> None:
        if field.data > self.today:
            raise ValidationError(_l("The harvest date cannot be in the future."))
        if field.data < EARLIEST_HARVEST:
            raise ValidationError(_l("Check the year of the harvest date."))

    def validate_quantity(self, field) -> None:
        if field.data is None:
            raise ValidationError(
                _l("Enter how many units this lot holds: a whole number from 1 to 10.000.000.")
            )

    def validate_best_before(self, field) -> None:
        harvest = self.harvest_date.data
        if field.data and harvest and field.data <= harvest:
            raise ValidationError(_l("The best-before date must be after the harvest date."))
