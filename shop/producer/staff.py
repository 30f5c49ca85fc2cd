"""The producer's staff, managed by its admins: the list, invitations by e-mail (sent, pending,
revoked) and removal; and the page where an invited person joins.

Only a producer admin reaches ``/producer/staff``: other staff get the same 404 as every other
visitor without the right role. ``/producer/join/<token>`` is for any signed-in account; the
invitation says whether that account may join.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import BooleanField

from shop import invitations as shared
from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.db import begin_write_transaction
from shop.extensions import db
from shop.producer import bp, invitations
from shop.producer.emails import send_staff_invitation

REFUSALS = {
    **shared.COMMON_REFUSALS,
    "expired": _l("This invitation has expired. Ask the producer to invite you again."),
    "revoked": _l("This invitation was withdrawn by the producer."),
    "already_staff": _l("You are already on this producer's staff."),
    "other_producer": _l(
        "Your account already works for another producer. An account can work for one "
        "producer only: ask that producer to remove you first, or use another account."
    ),
    "in_organisation": _l(
        "Your account belongs to an organisation. An account works for one producer or "
        "belongs to one organisation, not both: ask the organisation's approvers to remove "
        "you first, or use another account."
    ),
    "not_customer": _l("This account cannot join a producer's staff. Use a customer account."),
}


class InviteForm(shared.InviteEmailForm):
    admin = BooleanField(_l("Admin: may invite and remove staff"))


def producer_admin_required(view: Callable) -> Callable:
    """Producer staff who are their producer's admins; other staff get a 404."""

    @role_required(Role.PRODUCER_STAFF)
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.producer_admin:
            abort(404)
        return view(*args, **kwargs)

    return guarded


def _render(form: InviteForm | None = None, status: int = 200):
    producer_id = current_user.producer_id
    return render_template(
        "producer/staff.html",
        producer=db.session.get(Producer, producer_id),
        members=invitations.staff_of(producer_id),
        pending=invitations.pending_invitations(producer_id),
        form=form or InviteForm(),
        action_form=EmptyForm(),
    ), status


@bp.get("/staff")
@producer_admin_required
def staff():
    return _render()


@bp.post("/staff/invite")
@producer_admin_required
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    actor = current_user._get_current_object()
    producer_id, email, admin = actor.producer_id, form.email.data, bool(form.admin.data)
    begin_write_transaction(db.session)
    try:
        invitation, token = invitations.invite(producer_id, email, admin=admin, actor_id=actor.id)
    except invitations.AlreadyStaff:
        db.session.rollback()
        form.email.errors.append(_("This person is already on your staff."))
        return _render(form, 400)
    except invitations.AlreadyInvited:
        db.session.rollback()
        form.email.errors.append(
            _("An invitation to this address is waiting. Revoke it below to send a new one.")
        )
        return _render(form, 400)
    except invitations.NotAdmin:
        db.session.rollback()
        abort(404)
    send_staff_invitation(invitation, token, actor)
    db.session.commit()
    days = shared.max_age_days(invitations.STAFF_INVITATION)
    flash(
        ngettext(
            "Invitation sent to %(email)s. The link works for %(num)d day.",
            "Invitation sent to %(email)s. The link works for %(num)d days.",
            days,
            email=invitation.email,
        ),
        "success",
    )
    return redirect(url_for("producer.staff"))


@bp.post("/staff/invitations/<int:invitation_id>/revoke")
@producer_admin_required
def revoke_invitation(invitation_id: int):
    producer_id, actor_id = current_user.producer_id, current_user.id
    return shared.revoke_view(
        lambda: invitations.revoke(producer_id, invitation_id, actor_id=actor_id),
        refused=(invitations.NotAdmin,),
        back="producer.staff",
    )


@bp.post("/staff/<int:user_id>/remove")
@producer_admin_required
def remove_staff(user_id: int):
    producer_id, actor_id = current_user.producer_id, current_user.id
    begin_write_transaction(db.session)
    try:
        member = invitations.remove(producer_id, user_id, actor_id=actor_id)
    except (LookupError, invitations.NotAdmin):
        db.session.rollback()
        abort(404)
    except invitations.CannotRemoveSelf:
        db.session.rollback()
        flash(_("You cannot remove yourself. Ask another admin to do it."), "error")
    except invitations.LastAdmin:
        db.session.rollback()
        flash(_("The last admin cannot be removed: make someone else an admin first."), "error")
    else:
        name = member.name
        db.session.commit()
        flash(_("%(name)s no longer works for your shop.", name=name), "success")
    return redirect(url_for("producer.staff"))


# --- joining ---------------------------------------------------------------------------------


def _joined(invitation, producer):
    flash(_("Welcome to the staff of %(producer)s.", producer=producer.name), "success")
    return redirect(url_for("producer.dashboard"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    return shared.join_view(
        token,
        template="producer/join.html",
        refusals=REFUSALS,
        read=invitations.read_invitation,
        check=invitations.check_account,
        accept=invitations.accept,
        target=("producer", lambda invitation: db.session.get(Producer, invitation.producer_id)),
        joined=_joined,
    )
