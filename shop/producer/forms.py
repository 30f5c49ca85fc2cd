"""Producer portal forms: what a parcel was shipped with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from shop.text import strip
from shop.validators import no_control_characters

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


class ShipForm(FlaskForm):
    carrier = StringField(
        _l("Carrier"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the carrier, such as Viettel Post or GHN.")),
            Length(max=CARRIER_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    tracking_number = StringField(
        _l("Tracking number"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the tracking number the carrier gave you.")),
            Length(max=TRACKING_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
