"""The office's payout page: drafts listed, approved by a second admin only."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.services import run_payouts
from tests.conftest import csrf_token
from tests.factories import gen_user
from tests.payouts.test_runs import RUN_DAY, producers_owed


def draft(created_by_id=None) -> Payout:
    producers_owed(500_000)
    run_payouts(RUN_DAY, created_by_id=created_by_id)
    return db.session.scalars(db.select(Payout)).one()


def approve(client, payout: Payout):
    token = csrf_token(client, "/admin/payouts")
    return client.post(f"/admin/payouts/{payout.id}/approve", data={"csrf_token": token})


def test_a_second_admin_approves_a_draft(app, client, login_as):
    starter = gen_user("admin", name="Trần Thị Khởi")
    payout = draft(created_by_id=starter.id)
    login_as("admin")
    page = client.get("/admin/payouts").get_data(as_text=True)
    assert "450.000" in page
    assert "Trần Thị Khởi" in page
    response = approve(client, payout)
    assert response.status_code == 302
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.APPROVED
    assert "Không có khoản chi trả nào chờ duyệt." in client.get("/admin/payouts").get_data(
        as_text=True
    )


def test_the_admin_who_started_the_run_cannot_approve_it(app, client, login_as):
    starter = login_as("admin")
    payout = draft(created_by_id=starter.id)
    assert "Quản trị viên khác duyệt" in client.get("/admin/payouts").get_data(as_text=True)
    response = approve(client, payout)
    assert response.status_code == 302
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.DRAFT
    assert payout.approved_by_id is None


@pytest.mark.parametrize("role", ["customer", "producer_staff"])
def test_only_admins_see_or_approve_payouts(app, client, login_as, role):
    payout = draft()
    login_as(role)
    assert client.get("/admin/payouts").status_code == 404
    token = csrf_token(client, "/account/login")
    response = client.post(f"/admin/payouts/{payout.id}/approve", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.DRAFT


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/admin/payouts")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
