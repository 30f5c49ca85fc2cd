"""The office's pages for partners' API keys: the list, a new key (shown once, on the page
that created it) and revoking one (after a confirmation)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.partners import bp
from shop.partners import keys as services
from shop.partners.forms import ApiKeyForm
from shop.partners.models import ApiKey

# The page showing a new key must not be kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _key(key_id: int) -> ApiKey:
    api_key = db.session.get(ApiKey, key_id)
    if api_key is None:
        abort(404)
    return api_key


@bp.get("/")
@role_required(Role.ADMIN)
def keys():
    return render_template("admin/api_keys.html", keys=services.list_keys())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_key():
    form = ApiKeyForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/api_key_new.html", form=form), status
    admin_id = current_user.id
    begin_write_transaction(db.session)
    created = services.create_key(
        name=form.name.data,
        partner_name=form.partner_name.data,
        contact_email=form.contact_email.data.lower(),
        rate_limit_per_minute=form.rate_limit_per_minute.data,
        created_by_id=admin_id,
        now=utcnow(),
    )
    db.session.commit()
    # Rendered, not redirected to: the key exists only in this answer.
    return (
        render_template(
            "admin/api_key_created.html", api_key=created.api_key, secret=created.secret
        ),
        200,
        NO_STORE,
    )


@bp.route("/<int:key_id>/revoke", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def revoke(key_id: int):
    api_key = _key(key_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(_("The form expired: try again."), "error")
        return render_template("admin/api_key_revoke.html", api_key=api_key, form=form)
    admin_id = current_user.id
    begin_write_transaction(db.session)
    api_key = _key(key_id)
    try:
        services.revoke_key(api_key, admin_id=admin_id, now=utcnow())
    except InvalidTransition:
        db.session.rollback()
        flash(_("This key was revoked already."), "info")
        return redirect(url_for("partners.keys"))
    db.session.commit()
    flash(
        _("The key %(prefix)s is revoked: it is refused from now on.", prefix=api_key.prefix),
        "success",
    )
    return redirect(url_for("partners.keys"))
