"""Producer portal forms for sessions: one session, a weekly rule, capacity, cancellation and
check-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from shop.text import strip
from shop.tourism.operator import CANCEL_REASON_MAX, MAX_CAPACITY
from shop.validators import no_control_characters

WEEKDAYS = (
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
)


def _capacity_field():
    return IntegerField(
        _l("Capacity (seats)"),
        validators=[
            InputRequired(_l("Enter how many seats the session has.")),
            NumberRange(
                min=1, max=MAX_CAPACITY, message=_l("Enter a number from %(min)s to %(max)s.")
            ),
        ],
    )


class SessionForm(FlaskForm):
    """One session: a local date, a local start time (and closing time for opening hours)."""

    day = DateField(_l("Date"), validators=[InputRequired(_l("Choose the date."))])
    start = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    end = TimeField(_l("Closing time"), validators=[Optional()])
    capacity = _capacity_field()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleForm(FlaskForm):
    """Sessions on chosen weekdays between two dates, at one local start time."""

    weekdays = MultiCheckboxField(
        _l("Days of the week"),
        choices=[SelectChoice(str(n), label) for n, label in WEEKDAYS],
        validators=[DataRequired(_l("Choose at least one day of the week."))],
    )
    first_day = DateField(_l("From"), validators=[InputRequired(_l("Choose the first date."))])
    last_day = DateField(_l("Until"), validators=[InputRequired(_l("Choose the last date."))])
    start = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    end = TimeField(_l("Closing time"), validators=[Optional()])
    capacity = _capacity_field()


class CapacityForm(FlaskForm):
    capacity = _capacity_field()


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to every guest)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why the session is cancelled: the guests will read it.")),
            Length(max=CANCEL_REASON_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )


class CheckInForm(FlaskForm):
    session_id = SelectField(_l("Session"), coerce=int, validate_choice=False)
    code = StringField(
        _l("Ticket code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Type the ticket code or scan its QR code.")),
            Length(max=300, message=_l("At most %(max)d characters.")),
        ],
    )
    # When this form was shown (signed): a second tap of the same form is the same check-in.
    attempt = HiddenField()
