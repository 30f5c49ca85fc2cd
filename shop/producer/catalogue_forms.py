"""Producer portal forms for products: the listing in both languages, price and VAT, season
and pre-order, stock adjustments and pictures.

Numbers are read strictly: ASCII digits only (thousand separators ``.`` ``,`` and spaces are
allowed in prices), so ``²``, Arabic-Indic digits or a 20-digit number get a message next to
the field, never an error page."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from shop.catalog.models import ShippingClass
from shop.catalog.stock import DELTA_MAX, REASON_MAX
from shop.text import strip
from shop.validators import no_control_characters

PRICE_MAX = 500_000_000
WEIGHT_MAX = 100_000
STOCK_MAX = 1_000_000
VAT_RATES = (0, 5, 8, 10)
_DIGITS = re.compile(r"\A[0-9]{1,12}\Z", re.ASCII)
_SIGNED = re.compile(r"\A([+-]?)([0-9]{1,12})\Z", re.ASCII)
_DAY_MONTH = re.compile(r"\A([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})\Z", re.ASCII)
_SEPARATORS = re.compile(r"[\s.,\u00a0]")


class WholeNumberField(Field):
    """A whole number typed by a person: ``1.250.000`` and ``1 250 000`` read as 1250000.
    ``signed`` accepts a leading ``+`` or ``-``. Out-of-range or non-digit input keeps the text
    typed and gets ``message``."""

    widget = TextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum=0,
        maximum,
        signed=False,
        message=None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.signed = minimum, maximum, signed
        self.message = message or _l("Enter a whole number.")
        self.raw = ""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist:
            return
        text = valuelist[0] or ""
        if not text.strip():
            return
        cleaned = _SEPARATORS.sub("", text) if not self.signed else text.strip().replace(" ", "")
        match = (_SIGNED if self.signed else _DIGITS).match(cleaned)
        if match is None:
            raise ValueError(str(self.message))
        number = int(cleaned)
        if not self.minimum <= number <= self.maximum:
            raise ValueError(str(self.message))
        self.data = number


def number_required(message):
    """Like ``DataRequired`` for a ``WholeNumberField``, keeping the field's own message when
    what was typed is not a number (and accepting 0)."""

    def check(_form, field) -> None:
        if field.errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(str(message))

    return check


def parse_day_month(text: str) -> int | None:
    """``15/5`` → 515 (the season window's ``month*100 + day``); None when not a real day."""
    match = _DAY_MONTH.match(text.strip())
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    try:
        date(2024, month, day)  # a leap year: 29/2 is a day
    except ValueError:
        return None
    return month * 100 + day


def format_day_month(value: int | None) -> str:
    return "" if value is None else f"{value % 100:02d}/{value // 100:02d}"


class DayMonthField(StringField):
    """A day of the year typed as ``dd/mm``; ``data`` is ``month*100 + day`` or None."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_day_month(self.data)

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        value = parse_day_month(valuelist[0])
        if value is None:
            raise ValueError(str(_l("Enter a day and month such as 15/05.")))
        self.data = value


def _text(label, *, required_message=None, max_length, multiline=False):
    validators = [
        DataRequired(required_message) if required_message else Optional(),
        Length(max=max_length, message=_l("At most %(max)d characters.")),
        no_control_characters,
    ]
    field = TextAreaField if multiline else StringField
    return field(label, filters=[strip], validators=validators)


class ProductForm(FlaskForm):
    name_vi = _text(
        _l("Name (Vietnamese)"), required_message=_l("Enter the product's name."), max_length=200
    )
    name_en = _text(_l("Name (English)"), max_length=200)
    description_vi = _text(_l("Description (Vietnamese)"), max_length=5000, multiline=True)
    description_en = _text(_l("Description (English)"), max_length=5000, multiline=True)
    unit_vi = _text(
        _l("Unit (Vietnamese)"),
        required_message=_l("Enter what one unit is, such as “hộp 2 kg”."),
        max_length=60,
    )
    unit_en = _text(_l("Unit (English)"), max_length=60)
    origin = _text(
        _l("Origin"), required_message=_l("Enter where the product comes from."), max_length=200
    )
    category_id = SelectField(_l("OCOP group"), coerce=int, validate_choice=True)
    price_vnd = WholeNumberField(
        _l("Price (đồng, VAT included)"),
        [number_required(_l("Enter the price in đồng."))],
        minimum=1000,
        maximum=PRICE_MAX,
        message=_l("Enter a price in đồng between 1.000 and 500.000.000, digits only."),
    )
    vat_rate = SelectField(
        _l("VAT rate"),
        choices=[SelectChoice(str(r), f"{r} %") for r in VAT_RATES],
        validators=[DataRequired(_l("Choose the VAT rate."))],
    )
    weight_g = WholeNumberField(
        _l("Weight with packaging (grams)"),
        [number_required(_l("Enter the weight in grams."))],
        minimum=1,
        maximum=WEIGHT_MAX,
        message=_l("Enter a weight in grams between 1 and 100.000."),
    )
    shipping_class = SelectField(
        _l("Shipping"),
        choices=[
            SelectChoice(ShippingClass.AMBIENT.value, _l("Room temperature")),
            SelectChoice(ShippingClass.CHILLED.value, _l("Chilled")),
            SelectChoice(ShippingClass.FRESH_PERISHABLE.value, _l("Fresh, perishable")),
        ],
    )
    season_start = DayMonthField(_l("Season from (day/month)"))
    season_end = DayMonthField(_l("Season until (day/month)"))
    preorder = BooleanField(_l("Sell as a pre-order"))
    preorder_ships_from = DateField(
        _l("Pre-orders ship from"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    preorder_cap = WholeNumberField(
        _l("Most units sold on pre-order"),
        [Optional()],
        minimum=0,
        maximum=STOCK_MAX,
        message=_l("Enter a whole number of units between 0 and 1.000.000."),
    )
    adult_only = BooleanField(_l("Alcohol: buyers must be 18 or older"))
    lot_required = BooleanField(_l("Record the harvest lot when shipping"))

    def validate_season_end(self, field) -> None:
        if (self.season_start.data is None) != (field.data is None):
            raise ValidationError(_l("Give both days of the season, or neither for all year."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.preorder.data:
            # Checked here: ``Optional`` ends each field's own chain when it is empty.
            for field, message in (
                (self.preorder_ships_from, _l("Enter the date pre-orders ship from.")),
                (self.preorder_cap, _l("Enter how many units may be pre-ordered.")),
            ):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid

    def values(self) -> dict:
        names = (
            "name_vi", "name_en", "description_vi", "description_en", "unit_vi", "unit_en",
            "origin", "category_id", "price_vnd", "weight_g", "shipping_class",
            "season_start", "season_end", "preorder", "preorder_ships_from", "preorder_cap",
            "adult_only", "lot_required",
        )  # fmt: skip
        values = {name: getattr(self, name).data for name in names}
        for name in ("name_en", "description_en", "unit_en"):
            values[name] = values[name] or None  # empty: not translated
        values["description_vi"] = values["description_vi"] or ""
        values["vat_rate"] = int(self.vat_rate.data)
        return values


class NewProductForm(ProductForm):
    stock = WholeNumberField(
        _l("Units in stock"),
        [Optional()],
        minimum=0,
        maximum=STOCK_MAX,
        message=_l("Enter a whole number of units between 0 and 1.000.000."),
    )


class StockForm(FlaskForm):
    delta = WholeNumberField(
        _l("Change (units)"),
        [number_required(_l("Enter how many units to add (such as 20) or remove (such as -3)."))],
        minimum=-DELTA_MAX,
        maximum=DELTA_MAX,
        signed=True,
        message=_l("Enter a whole number of units to add (20) or remove (-3)."),
    )
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why, such as “new harvest” or “2 boxes damaged”.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def validate_delta(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_l("A change of 0 units changes nothing."))


class PictureForm(FlaskForm):
    picture = FileField(_l("Picture (JPEG, PNG or WebP, at most 5 MB)"))
    alt_vi = _text(_l("What the picture shows (Vietnamese)"), max_length=200)
