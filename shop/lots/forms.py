"""Recording a harvest or production lot."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from shop.text import strip
from shop.validators import no_control_characters

PLOT_MAX = 200
NOTES_MAX = 1000
QUANTITY_MAX = 10_000_000
EARLIEST_HARVEST = date(2000, 1, 1)


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
            InputRequired(_l("Say where it comes from: the garden, plot or village.")),
            Length(max=PLOT_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(_l("Enter how many units this lot holds.")),
            NumberRange(
                min=1, max=QUANTITY_MAX, message=_l("Enter a number from %(min)s to %(max)s.")
            ),
        ],
    )
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

    def validate_best_before(self, field) -> None:
        harvest = self.harvest_date.data
        if field.data and harvest and field.data <= harvest:
            raise ValidationError(_l("The best-before date must be after the harvest date."))
