"""The office's producer pages: the list by status, a producer's onboarding checklist, approve
and suspend (``shop.admin.producers``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.accounts.forms import EmptyForm
from shop.admin import bp
from shop.admin import producers as office
from shop.admin.forms import ModerationForm, SuspendProducerForm
from shop.admin.scope import (
    office_province,
    office_required,
    producer_or_404,
    province_name,
    scoped_certificates,
)
from shop.catalog.models import OcopCertificate, Producer, ProducerStatus, Product
from shop.db import begin_write_transaction
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.http import paginate
from shop.templating import local_today

PER_PAGE = 50

STATUSES = {
    ProducerStatus.PENDING: _l("Waiting for approval"),
    ProducerStatus.APPROVED: _l("On sale"),
    ProducerStatus.SUSPENDED: _l("Suspended"),
}


def _producer(producer_id: int) -> Producer:
    """The producer, if the signed-in office account's province holds it; else 404."""
    return producer_or_404(db.session.get(Producer, producer_id))


@bp.get("/producers")
@office_required
def producers():
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    return render_template(
        "admin/producers.html",
        producers=office.producers_for_office(status or None, office_province()),
        status=status,
        statuses=STATUSES,
    )


def _detail(producer: Producer, *, form: SuspendProducerForm | None = None, code: int = 200):
    checklist = office.checklist(producer, local_today())
    return render_template(
        "admin/producer_detail.html",
        producer=producer,
        rated=office.rated_things(producer),
        checklist=checklist,
        complete=all(item.done for item in checklist),
        statuses=STATUSES,
        action_form=EmptyForm(),
        suspend_form=form or SuspendProducerForm(formdata=None),
        moderation_form=ModerationForm(formdata=None),
    ), code


@bp.get("/producers/<int:producer_id>")
@office_required
def producer_detail(producer_id: int):
    return _detail(_producer(producer_id))


@bp.post("/producers/<int:producer_id>/approve")
@office_required
def producer_approve(producer_id: int):
    _producer(producer_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(url_for("admin.producer_detail", producer_id=producer_id))
    admin_id = current_user.id
    begin_write_transaction(db.session)
    producer = _producer(producer_id)
    try:
        office.approve(producer, admin_id, today=local_today())
    except office.ChecklistIncomplete:
        db.session.rollback()
        flash(_("Every item of the checklist is needed first."), "error")
        return redirect(url_for("admin.producer_detail", producer_id=producer_id))
    except InvalidTransition:
        db.session.rollback()
        flash(_("This producer is on sale already."), "info")
        return redirect(url_for("admin.producer_detail", producer_id=producer_id))
    db.session.commit()
    flash(_("The producer is on sale; its admins get an e-mail."), "success")
    return redirect(url_for("admin.producer_detail", producer_id=producer_id))


@bp.post("/producers/<int:producer_id>/suspend")
@office_required
def producer_suspend(producer_id: int):
    producer = _producer(producer_id)
    form = SuspendProducerForm()
    if not form.validate_on_submit():
        return _detail(producer, form=form, code=400)
    admin_id, reason = current_user.id, form.reason.data
    begin_write_transaction(db.session)
    producer = _producer(producer_id)
    try:
        office.suspend(producer, admin_id, reason=reason)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This producer is suspended already."), "info")
        return redirect(url_for("admin.producer_detail", producer_id=producer_id))
    db.session.commit()
    flash(
        _("The producer is suspended: its listings left the shop and it got the reason by "
          "e-mail."),
        "success",
    )  # fmt: skip
    return redirect(url_for("admin.producer_detail", producer_id=producer_id))


# --- the office's home and its certificate list -------------------------------------------------


@bp.get("/")
@office_required
def home():
    from shop.admin.todo import todo_list

    province = office_province()
    return render_template(
        "admin/home.html",
        todos=todo_list(local_today(), province),
        province=province_name(province),
    )


@bp.get("/certificates")
@office_required
def certificates():
    """Certificates in force expiring within 30, 60 or 90 days (``?within=``), soonest first."""
    from shop.admin.todo import EXPIRY_WINDOWS, expiring_certificates
    from shop.tourism.models import Experience

    within = request.args.get("within", "90")
    days = int(within) if within in {str(n) for n in EXPIRY_WINDOWS} else 90
    query = scoped_certificates(expiring_certificates(local_today(), days))
    listing = paginate(
        query.options(selectinload(OcopCertificate.product).joinedload(Product.producer)),
        select(func.count()).select_from(query.order_by(None).subquery()),
        PER_PAGE,
    )
    wanted = {cert.experience_id for cert in listing.items if cert.experience_id}
    experiences = (
        {e.id: e for e in db.session.scalars(select(Experience).where(Experience.id.in_(wanted)))}
        if wanted
        else {}
    )
    return render_template(
        "admin/certificates.html",
        listing=listing,
        experiences=experiences,
        within=days,
        windows=EXPIRY_WINDOWS,
    )
