"""OCOP office accounts work for one province: its producers, certificates and audit entries,
nothing of another province (a 404, as for any page an account may not see), and none of the
shop's money or orders, which stay with the admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import User
from shop.audit.services import record
from shop.catalog.models import Producer
from shop.extensions import db
from shop.templating import local_today
from tests.admin.test_producers import complete_producer, html, post
from tests.factories import gen_certificate, gen_producer, gen_product

BAC_NINH, THAI_NGUYEN = 24, 19


@pytest.fixture
def office(login_as):
    return login_as("ocop_office", province_code=BAC_NINH)


def _expiring(producer: Producer, days_left: int):
    today = local_today()
    return gen_certificate(
        gen_product(producer=producer), score=80,
        decision_date=today - timedelta(days=3 * 365) + timedelta(days=days_left),
    )  # fmt: skip


def test_an_office_account_needs_its_province(app):
    db.session.add(User(email="vp@example.vn", name="VP", password_hash="x", role="ocop_office"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_office_sees_its_province_only(client, office):
    ours = gen_producer(name="Mật ong Lục Ngạn", province_code=BAC_NINH, status="pending",
                        active=False)  # fmt: skip
    theirs = gen_producer(name="Chè Tân Cương", province="Thái Nguyên",
                          province_code=THAI_NGUYEN, status="pending", active=False)  # fmt: skip
    _expiring(ours, 20)
    _expiring(theirs, 20)
    db.session.commit()

    listing = html(client.get("/admin/producers"))
    assert "Mật ong Lục Ngạn" in listing
    assert "Chè Tân Cương" not in listing
    assert client.get(f"/admin/producers/{ours.id}").status_code == 200
    assert client.get(f"/admin/producers/{theirs.id}").status_code == 404
    refused = post(client, f"/admin/producers/{theirs.id}/suspend", {"reason": "x" * 20})
    assert refused.status_code == 404
    assert db.session.get(Producer, theirs.id).status == "pending"

    certificates = html(client.get("/admin/certificates?within=30&lang=en"))
    assert certificates.count("<tr") - 1 == 1  # the header row, and Bắc Ninh's one certificate

    home = html(client.get("/admin/?lang=en"))
    counts = {
        label: int(count)
        for count, label in re.findall(
            r'<span class="todo-count">(\d+)</span> <span class="todo-label">([^<]+)', home
        )
    }
    assert counts == {
        "Certificates expiring within 30 days": 1,
        "Certificates expiring within 60 days": 1,
        "Certificates expiring within 90 days": 1,
        "Producers waiting for approval": 1,
        "Listings to review": 0,
    }  # no payouts, flagged orders or quotes: the shop's money stays with the admins
    assert "OCOP office of Bắc Ninh" in home
    assert "/admin/orders" not in home


def test_an_admin_sees_every_province(client, login_as):
    gen_producer(name="Mật ong Lục Ngạn", province_code=BAC_NINH)
    gen_producer(name="Chè Tân Cương", province_code=THAI_NGUYEN)
    db.session.commit()
    login_as("admin")
    listing = html(client.get("/admin/producers"))
    assert "Mật ong Lục Ngạn" in listing
    assert "Chè Tân Cương" in listing
    assert "Payouts to approve" in html(client.get("/admin/?lang=en"))


def test_the_office_approves_its_own_province(client, office, outbox):
    producer = complete_producer(province_code=BAC_NINH, status="pending", active=False)
    db.session.commit()
    response = post(client, f"/admin/producers/{producer.id}/approve")
    assert response.status_code == 302
    assert db.session.get(Producer, producer.id).status == "approved"


@pytest.mark.parametrize(
    "path", ["/admin/orders", "/admin/orders/review", "/admin/payouts", "/admin/organisations"]
)
def test_the_shops_money_and_orders_stay_with_the_admins(client, office, path):
    assert client.get(path).status_code == 404


def test_the_audit_log_shows_the_province(client, office):
    ours = gen_producer(province_code=BAC_NINH)
    theirs = gen_producer(province_code=THAI_NGUYEN)
    record(None, "product.update", "product", 7001, {}, {}, producer_id=ours.id)
    record(None, "product.update", "product", 7002, {}, {}, producer_id=theirs.id)
    record(None, "payout.approve", "payout", 7003, {}, {})
    db.session.commit()
    page = html(client.get("/admin/audit?lang=en"))
    assert "7001" in page
    assert "7002" not in page
    assert "7003" not in page


def test_the_header_leads_the_office_home(client, office):
    assert 'href="/admin/"' in html(client.get("/"))


def test_create_office_user(app, runner):
    result = runner.invoke(
        args=["create-office-user", "VP@Example.VN", "--province", "Bắc Ninh"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "vp@example.vn"))
    assert (user.role, user.province_code) == ("ocop_office", BAC_NINH)
    unknown = runner.invoke(
        args=["create-office-user", "x@example.vn", "--province", "Atlantis"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert unknown.exit_code != 0
    assert "Atlantis" in unknown.output
