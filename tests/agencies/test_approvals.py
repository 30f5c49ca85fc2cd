"""The spending rule and the approval requests: threshold boundaries (an amount equal to the
threshold needs no sign-off; one đồng more does), idempotent requests, self-approval refused,
one decision per request, and the signal other parts listen to."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.agencies import approvals
from shop.agencies.models import ApprovalRequest, MemberRole
from shop.agencies.signals import approval_decided
from shop.audit.models import AuditLog
from shop.extensions import db
from tests.agencies.factories import add_member, gen_organisation
from tests.factories import gen_user

THRESHOLD = 20_000_000


@pytest.mark.parametrize(
    ("threshold", "amount", "needed"),
    [
        (THRESHOLD, THRESHOLD - 1, False),
        (THRESHOLD, THRESHOLD, False),  # equal to the threshold: no sign-off
        (THRESHOLD, THRESHOLD + 1, True),
        (0, 0, False),
        (0, 1, True),  # a threshold of 0: every paid order needs a sign-off
        (None, 10**12, False),  # no threshold: never
    ],
)
def test_threshold_boundaries(app, threshold, amount, needed):
    organisation = gen_organisation(threshold=threshold)
    assert approvals.needs_approval(organisation, amount) is needed


@pytest.fixture
def world(app):
    approver = gen_user("customer")
    organisation = gen_organisation(approver, threshold=THRESHOLD)
    buyer = add_member(organisation, MemberRole.BUYER)
    second = add_member(organisation, MemberRole.APPROVER)
    db.session.commit()
    return organisation, approver, buyer, second


def test_a_request_is_idempotent_per_subject(world):
    organisation, _, buyer, _ = world
    first = approvals.request_approval(organisation.id, "quote", 7, 25_000_000, buyer.id)
    again = approvals.request_approval(organisation.id, "quote", 7, 25_000_000, buyer.id)
    db.session.commit()
    assert first.id == again.id
    assert db.session.scalar(select(func.count(ApprovalRequest.id))) == 1
    other = approvals.request_approval(organisation.id, "batch", 7, 25_000_000, buyer.id)
    assert other.id != first.id


def test_an_approver_approves_once_and_the_signal_says_so(world):
    organisation, approver, buyer, _ = world
    heard = []

    def listener(sender, approved):
        heard.append((sender.subject_type, sender.subject_id, approved))

    request = approvals.request_approval(organisation.id, "quote", 8, 30_000_000, buyer.id)
    with approval_decided.connected_to(listener):
        approvals.decide(request, approver.id, True, "  ok for Tết  ")
    db.session.commit()
    assert heard == [("quote", 8, True)]
    assert (request.status, request.decided_by_id, request.note) == (
        "approved",
        approver.id,
        "ok for Tết",
    )
    with pytest.raises(approvals.AlreadyDecided):
        approvals.decide(request, approver.id, False)
    assert (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "approval.approved")
        )
        == 1
    )


def test_an_approver_cannot_approve_their_own_request(world):
    organisation, approver, _, second = world
    request = approvals.request_approval(organisation.id, "quote", 9, 30_000_000, approver.id)
    with pytest.raises(approvals.SelfApproval):
        approvals.decide(request, approver.id, True)
    assert request.status == "pending"
    approvals.decide(request, second.id, False, "too dear")
    assert request.status == "rejected"


def test_the_database_refuses_a_self_approval_too(world):
    organisation, approver, _, _ = world
    request = approvals.request_approval(organisation.id, "quote", 10, 1, approver.id)
    db.session.commit()
    asked_at = request.created_at
    request.status, request.decided_by_id, request.decided_at = "approved", approver.id, asked_at
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_buyers_and_other_organisations_approvers_cannot_decide(world):
    organisation, _, buyer, second = world
    outsider = gen_user("customer")
    gen_organisation(outsider)
    request = approvals.request_approval(organisation.id, "quote", 11, 30_000_000, second.id)
    for who in (buyer.id, outsider.id):
        with pytest.raises(approvals.NotAnApprover):
            approvals.decide(request, who, True)
    assert request.status == "pending"


def test_the_requester_withdraws_a_pending_request_only(world):
    organisation, approver, buyer, _ = world
    request = approvals.request_approval(organisation.id, "quote", 12, 30_000_000, buyer.id)
    assert approvals.withdraw(request, buyer.id) is True
    assert request.status == "withdrawn"
    assert request.decided_by_id is None
    assert approvals.withdraw(request, buyer.id) is False
    with pytest.raises(approvals.AlreadyDecided):
        approvals.decide(request, approver.id, True)
