"""Producer portal forms: what a parcel was shipped with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

CARRIER_MAX = 60
TRACKING_MAX = 60
# Suggestions only (a datalist): any carrier may be typed.
COMMON_CARRIERS = (
    "Viettel Post",
    "VNPost",
    "Giao Hàng Nhanh (GHN)",
    "Giao Hàng Tiết Kiệm (GHTK)",
    "J&T Express",
    "Ninja Van",
    "Ahamove",
)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _no_control_characters(_form, field) -> None:
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError(_l("Remove the invisible control characters."))


class ShipForm(FlaskForm):
    carrier = StringField(
        _l("Carrier"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the carrier, such as Viettel Post or GHN.")),
            Length(max=CARRIER_MAX, message=_l("At most %(max)d characters.")),
            _no_control_characters,
        ],
    )
    tracking_number = StringField(
        _l("Tracking number"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the tracking number the carrier gave you.")),
            Length(max=TRACKING_MAX, message=_l("At most %(max)d characters.")),
            _no_control_characters,
        ],
    )
