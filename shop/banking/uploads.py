"""The office's bank-statement upload, shared by both sides of the shop's bank account: payouts
going out (debits) and orders paid in (credits).

An upload is read and matched into a preview; the matched rows travel to the confirmation
signed by the server (never trusted from the browser) and are matched again when confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import HiddenField
from wtforms.validators import DataRequired

from shop.banking.statement import MAX_BYTES, StatementError, StatementRow, read_statement

# How long a statement preview may be confirmed.
PLAN_MAX_AGE = 3600


class StatementUploadForm(FlaskForm):
    statement = FileField(_l("Bank statement (CSV)"))


class StatementConfirmForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])


@dataclass
class Preview:
    form: StatementUploadForm
    problems: list = field(default_factory=list)
    # What ``match`` made of the statement's rows; None before a statement was read.
    matches: list | None = None
    # The matched rows, signed for the confirmation.
    plan: str = ""

    @property
    def confirm_form(self) -> StatementConfirmForm:
        return StatementConfirmForm(formdata=None, plan=self.plan)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def preview_upload(salt: str, match: Callable[[list[StatementRow]], list]) -> Preview:
    """Read the posted statement (when one was posted) and match its rows with ``match``,
    whose results each carry the ``row`` they came from."""
    preview = Preview(form=StatementUploadForm())
    if not preview.form.validate_on_submit():
        return preview
    upload = preview.form.statement.data
    data = upload.read(MAX_BYTES + 1) if upload else b""
    if not data:
        preview.form.statement.errors = [_("Choose the statement file (CSV) the bank gave you.")]
        return preview
    try:
        rows = read_statement(data)
    except StatementError as error:
        preview.problems = error.problems
        return preview
    preview.matches = match(rows)
    preview.plan = _serializer(salt).dumps([m.row.as_dict() for m in preview.matches])
    return preview


def confirmed_rows(salt: str) -> list[StatementRow] | None:
    """The rows of the posted confirmation, or None when its signature is wrong or too old."""
    form = StatementConfirmForm()
    if not form.validate_on_submit():
        return None
    try:
        data = _serializer(salt).loads(form.plan.data, max_age=PLAN_MAX_AGE)
        return [StatementRow.from_dict(item) for item in data]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
