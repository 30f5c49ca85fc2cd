"""The office's view of organisations: a searchable list, and each organisation's page where
an admin verifies it and sets its payment terms and approval threshold (audit-logged)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.agencies import approvals, bp, services
from shop.agencies.forms import ROLE_LABELS, TermsForm
from shop.agencies.models import Organisation
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.http import paginate

PER_PAGE = 30
SEARCH_MAX = 200


@bp.get("/admin/organisations")
@role_required(Role.ADMIN)
def admin_list():
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    conditions = []
    if q:
        conditions.append(
            or_(
                func.lower(Organisation.legal_name).contains(q.lower(), autoescape=True),
                Organisation.tax_code.contains(q.replace(" ", ""), autoescape=True),
            )
        )
    listing = paginate(
        select(Organisation)
        .where(*conditions)
        .order_by(Organisation.created_at.desc(), Organisation.id.desc()),
        select(func.count(Organisation.id)).where(*conditions),
        PER_PAGE,
    )
    return render_template("agencies/admin_list.html", listing=listing, q=q)


def _detail(organisation: Organisation, form: TermsForm | None = None, status: int = 200):
    if form is None:
        form = TermsForm(obj=organisation)
    return render_template(
        "agencies/admin_detail.html",
        organisation=organisation,
        entities=services.billing_entities(organisation.id),
        members=services.members_of(organisation.id),
        requests=approvals.pending_for(organisation.id),
        address=services.format_address,
        role_labels=ROLE_LABELS,
        form=form,
        action_form=EmptyForm(),
    ), status


def _load(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.get("/admin/organisations/<int:organisation_id>")
@role_required(Role.ADMIN)
def admin_detail(organisation_id: int):
    return _detail(_load(organisation_id))


@bp.post("/admin/organisations/<int:organisation_id>/verify")
@role_required(Role.ADMIN)
def admin_verify(organisation_id: int):
    _load(organisation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    admin_id = current_user.id
    begin_write_transaction(db.session)
    done = services.verify(organisation_id, admin_id=admin_id)
    db.session.commit()
    flash(_("The organisation is verified.") if done else _("It was verified already."), "success")
    return redirect(url_for("agencies.admin_detail", organisation_id=organisation_id))


@bp.post("/admin/organisations/<int:organisation_id>/terms")
@role_required(Role.ADMIN)
def admin_terms(organisation_id: int):
    organisation = _load(organisation_id)
    form = TermsForm()
    if not form.validate_on_submit():
        return _detail(organisation, form, 400)
    admin_id = current_user.id
    begin_write_transaction(db.session)
    try:
        services.set_terms(
            organisation_id,
            admin_id=admin_id,
            payment_terms_days=form.payment_terms_days.data,
            approval_threshold_vnd=form.approval_threshold_vnd.data,
        )
    except services.NotVerified:
        db.session.rollback()
        form.payment_terms_days.errors.append(
            _("Verify the organisation first: only verified organisations get payment terms.")
        )
        return _detail(_load(organisation_id), form, 400)
    db.session.commit()
    flash(_("Payment terms and approval threshold saved."), "success")
    return redirect(url_for("agencies.admin_detail", organisation_id=organisation_id))
