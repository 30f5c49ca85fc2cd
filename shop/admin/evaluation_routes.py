"""The office's evaluation pages: a product's or experience's evaluation history (rounds,
certificates, scans), recording a round with its decision, the scans, and the list of issuing
authorities. Everything is limited to the office's province (``shop.admin.scope``)."""

from __future__ import annotations

import logging
import re

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from shop.addresses.services import provinces
from shop.admin import bp
from shop.admin.scope import office_province, office_required, producer_or_404, scoped_certificates
from shop.catalog.models import OcopCertificate
from shop.db import begin_write_transaction
from shop.evaluations import authorities as authority_list
from shop.evaluations import scans
from shop.evaluations.criteria import VERSIONS, certified, stars_for_total
from shop.evaluations.forms import LEVELS, VERSION_LABELS, AuthorityForm, EvaluationForm
from shop.evaluations.models import IssuingAuthority
from shop.evaluations.services import (
    KINDS,
    DecisionInput,
    EvaluationInput,
    EvaluationRefused,
    Scores,
    certificates_of,
    evaluations_of,
    record_evaluation,
)
from shop.extensions import db
from shop.security import max_body
from shop.templating import local_today

log = logging.getLogger(__name__)

KIND_PATH = "<any(product, experience):kind>"
# The multipart envelope around a 10 MB PDF (boundaries, the CSRF token, the other fields).
UPLOAD_BODY_MAX = scans.PDF_MAX_BYTES + 64 * 1024
_ID = re.compile(r"\A[0-9]{1,9}\Z", re.ASCII)

REFUSALS = {
    "over": _l("Too many points for this part under this criteria version."),
    "national_for_five": _l("5★ is recognised only after the national evaluation."),
    "needed": _l("From 3★ the certificate is needed: its number."),
    "before_evaluation": _l("The decision cannot be dated before the evaluation."),
    "unknown": _l("Choose an authority from the list."),
    "not_valid_then": _l(
        "This authority did not sign decisions on the decision date: choose the one that did."
    ),
    "invalid": _l("Letters and digits with - / . only, such as 4S-2026-015."),
    "district_for_three": _l("A district committee recognised 3★ only: choose the province."),
    "taken": _l("This certificate number is already in the register."),
}
AUTHORITY_FIVE = _l("5★ is recognised by the ministry: choose a national authority.")
SCAN_REFUSALS = {
    "empty": _l("This file is empty. Choose the scan again."),
    "type": _l("Choose a PDF, or a JPEG, PNG or WebP picture of the certificate."),
    "too_large": _l("This scan is too large: a PDF of at most 10 MB or a picture of at most 5 MB."),
    "corrupt": _l("This picture is damaged and cannot be read. Scan it again."),
    "too_many_pixels": _l("This picture has too many pixels: at most 40 megapixels."),
    "too_small": _l("This picture is too small to read: at least 64 pixels on each side."),
}
AUTHORITY_REFUSALS = {
    "before_start": _l("The last day cannot be before the first."),
    "national": _l("Only an admin adds or edits a national authority."),
    "taken": _l("An authority with this name is in the list already."),
    "needed": _l("Choose the province whose office keeps this authority."),
}


def _subject(kind: str, subject_id: int):
    """The product or experience, if its producer is in the office's province; else 404."""
    subject = db.session.get(KINDS[kind], subject_id)
    if subject is None:
        abort(404)
    producer_or_404(subject.producer)
    return subject


# --- a subject's history --------------------------------------------------------------------


@bp.get(f"/evaluations/{KIND_PATH}/<int:subject_id>")
@office_required
def evaluation_history(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    return render_template(
        "admin/evaluations.html",
        kind=kind,
        subject=subject,
        evaluations=evaluations_of(kind, subject.id),
        certificates=certificates_of(kind, subject.id),
        levels=LEVELS,
        today=local_today(),
    )


def _authority_choices(form: EvaluationForm) -> None:
    """Every authority the office may name, with the dates it signed decisions."""
    rows = db.session.scalars(authority_list.visible_authorities(office_province())).all()
    choices = [SelectChoice("", _("Choose…"))]
    for a in rows:
        start = f"{a.valid_from:%d/%m/%Y}"
        dates = f"{start}–{a.valid_to:%d/%m/%Y}" if a.valid_to else _("from %(day)s", day=start)
        choices.append(SelectChoice(str(a.id), f"{a.name_vi} ({dates})"))
    form.authority_id.choices = choices


def _new_page(kind: str, subject, form: EvaluationForm, *, code: int = 200):
    total = form.result() if request.method == "POST" else None
    result = None if total is None else {"total": total, "stars": stars_for_total(total)}
    return render_template(
        "admin/evaluation_new.html",
        kind=kind,
        subject=subject,
        form=form,
        versions=VERSIONS,
        version_labels=VERSION_LABELS,
        result=result,
    ), code


@bp.get(f"/evaluations/{KIND_PATH}/<int:subject_id>/new")
@office_required
def evaluation_new(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    form = EvaluationForm(formdata=None, evaluated_on=local_today())
    _authority_choices(form)
    return _new_page(kind, subject, form)


def _authority_id(text: str | None) -> int | None:
    return int(text) if text and _ID.match(text) else None


@bp.post(f"/evaluations/{KIND_PATH}/<int:subject_id>/new")
@office_required
@max_body(UPLOAD_BODY_MAX)
def evaluation_create(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    form = EvaluationForm()
    _authority_choices(form)
    if not form.validate_on_submit():
        return _new_page(kind, subject, form, code=400)
    scores = Scores(
        form.criteria_version.data, form.score_a.data, form.score_b.data, form.score_c.data
    )
    prepared = None
    upload = form.scan.data
    if certified(scores.stars) and upload is not None and getattr(upload, "filename", ""):
        try:
            prepared = scans.prepare_scan(upload.stream.read(scans.READ_MAX))
        except scans.ScanRefused as refused:
            log.info("%s %s: scan refused (%s)", kind, subject_id, refused.reason)
            form.scan.errors = [str(SCAN_REFUSALS[refused.reason])]
            return _new_page(kind, subject, form, code=400)
    data = EvaluationInput(
        scores=scores,
        round_name=form.round_name.data,
        level=form.level.data,
        evaluated_on=form.evaluated_on.data,
        notes=form.notes.data,
    )
    scan_name = scans.new_name(prepared[1]) if prepared else None
    decision = DecisionInput(
        certificate_number=form.certificate_number.data or "",
        decision_number=form.decision_number.data or "",
        decision_date=form.decision_date.data,
        authority_id=_authority_id(form.authority_id.data),
        scan_file=scan_name,
    )
    actor_id, province = current_user.id, office_province()
    begin_write_transaction(db.session)
    subject = _subject(kind, subject_id)
    try:
        record_evaluation(
            kind,
            subject,
            data,
            decision if certified(scores.stars) else None,
            actor_id=actor_id,
            province=province,
        )
        db.session.flush()
    except EvaluationRefused as refused:
        db.session.rollback()
        message = (
            AUTHORITY_FIVE
            if (refused.field, refused.reason) == ("authority_id", "national_for_five")
            else REFUSALS[refused.reason]
        )
        getattr(form, refused.field).errors = [str(message)]
        return _new_page(kind, _subject(kind, subject_id), form, code=400)
    except IntegrityError:  # a certificate number taken by a request that committed first
        db.session.rollback()
        form.certificate_number.errors = [str(REFUSALS["taken"])]
        return _new_page(kind, _subject(kind, subject_id), form, code=400)
    written = None
    if prepared and scan_name:
        written = scans.write_scan(prepared[0], scan_name, current_app.config["SCAN_DIR"])
    try:
        db.session.commit()
    except Exception:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    if certified(scores.stars):
        flash(_("Evaluation recorded and its certificate issued."), "success")
    else:
        flash(_("Evaluation recorded. Under 3★ no certificate is issued."), "success")
    return redirect(url_for("admin.evaluation_history", kind=kind, subject_id=subject_id))


@bp.get("/evaluations/certificates/<int:certificate_id>/scan")
@office_required
def certificate_scan(certificate_id: int):
    """The scan of a certificate of the office's province (private: never cached)."""
    certificate = db.session.scalar(
        scoped_certificates(select(OcopCertificate).where(OcopCertificate.id == certificate_id))
    )
    if certificate is None:
        abort(404)
    return scans.scan_response(certificate, current_app.config["SCAN_DIR"])


# --- the issuing authorities ------------------------------------------------------------------


def _province_choices(form: AuthorityForm) -> None:
    form.province.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(str(p.code), p.name, render_kw={"lang": "vi"}) for p in provinces()
    ]


def _authorities_page(form: AuthorityForm, *, code: int = 200):
    province = office_province()
    _province_choices(form)
    rows = db.session.scalars(authority_list.visible_authorities(province)).all()
    return render_template(
        "admin/authorities.html",
        authorities=rows,
        editable={a.id for a in rows if authority_list.may_edit(a, province)},
        form=form,
        levels=LEVELS,
    ), code


def _authority_input(form: AuthorityForm) -> authority_list.AuthorityInput:
    return authority_list.AuthorityInput(
        name_vi=form.name_vi.data,
        name_en=form.name_en.data,
        level=form.level.data,
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        province_code=form.province_code(),
    )


@bp.get("/authorities")
@office_required
def authorities():
    return _authorities_page(AuthorityForm(formdata=None))


@bp.post("/authorities")
@office_required
def authority_add():
    form = AuthorityForm()
    if not form.validate_on_submit():
        return _authorities_page(form, code=400)
    actor_id, province = current_user.id, office_province()
    begin_write_transaction(db.session)
    try:
        authority_list.add_authority(_authority_input(form), province=province, actor_id=actor_id)
        db.session.flush()
    except authority_list.AuthorityRefused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors = [str(AUTHORITY_REFUSALS[refused.reason])]
        return _authorities_page(form, code=400)
    except IntegrityError:
        db.session.rollback()
        form.name_vi.errors = [str(AUTHORITY_REFUSALS["taken"])]
        return _authorities_page(form, code=400)
    db.session.commit()
    flash(_("Authority added."), "success")
    return redirect(url_for("admin.authorities"))


def _editable_authority(authority_id: int) -> IssuingAuthority:
    authority = db.session.get(IssuingAuthority, authority_id)
    if authority is None or not authority_list.may_edit(authority, office_province()):
        abort(404)
    return authority


@bp.get("/authorities/<int:authority_id>")
@office_required
def authority_edit(authority_id: int):
    authority = _editable_authority(authority_id)
    form = AuthorityForm(formdata=None, obj=authority, province=str(authority.province_code or ""))
    return _edit_page(authority, form)


def _edit_page(authority: IssuingAuthority, form: AuthorityForm, *, code: int = 200):
    _province_choices(form)
    return render_template("admin/authority_edit.html", authority=authority, form=form), code


@bp.post("/authorities/<int:authority_id>")
@office_required
def authority_save(authority_id: int):
    authority = _editable_authority(authority_id)
    form = AuthorityForm()
    if not form.validate_on_submit():
        return _edit_page(authority, form, code=400)
    actor_id, province = current_user.id, office_province()
    begin_write_transaction(db.session)
    authority = _editable_authority(authority_id)
    try:
        authority_list.edit_authority(
            authority, _authority_input(form), province=province, actor_id=actor_id
        )
        db.session.flush()
    except (authority_list.AuthorityRefused, IntegrityError) as error:
        db.session.rollback()
        field, reason = (
            (error.field, error.reason)
            if isinstance(error, authority_list.AuthorityRefused)
            else ("name_vi", "taken")
        )
        getattr(form, field).errors = [str(AUTHORITY_REFUSALS[reason])]
        return _edit_page(_editable_authority(authority_id), form, code=400)
    db.session.commit()
    flash(_("Authority saved."), "success")
    return redirect(url_for("admin.authorities"))
