"""Approvals racing on PostgreSQL: five approvers deciding the same request at once make one
decision (one audit entry, one signal)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.agencies import approvals
from shop.agencies.models import ApprovalRequest, MemberRole
from shop.agencies.signals import approval_decided
from shop.audit.models import AuditLog
from shop.db import begin_write_transaction
from shop.extensions import db
from tests.agencies.factories import add_member, gen_organisation
from tests.conftest import run_threads

pytestmark = pytest.mark.postgres


def test_five_concurrent_decisions_make_one(pg_app):
    organisation = gen_organisation(threshold=1)
    buyer = add_member(organisation, MemberRole.BUYER)
    deciders = [add_member(organisation, MemberRole.APPROVER).id for _ in range(5)]
    request = approvals.request_approval(organisation.id, "quote", 1, 5_000_000, buyer.id)
    db.session.commit()
    request_id = request.id
    heard = []

    def decide(i: int) -> str:
        with pg_app.app_context():
            begin_write_transaction(db.session)
            try:
                found = db.session.get(ApprovalRequest, request_id)
                approvals.decide(found, deciders[i], i % 2 == 0, f"tab {i}")
                db.session.commit()
                return "decided"
            except approvals.AlreadyDecided:
                db.session.rollback()
                return "late"
            finally:
                db.session.remove()

    def listener(sender, approved):
        heard.append(approved)

    with approval_decided.connected_to(listener):
        results = run_threads(5, decide)
    assert sorted(results) == ["decided", "late", "late", "late", "late"]
    assert len(heard) == 1
    db.session.expire_all()
    decided = db.session.get(ApprovalRequest, request_id)
    assert decided.status in ("approved", "rejected")
    assert decided.decided_by_id in deciders
    assert (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.action.in_(["approval.approved", "approval.rejected"])
            )
        )
        == 1
    )
