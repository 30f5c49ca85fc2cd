"""The organisation's pages under ``/agency``, scoped to the signed-in member's organisation:
nothing here takes an organisation id, and another organisation's department, member,
invitation or request is a 404, as is every page for someone who is not a member."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from shop import invitations as shared
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.addresses.services import commune as commune_by_code
from shop.agencies import approvals, bp, services
from shop.agencies.emails import send_invitation
from shop.agencies.forms import (
    ROLE_LABELS,
    BillingEntityForm,
    DecisionForm,
    InviteForm,
    OrganisationForm,
    RoleForm,
)
from shop.agencies.models import ApprovalRequest, BillingEntity, MemberRole, Organisation
from shop.db import begin_write_transaction
from shop.extensions import db, login_manager

REFUSALS = {
    **shared.COMMON_REFUSALS,
    "expired": _l("This invitation has expired. Ask the organisation to invite you again."),
    "revoked": _l("This invitation was withdrawn by the organisation."),
    "already_member": _l("You are already a member of this organisation."),
    "other_organisation": _l(
        "Your account already belongs to another organisation. An account belongs to one "
        "organisation only: ask its approvers to remove you first, or use another account."
    ),
    "producer_staff": _l(
        "Your account works for a producer. An account belongs to one organisation or works "
        "for one producer, not both: ask the producer to remove you from its staff first, or "
        "use another account."
    ),
    "not_customer": _l("This account cannot join an organisation. Use a customer account."),
}


def member_required(*roles: str) -> Callable:
    """Signed-in members of an organisation (with one of ``roles`` when given); anyone else
    gets a 404. ``g.membership`` and ``g.organisation`` are set for the view."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            membership = services.membership_of(current_user.id)
            if membership is None or (roles and membership.role not in roles):
                abort(404)
            g.membership = membership
            g.organisation = db.session.get(Organisation, membership.organisation_id)
            return view(*args, **kwargs)

        return guarded

    return decorator


approver_required = member_required(MemberRole.APPROVER.value)


def _fill_address(form, province_code: int, commune_code: int, street: str) -> None:
    form.province.data = str(province_code)
    found = commune_by_code(commune_code)
    form.commune.data = found.name if found else ""
    form.street.data = street


# --- registration and home -----------------------------------------------------------------------


@bp.route("/agency/register", methods=["GET", "POST"])
def register():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != Role.CUSTOMER:
        abort(404)
    if services.membership_of(current_user.id) is not None:
        return redirect(url_for("agencies.home"))
    form = OrganisationForm()
    if not form.validate_on_submit():
        return render_template(
            "agencies/register.html", form=form
        ), 400 if form.is_submitted() else 200
    user_id = current_user.id
    begin_write_transaction(db.session)
    try:
        services.register(
            user_id,
            legal_name=form.legal_name.data,
            tax_code=form.tax_code.data,
            province_code=form.province_code,
            commune_code=form.commune_code,
            street=form.street.data,
            invoice_email=form.invoice_email.data,
        )
    except services.TaxCodeTaken:
        db.session.rollback()
        form.tax_code.errors.append(
            _(
                "An organisation with this tax code is registered already: ask its approvers "
                "to invite you."
            )
        )
        return render_template("agencies/register.html", form=form), 400
    except services.AlreadyMember:
        db.session.rollback()
        return redirect(url_for("agencies.home"))
    db.session.commit()
    flash(_("Your organisation is registered. You are its approver."), "success")
    return redirect(url_for("agencies.home"))


@bp.get("/agency")
@member_required()
def home():
    organisation = g.organisation
    is_approver = g.membership.role == MemberRole.APPROVER
    return render_template(
        "agencies/home.html",
        organisation=organisation,
        membership=g.membership,
        is_approver=is_approver,
        entities=services.billing_entities(organisation.id),
        members=services.members_of(organisation.id),
        pending=services.pending_invitations(organisation.id) if is_approver else [],
        requests=approvals.pending_for(organisation.id),
        address=services.format_address,
        role_labels=ROLE_LABELS,
        invite_form=InviteForm(),
        role_form=RoleForm(),
        action_form=EmptyForm(),
    )


@bp.route("/agency/edit", methods=["GET", "POST"])
@approver_required
def edit():
    organisation = g.organisation
    form = OrganisationForm()
    if request.method == "GET":
        form = OrganisationForm(obj=organisation)
        _fill_address(
            form,
            organisation.invoice_province_code,
            organisation.invoice_commune_code,
            organisation.invoice_street,
        )
    if not form.validate_on_submit():
        return render_template("agencies/edit.html", form=form, organisation=organisation), (
            400 if form.is_submitted() else 200
        )
    organisation_id, actor_id = organisation.id, current_user.id
    begin_write_transaction(db.session)
    try:
        services.update_organisation(
            organisation_id,
            actor_id=actor_id,
            legal_name=form.legal_name.data,
            tax_code=form.tax_code.data,
            province_code=form.province_code,
            commune_code=form.commune_code,
            street=form.street.data,
            invoice_email=form.invoice_email.data,
            approval_threshold_vnd=form.approval_threshold_vnd.data,
        )
    except services.TaxCodeTaken:
        db.session.rollback()
        form.tax_code.errors.append(_("Another organisation has this tax code."))
        return render_template("agencies/edit.html", form=form, organisation=organisation), 400
    except services.NotApprover:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("The organisation's details are saved."), "success")
    return redirect(url_for("agencies.home"))


def _entity_page(entity_id: int | None):
    organisation = g.organisation
    entity = None
    if entity_id is not None:
        entity = db.session.scalar(
            select(BillingEntity).where(
                BillingEntity.id == entity_id, BillingEntity.organisation_id == organisation.id
            )
        )
        if entity is None:
            abort(404)
    form = BillingEntityForm()
    if request.method == "GET":
        form = BillingEntityForm(obj=entity)
        if entity is not None:
            _fill_address(form, entity.province_code, entity.commune_code, entity.street)
    if not form.validate_on_submit():
        return render_template("agencies/billing_entity.html", form=form, entity=entity), (
            400 if form.is_submitted() else 200
        )
    organisation_id, actor_id = organisation.id, current_user.id
    begin_write_transaction(db.session)
    try:
        services.save_billing_entity(
            organisation_id,
            actor_id=actor_id,
            entity_id=entity_id,
            name=form.name.data,
            legal_name=form.legal_name.data,
            tax_code=form.tax_code.data or None,
            province_code=form.province_code,
            commune_code=form.commune_code,
            street=form.street.data,
            invoice_email=form.invoice_email.data,
            is_default=bool(form.is_default.data),
        )
    except (LookupError, services.NotApprover):
        db.session.rollback()
        abort(404)
    except services.OrganisationError:
        db.session.rollback()
        form.name.errors.append(_("Another department has this name."))
        return render_template("agencies/billing_entity.html", form=form, entity=entity), 400
    db.session.commit()
    flash(_("The department's invoice details are saved."), "success")
    return redirect(url_for("agencies.home"))


@bp.route("/agency/billing/new", methods=["GET", "POST"])
@approver_required
def new_billing_entity():
    return _entity_page(None)


@bp.route("/agency/billing/<int:entity_id>", methods=["GET", "POST"])
@approver_required
def edit_billing_entity(entity_id: int):
    return _entity_page(entity_id)


# --- members -------------------------------------------------------------------------------------


@bp.post("/agency/members/invite")
@approver_required
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        for error in form.email.errors + form.role.errors:
            flash(str(error), "error")
        return redirect(url_for("agencies.home"))
    actor = current_user._get_current_object()
    organisation_id = g.organisation.id
    begin_write_transaction(db.session)
    try:
        invitation, token = services.invite(
            organisation_id, form.email.data, role=form.role.data, actor_id=actor.id
        )
    except services.AlreadyMember:
        db.session.rollback()
        flash(_("This person is already a member."), "error")
        return redirect(url_for("agencies.home"))
    except services.AlreadyInvited:
        db.session.rollback()
        flash(_("An invitation to this address is waiting. Revoke it to send a new one."), "error")
        return redirect(url_for("agencies.home"))
    except services.NotApprover:
        db.session.rollback()
        abort(404)
    send_invitation(invitation, token, actor)
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("agencies.home"))


@bp.post("/agency/invitations/<int:invitation_id>/revoke")
@approver_required
def revoke_invitation(invitation_id: int):
    organisation_id, actor_id = g.organisation.id, current_user.id
    return shared.revoke_view(
        lambda: services.revoke(organisation_id, invitation_id, actor_id=actor_id),
        refused=(services.NotApprover,),
        back="agencies.home",
    )


@bp.post("/agency/members/<int:user_id>/remove")
@approver_required
def remove_member(user_id: int):
    organisation_id, actor_id = g.organisation.id, current_user.id
    begin_write_transaction(db.session)
    try:
        services.remove(organisation_id, user_id, actor_id=actor_id)
    except (LookupError, services.NotApprover):
        db.session.rollback()
        abort(404)
    except services.CannotRemoveSelf:
        db.session.rollback()
        flash(_("You cannot remove yourself. Ask another approver to do it."), "error")
    except services.LastApprover:
        db.session.rollback()
        flash(
            _("The last approver cannot be removed: make someone else an approver first."), "error"
        )
    else:
        db.session.commit()
        flash(_("The member was removed."), "success")
    return redirect(url_for("agencies.home"))


@bp.post("/agency/members/<int:user_id>/role")
@approver_required
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role from the list."), "error")
        return redirect(url_for("agencies.home"))
    organisation_id, actor_id = g.organisation.id, current_user.id
    begin_write_transaction(db.session)
    try:
        services.change_role(organisation_id, user_id, form.role.data, actor_id=actor_id)
    except (LookupError, services.NotApprover):
        db.session.rollback()
        abort(404)
    except services.LastApprover:
        db.session.rollback()
        flash(_("The last approver keeps that role: make someone else an approver first."), "error")
    else:
        db.session.commit()
        flash(_("The member's role is changed."), "success")
    return redirect(url_for("agencies.home"))


def _joined(invitation, organisation):
    flash(_("Welcome to %(organisation)s.", organisation=organisation.legal_name), "success")
    return redirect(url_for("agencies.home"))


@bp.route("/agency/join/<token>", methods=["GET", "POST"])
def join(token: str):
    return shared.join_view(
        token,
        template="agencies/join.html",
        refusals=REFUSALS,
        read=services.read_invitation,
        check=services.check_account,
        accept=services.accept,
        target=(
            "organisation",
            lambda invitation: db.session.get(Organisation, invitation.organisation_id),
        ),
        joined=_joined,
        context={"role_labels": ROLE_LABELS},
    )


# --- approvals -----------------------------------------------------------------------------------


@bp.get("/agency/approvals")
@approver_required
def approvals_page():
    return render_template(
        "agencies/approvals.html",
        organisation=g.organisation,
        requests=approvals.pending_for(g.organisation.id),
        form=DecisionForm(),
    )


@bp.post("/agency/approvals/<int:request_id>/<any(approve, reject):decision>")
@approver_required
def decide(request_id: int, decision: str):
    form = DecisionForm()
    organisation_id, actor_id = g.organisation.id, current_user.id
    found = db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.id == request_id, ApprovalRequest.organisation_id == organisation_id
        )
    )
    if found is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("The note has at most 500 characters."), "error")
        return redirect(url_for("agencies.approvals_page"))
    begin_write_transaction(db.session)
    found = db.session.get(ApprovalRequest, request_id)
    try:
        approvals.decide(found, actor_id, decision == "approve", form.note.data)
    except approvals.NotAnApprover:
        db.session.rollback()
        abort(404)
    except approvals.SelfApproval:
        db.session.rollback()
        flash(_("You cannot decide on your own request: another approver must."), "error")
    except approvals.AlreadyDecided:
        db.session.rollback()
        flash(_("This request was decided already."), "error")
    else:
        db.session.commit()
        flash(_("Approved.") if decision == "approve" else _("Rejected."), "success")
    return redirect(url_for("agencies.approvals_page"))
