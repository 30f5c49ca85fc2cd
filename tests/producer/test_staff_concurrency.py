"""Staff changes racing on PostgreSQL: five tabs accepting the same invitation make one
acceptance; two admins removing each other at once leave the producer one admin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.audit.models import AuditLog
from shop.extensions import db
from shop.producer import invitations
from tests.conftest import csrf_token, run_threads, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

pytestmark = pytest.mark.postgres


def _signed_in_clients(app, user: User, count: int) -> list[tuple[object, str]]:
    clients = []
    for _ in range(count):
        client = app.test_client()
        assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
        clients.append((client, csrf_token(client, "/account")))
    return clients


def test_five_acceptances_at_once_make_one(pg_app):
    admin = gen_user("producer_staff", producer_admin=True)
    newcomer = gen_user("customer", email="racer@example.com")
    db.session.commit()
    invitation, token = invitations.invite(
        admin.producer_id, newcomer.email, admin=False, actor_id=admin.id
    )
    db.session.commit()
    clients = _signed_in_clients(pg_app, newcomer, 5)

    def accept(i: int) -> int:
        client, csrf = clients[i]
        return client.post(f"/producer/join/{token}", data={"csrf_token": csrf}).status_code

    statuses = run_threads(5, accept)
    assert sorted(statuses) == [302, 409, 409, 409, 409]
    db.session.expire_all()
    joined = db.session.get(User, newcomer.id)
    assert (joined.role, joined.producer_id) == ("producer_staff", admin.producer_id)
    assert db.session.get(type(invitation), invitation.id).accepted_by_id == newcomer.id
    assert (
        db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "staff.join"))
        == 1
    )


def test_two_admins_removing_each_other_at_once_leave_one_admin(pg_app):
    first = gen_user("producer_staff", producer_admin=True)
    second = gen_user("producer_staff", producer_id=first.producer_id, producer_admin=True)
    db.session.commit()
    pairs = [(first.id, second.id), (second.id, first.id)]
    producer_id = first.producer_id

    def remove(i: int) -> bool:
        actor_id, member_id = pairs[i]
        with pg_app.app_context():
            try:
                invitations.remove(producer_id, member_id, actor_id=actor_id)
                db.session.commit()
                return True
            except invitations.StaffError:
                db.session.rollback()
                return False
            finally:
                db.session.remove()

    assert sorted(run_threads(2, remove)) == [False, True]
    db.session.expire_all()
    admins = db.session.scalar(
        select(func.count(User.id)).where(
            User.producer_id == producer_id, User.producer_admin, User.role == "producer_staff"
        )
    )
    assert admins == 1
