"""``/admin/audit``: the audit log of every office, admin and producer action, searchable by
who or what (``q``: an e-mail, a name or an action), the kind of record and its id, and a range
of local days; paged, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from shop.accounts.models import User
from shop.admin import bp
from shop.admin.scope import office_required, producer_ids_in_scope
from shop.audit.models import AuditLog
from shop.extensions import db
from shop.http import paginate
from shop.templating import LOCAL_TZ
from shop.text import strip

PER_PAGE = 50


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form (GET): nothing changes

    q = StringField(_l("Who or what"), filters=[strip], validators=[Optional(), Length(max=120)])
    target = SelectField(_l("Record"), choices=[], validate_choice=True, default="")
    target_id = StringField(_l("Record number"), filters=[strip], validators=[Optional()])
    since = DateField(_l("First day"), validators=[Optional()])
    until = DateField(_l("Last day"), validators=[Optional()])

    def validate_target_id(self, field) -> None:
        value = field.data or ""
        if value and not (value.isascii() and value.isdigit() and len(value) < 10):
            raise ValidationError(_l("A record number is a whole number."))


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def _conditions(form: AuditFilterForm) -> list:
    conditions = []
    if form.q.data and not form.q.errors:
        needle = form.q.data
        actors = select(User.id).where(
            or_(User.email.contains(needle, autoescape=True),
                User.name.contains(needle, autoescape=True))
        )  # fmt: skip
        conditions.append(
            or_(AuditLog.action.contains(needle, autoescape=True), AuditLog.actor_id.in_(actors))
        )
    if form.target.data and not form.target.errors:
        conditions.append(AuditLog.target_type == form.target.data)
    if form.target_id.data and not form.target_id.errors:
        conditions.append(AuditLog.target_id == int(form.target_id.data))
    if form.since.data and not form.since.errors:
        conditions.append(AuditLog.created_at >= _start_of(form.since.data))
    if form.until.data and not form.until.errors:
        conditions.append(AuditLog.created_at < _start_of(form.until.data + timedelta(days=1)))
    return conditions


@bp.get("/audit")
@office_required
def audit():
    form = AuditFilterForm(request.args)
    kinds = db.session.scalars(  # the kinds of record anywhere: a label list, no data
        select(AuditLog.target_type).distinct().order_by(AuditLog.target_type)
    ).all()
    form.target.choices = [("", _l("Any"))] + [(kind, kind) for kind in kinds]
    valid = form.validate() if request.args else True
    conditions = _conditions(form)
    ids = producer_ids_in_scope()
    if ids is not None:  # an OCOP office account: what concerns its province's producers
        conditions.append(AuditLog.producer_id.in_(ids))
    listing = paginate(
        select(AuditLog)
        .where(*conditions)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()),
        select(func.count(AuditLog.id)).where(*conditions),
        PER_PAGE,
    )
    ids = {entry.actor_id for entry in listing.items if entry.actor_id}
    actors = (
        {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return render_template(
        "admin/audit.html", form=form, listing=listing, actors=actors
    ), 200 if valid else 400
