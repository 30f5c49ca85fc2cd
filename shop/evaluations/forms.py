"""The office's forms: an evaluation round with its decision, and an issuing authority."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, Field, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation
from wtforms.widgets import TextInput

from shop.evaluations.criteria import PART_KEYS, VERSIONS, Level, certified, stars_for_total
from shop.fields import AT_MOST, text_field
from shop.text import strip
from shop.validators import no_control_characters

_SCORE = re.compile(r"\A[0-9]{1,3}\Z", re.ASCII)
NOTES_MAX = 2000

LEVELS = {
    Level.DISTRICT: _l("District"),
    Level.PROVINCE: _l("Province"),
    Level.NATIONAL: _l("National (central)"),
}
VERSION_LABELS = {
    "2023": _l("2023 criteria (Decision 148/QĐ-TTg)"),
    "2019": _l("2019 criteria (Decision 1048/QĐ-TTg)"),
}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class ScoreField(Field):
    """Points of one part: a whole number typed as digits (what was typed is kept when it is
    not one)."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            return
        if _SCORE.match(text.strip()) is None:
            raise ValueError(str(_l("Enter the points as a whole number, such as 28.")))
        self.data = int(text.strip())


def _score_required(_form, field) -> None:
    if field.errors:
        raise StopValidation()
    if field.data is None:
        raise StopValidation(str(_l("Enter the points of this part.")))


def _score(label) -> ScoreField:
    return ScoreField(label, [_score_required], render_kw={"inputmode": "numeric"})


class EvaluationForm(FlaskForm):
    criteria_version = SelectField(
        _l("Criteria version"), choices=_choices(VERSION_LABELS), default="2023"
    )
    round_name = text_field(
        _l("Evaluation round"), 40, required=_l("Name the round, such as “2026 – round 1”.")
    )
    level = SelectField(_l("Evaluated at level"), choices=_choices(LEVELS), default=Level.PROVINCE)
    evaluated_on = DateField(
        _l("Evaluated on"), validators=[InputRequired(_l("Choose the day of the evaluation."))]
    )
    score_a = _score(_l("Part A: product and community strength"))
    score_b = _score(_l("Part B: marketing capability"))
    score_c = _score(_l("Part C: product quality"))
    notes = TextAreaField(
        _l("Notes (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=NOTES_MAX, message=AT_MOST), no_control_characters],
    )
    # The decision: needed from 3★ (the form says which fields are missing).
    decision_number = text_field(_l("Decision number"), 60)
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    authority_id = SelectField(_l("Issued by"), choices=[], validate_choice=False)
    certificate_number = text_field(_l("Certificate number"), 60)
    scan = FileField(_l("Certificate scan (PDF up to 10 MB, or a JPEG, PNG or WebP picture)"))

    def scores_ok(self) -> bool:
        """Every part within its version's maximum (errors put next to the parts)."""
        version = VERSIONS.get(self.criteria_version.data)
        if version is None:
            return False
        fine = True
        for key in PART_KEYS:
            field = getattr(self, f"score_{key}")
            if field.errors or field.data is None:
                fine = False
            elif field.data > version.maximum(key):
                field.errors.append(
                    str(
                        _l(
                            "At most %(max)d points for this part under the %(version)s criteria.",
                            max=version.maximum(key),
                            version=version.code,
                        )
                    )
                )
                fine = False
        return fine

    def total(self) -> int:
        return sum(getattr(self, f"score_{key}").data for key in PART_KEYS)

    def result(self) -> int | None:
        """The total when every part was read and accepted (after ``validate``), else None."""
        fields = [getattr(self, f"score_{key}") for key in PART_KEYS]
        if any(field.errors or field.data is None for field in fields):
            return None
        if self.criteria_version.data not in VERSIONS:
            return None
        return self.total()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.scores_ok():
            return False
        if certified(stars_for_total(self.total())):
            needed = {
                "decision_number": _l("From 3★ the decision is needed: its number."),
                "decision_date": _l("From 3★ the decision is needed: its date."),
                "authority_id": _l("From 3★ the decision is needed: who issued it."),
                "certificate_number": _l("From 3★ the certificate is needed: its number."),
            }
            for name, message in needed.items():
                field = getattr(self, name)
                if not field.data and not field.errors:
                    field.errors = [*field.errors, str(message)]
                    valid = False
        return valid


class AuthorityForm(FlaskForm):
    name_vi = text_field(
        _l("Name in Vietnamese"), 200, required=_l("Type the name as the decisions print it.")
    )
    name_en = text_field(_l("Name in English"), 200, required=_l("Type the English name."))
    level = SelectField(_l("Level"), choices=_choices(LEVELS), default=Level.PROVINCE)
    valid_from = DateField(
        _l("Signs decisions from"),
        validators=[InputRequired(_l("Choose the first day it signs decisions."))],
    )
    valid_to = DateField(_l("Until (empty: still does)"), validators=[Optional()])
    # Admins only (an office's authorities are its own province's): whose office keeps it.
    province = SelectField(
        _l("Province whose office keeps it (not for a national authority)"),
        choices=[],
        validate_choice=False,
    )

    def province_code(self) -> int | None:
        """The chosen province's code, or None (none chosen, or not one of the list)."""
        from shop.addresses.services import find_province

        text = self.province.data or ""
        found = find_province(int(text)) if text.isascii() and text.isdigit() else None
        return found.code if found is not None and len(text) <= 3 else None
