"""The OCOP office's payout pages: draft payouts of the runs, approved by a second admin."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition, NotFound
from shop.extensions import db
from shop.payouts import bp
from shop.payouts.queries import payouts_with_status
from shop.payouts.services import PayoutNotAllowed, approve_payout, find_payout


@bp.get("/admin/payouts")
@role_required(Role.ADMIN)
def drafts():
    return render_template(
        "payouts/drafts.html", payouts=payouts_with_status("draft"), form=EmptyForm()
    )


@bp.post("/admin/payouts/<int:payout_id>/approve")
@role_required(Role.ADMIN)
def approve(payout_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for("payouts.drafts"))
    admin_id = current_user.id
    begin_write_transaction(db.session)
    try:
        approve_payout(find_payout(payout_id), admin_id=admin_id, now=utcnow())
    except NotFound:
        db.session.rollback()
        flash(_("There is no such payout."), "error")
    except PayoutNotAllowed:
        db.session.rollback()
        flash(_("Another admin must approve a payout run you started."), "error")
    except InvalidTransition:
        db.session.rollback()
        flash(_("This payout is no longer a draft."), "info")
    else:
        db.session.commit()
        flash(_("Payout approved."), "success")
    return redirect(url_for("payouts.drafts"))
