"""Recording an evaluation round and the decision that recognises it.

``record_evaluation`` checks the scores against the version's maxima, computes the total and
the stars, and — for 3★ or more, with a decision — issues the certificate (valid 36 months from
the decision) and marks the subject's certificates in force until then ``superseded``, all in
the caller's transaction, with the audit log. Under 3★ only the evaluation is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from shop.audit.services import record
from shop.catalog.models import (
    Authority,
    CertificateStatus,
    OcopCertificate,
    Product,
)
from shop.errors import ShopError
from shop.evaluations.authorities import may_choose
from shop.evaluations.criteria import (
    NATIONAL_STARS,
    PART_KEYS,
    VERSIONS,
    Level,
    certified,
    stars_for_total,
)
from shop.evaluations.models import Evaluation, IssuingAuthority
from shop.extensions import db
from shop.tourism.models import Experience
from shop.verify.services import normalise_number

PRODUCT, EXPERIENCE = "product", "experience"
KINDS = {PRODUCT: Product, EXPERIENCE: Experience}
# The certificate's ``authority`` (the level that signed it, as the shop's certificates say).
AUTHORITY_OF_LEVEL = {
    Level.NATIONAL: Authority.MINISTRY,
    Level.PROVINCE: Authority.PROVINCE,
    Level.DISTRICT: Authority.DISTRICT,
}


# A district People's Committee recognised 3★ only (Decision 148/QĐ-TTg, 2023 to June 2025).
DISTRICT_MAX_STARS = 3


class EvaluationRefused(ShopError):
    """``field``: the form field the reason belongs to; ``reason``: why."""

    code = "evaluation_refused"

    def __init__(self, field: str, reason: str, **details) -> None:
        super().__init__(f"evaluation refused: {field} {reason}", field=field, reason=reason)
        self.field, self.reason, self.details = field, reason, details


@dataclass(frozen=True)
class Scores:
    criteria_version: str
    score_a: int
    score_b: int
    score_c: int

    @property
    def total(self) -> int:
        return self.score_a + self.score_b + self.score_c

    @property
    def stars(self) -> int:
        return stars_for_total(self.total)


@dataclass(frozen=True)
class EvaluationInput:
    scores: Scores
    round_name: str
    level: str
    evaluated_on: date
    notes: str | None = None


@dataclass(frozen=True)
class DecisionInput:
    certificate_number: str
    decision_number: str
    decision_date: date
    authority_id: int | None
    scan_file: str | None = None


def check_scores(scores: Scores) -> None:
    """Each part within its version's maximum; raises ``EvaluationRefused`` on the part."""
    version = VERSIONS.get(scores.criteria_version)
    if version is None:
        raise EvaluationRefused("criteria_version", "unknown")
    for key in PART_KEYS:
        value = getattr(scores, f"score_{key}")
        if not 0 <= value <= version.maximum(key):
            raise EvaluationRefused(f"score_{key}", "over", maximum=version.maximum(key))


def certificate_number(typed: str) -> str:
    """The number as stored (``shop.verify.services.normalise_number``: capitals, single
    spaces), or '' when it is not one: letters and digits with ``-``, ``/`` and ``.``."""
    number = normalise_number(typed)
    if not number or not number[0].isalnum():
        return ""
    return number if all(c.isalnum() or c in "-/. " for c in number) else ""


def _check_decision(
    decision: DecisionInput, data: EvaluationInput, stars: int, province: int | None
) -> IssuingAuthority:
    if decision.decision_date < data.evaluated_on:
        raise EvaluationRefused("decision_date", "before_evaluation")
    authority = (
        db.session.get(IssuingAuthority, decision.authority_id)
        if decision.authority_id is not None
        else None
    )
    if authority is None or not may_choose(authority, province):
        raise EvaluationRefused("authority_id", "unknown")
    if not authority.valid_on(decision.decision_date):
        raise EvaluationRefused("authority_id", "not_valid_then")
    if stars >= NATIONAL_STARS and authority.level != Level.NATIONAL:
        raise EvaluationRefused("authority_id", "national_for_five")
    if stars > DISTRICT_MAX_STARS and authority.level == Level.DISTRICT:
        raise EvaluationRefused("authority_id", "district_for_three")
    number = certificate_number(decision.certificate_number)
    if not number:
        raise EvaluationRefused("certificate_number", "invalid")
    taken = db.session.scalar(
        select(OcopCertificate.id).where(func.upper(OcopCertificate.certificate_number) == number)
    )
    if taken is not None:
        raise EvaluationRefused("certificate_number", "taken")
    return authority


def record_evaluation(
    kind: str,
    subject: Product | Experience,
    data: EvaluationInput,
    decision: DecisionInput | None,
    *,
    actor_id: int | None,
    province: int | None = None,
) -> Evaluation:
    """Record the round; with 3★ or more and a decision, issue its certificate and supersede
    the subject's certificates in force. ``province``: the office's (None for an admin), which
    limits the authorities it may name. Flushes; raises ``EvaluationRefused``."""
    scores = data.scores
    check_scores(scores)
    stars = scores.stars
    if stars >= NATIONAL_STARS and data.level != Level.NATIONAL:
        raise EvaluationRefused("level", "national_for_five")
    authority = None
    if certified(stars):
        if decision is None:
            raise EvaluationRefused("certificate_number", "needed")
        authority = _check_decision(decision, data, stars, province)
    subject_column = "product_id" if kind == PRODUCT else "experience_id"
    evaluation = Evaluation(
        **{subject_column: subject.id},
        round_name=data.round_name,
        criteria_version=scores.criteria_version,
        score_a=scores.score_a,
        score_b=scores.score_b,
        score_c=scores.score_c,
        total=scores.total,
        stars=stars,
        level=data.level,
        evaluated_on=data.evaluated_on,
        recorded_by_id=actor_id,
        notes=data.notes or None,
    )
    db.session.add(evaluation)
    db.session.flush()
    after = {
        "kind": kind, "subject": subject.id, "criteria_version": scores.criteria_version,
        "scores": [scores.score_a, scores.score_b, scores.score_c], "total": scores.total,
        "stars": stars, "level": data.level, "round": data.round_name,
    }  # fmt: skip
    if authority is not None and decision is not None:
        certificate, superseded = _issue(kind, subject, evaluation, decision, authority)
        after |= {"certificate": certificate.certificate_number, "superseded": superseded}
    record(actor_id, "evaluation.record", "evaluation", evaluation.id, {}, after,
           producer_id=subject.producer_id)  # fmt: skip
    return evaluation


def _issue(
    kind: str,
    subject: Product | Experience,
    evaluation: Evaluation,
    decision: DecisionInput,
    authority: IssuingAuthority,
) -> tuple[OcopCertificate, list[str]]:
    column = OcopCertificate.product_id if kind == PRODUCT else OcopCertificate.experience_id
    # Two decisions for one subject at once: the second waits here for the first's commit, then
    # supersedes its certificate too (SQLite: the write transaction already serialises them).
    model = KINDS[kind]
    db.session.execute(select(model.id).where(model.id == subject.id).with_for_update())
    # Every certificate of the subject still counting is replaced by this decision (kept as
    # history); an expired or revoked one keeps its status.
    replaced = db.session.scalars(
        select(OcopCertificate.certificate_number).where(
            column == subject.id, OcopCertificate.status == CertificateStatus.ACTIVE
        )
    ).all()
    db.session.execute(
        update(OcopCertificate)
        .where(column == subject.id, OcopCertificate.status == CertificateStatus.ACTIVE)
        .values(status=CertificateStatus.SUPERSEDED)
        .execution_options(synchronize_session="fetch")
    )
    certificate = OcopCertificate.issue(
        **{column.key: subject.id},
        score=evaluation.total,
        decision_date=decision.decision_date,
        certificate_number=certificate_number(decision.certificate_number),
        decision_number=decision.decision_number,
        authority=AUTHORITY_OF_LEVEL[Level(authority.level)],
        authority_name=authority.name_vi,
        authority_id=authority.id,
        criteria_version=evaluation.criteria_version,
        evaluation_round=evaluation.round_name,
        scan_file=decision.scan_file,
        evaluation_id=evaluation.id,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate, list(replaced)


# --- reads ---------------------------------------------------------------------------------------


def evaluations_of(kind: str, subject_id: int) -> list[Evaluation]:
    column = Evaluation.product_id if kind == PRODUCT else Evaluation.experience_id
    return list(
        db.session.scalars(
            select(Evaluation)
            .where(column == subject_id)
            .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc())
        )
    )


def certificates_of(kind: str, subject_id: int) -> list[OcopCertificate]:
    column = OcopCertificate.product_id if kind == PRODUCT else OcopCertificate.experience_id
    return list(
        db.session.scalars(
            select(OcopCertificate)
            .where(column == subject_id)
            .order_by(OcopCertificate.decision_date.desc(), OcopCertificate.id.desc())
        )
    )
