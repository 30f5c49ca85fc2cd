"""The spending rule: an amount strictly above the organisation's ``approval_threshold_vnd``
needs an approver's sign-off (an amount equal to the threshold does not; no threshold = never).

Other parts (quotes, batch orders) call ``needs_approval`` and ``request_approval`` and listen to
``shop.agencies.signals.approval_decided``. A request moves pending → approved | rejected |
withdrawn, each move a compare-and-set on the pending status: of concurrent decisions one wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.agencies.models import (
    ApprovalRequest,
    ApprovalStatus,
    MemberRole,
    Organisation,
    OrganisationMember,
)
from shop.agencies.signals import approval_decided
from shop.audit.services import record
from shop.db import move_status, utcnow
from shop.errors import ShopError
from shop.extensions import db

log = logging.getLogger(__name__)

TRANSITIONS: dict[str, frozenset[str]] = {
    ApprovalStatus.PENDING: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.WITHDRAWN}
    ),
    ApprovalStatus.APPROVED: frozenset(),
    ApprovalStatus.REJECTED: frozenset(),
    ApprovalStatus.WITHDRAWN: frozenset(),
}
NOTE_MAX = 500

# subject type → a function giving, for subject ids, each one's readable label and its page
# (e.g. "Quote Q-2026-000012 · 12 recipients · 4.560.000 ₫"); registered by the subject's part.
Labeller = Callable[[list[int]], dict[int, tuple[str, str | None]]]
_LABELLERS: dict[str, Labeller] = {}


def register_subject(subject_type: str, labeller: Labeller) -> None:
    _LABELLERS[subject_type] = labeller


def subject_labels(requests: list[ApprovalRequest]) -> dict[int, tuple[str, str | None]]:
    """Request id → (label, url or None) for the approval lists; a subject nobody labels (or
    that is gone) reads as its type and id."""
    by_type: dict[str, list[ApprovalRequest]] = {}
    for request in requests:
        by_type.setdefault(request.subject_type, []).append(request)
    labels: dict[int, tuple[str, str | None]] = {}
    for subject_type, group in by_type.items():
        labeller = _LABELLERS.get(subject_type)
        found = labeller([r.subject_id for r in group]) if labeller else {}
        for request in group:
            labels[request.id] = found.get(
                request.subject_id, (f"{subject_type} #{request.subject_id}", None)
            )
    return labels


class ApprovalError(ShopError):
    code = "refused"


class NotAnApprover(ApprovalError):
    code = "not_approver"
    status = 404


class SelfApproval(ApprovalError):
    code = "self"


class AlreadyDecided(ApprovalError):
    code = "decided"


def needs_approval(organisation: Organisation, amount_vnd: int) -> bool:
    """Whether ``amount_vnd`` needs a sign-off: strictly above the threshold."""
    threshold = organisation.approval_threshold_vnd
    return threshold is not None and amount_vnd > threshold


def request_approval(
    organisation_id: int, subject_type: str, subject_id: int, amount_vnd: int, requested_by_id: int
) -> ApprovalRequest:
    """The request for this subject: created pending, or the one that exists (whatever its
    status; a subject is approved once). Safe against a concurrent call for the same subject."""
    existing = _for_subject(subject_type, subject_id)
    if existing is not None:
        return existing
    request = ApprovalRequest(
        organisation_id=organisation_id,
        subject_type=subject_type,
        subject_id=subject_id,
        amount_vnd=amount_vnd,
        requested_by_id=requested_by_id,
        status=ApprovalStatus.PENDING,
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:
        existing = _for_subject(subject_type, subject_id)
        if existing is None:
            raise
        return existing
    record(
        requested_by_id,
        "approval.request",
        "approval_request",
        request.id,
        {},
        {"subject": f"{subject_type}:{subject_id}", "amount_vnd": amount_vnd},
    )
    return request


def _for_subject(subject_type: str, subject_id: int) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.subject_type == subject_type, ApprovalRequest.subject_id == subject_id
        )
    )


def _transition(request: ApprovalRequest, target: str, **values) -> bool:
    """Compare-and-set from pending to ``target`` (``request`` refreshed when it moved); False
    when another move came first."""
    return move_status(
        db.session, ApprovalRequest, request, TRANSITIONS, target, decided_at=utcnow(), **values
    )


def decide(request: ApprovalRequest, approver_id: int, approve: bool, note: str | None = None):
    """An approver of the request's organisation approves or rejects it. Raises
    ``NotAnApprover``, ``SelfApproval`` or ``AlreadyDecided`` (another decision came first).
    Sends ``approval_decided`` after the change, in the caller's transaction."""
    member = db.session.scalar(
        select(OrganisationMember)
        .where(OrganisationMember.user_id == approver_id)
        .execution_options(populate_existing=True)
    )
    if (
        member is None
        or member.organisation_id != request.organisation_id
        or member.role != MemberRole.APPROVER
    ):
        raise NotAnApprover("only the organisation's approvers decide")
    if approver_id == request.requested_by_id:
        raise SelfApproval("an approver cannot approve their own request")
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    note = (note or "").strip()[:NOTE_MAX] or None
    if not _transition(request, target, decided_by_id=approver_id, note=note):
        raise AlreadyDecided("the request was decided already")
    record(
        approver_id,
        f"approval.{target}",
        "approval_request",
        request.id,
        {"status": ApprovalStatus.PENDING.value},
        {"status": target.value, "note": note},
    )
    log.info("approval request %s %s by %s", request.id, target, approver_id)
    approval_decided.send(request, approved=approve)
    return request


def withdraw(request: ApprovalRequest, user_id: int) -> bool:
    """The requester takes the request back; False when it was decided already."""
    if user_id != request.requested_by_id:
        raise NotAnApprover("only the requester withdraws")
    if not _transition(request, ApprovalStatus.WITHDRAWN):
        return False
    record(
        user_id,
        "approval.withdrawn",
        "approval_request",
        request.id,
        {"status": "pending"},
        {"status": "withdrawn"},
    )
    return True


def withdraw_subject(subject_type: str, subject_id: int) -> bool:
    """The subject went away (a declined quote): its pending request, if any, is withdrawn."""
    request = _for_subject(subject_type, subject_id)
    return request is not None and _transition(request, ApprovalStatus.WITHDRAWN)


def pending_for(organisation_id: int) -> list[ApprovalRequest]:
    return list(
        db.session.scalars(
            select(ApprovalRequest)
            .where(
                ApprovalRequest.organisation_id == organisation_id,
                ApprovalRequest.status == ApprovalStatus.PENDING,
            )
            .order_by(ApprovalRequest.created_at, ApprovalRequest.id)
        )
    )
