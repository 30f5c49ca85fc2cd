"""Manual ledger adjustments: a signed amount with a reason, its ledger entry in the same
transaction, audit-logged, written once however often the form is posted."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from shop.audit.models import AuditLog
from shop.extensions import db
from shop.payouts.ledger import balance
from shop.payouts.models import LedgerEntry
from shop.payouts.office_models import LedgerAdjustment
from tests.conftest import run_threads
from tests.factories import gen_producer

TOKEN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form(client) -> dict:
    page = client.get("/admin/payouts/adjustments/new").get_data(as_text=True)
    return {"csrf_token": CSRF.search(page).group(1), "form_token": TOKEN.search(page).group(1)}


def post(client, fields: dict, **values):
    data = {**fields, "available_on": "2026-12-01", "reason": "Bù phí vận chuyển", **values}
    return client.post("/admin/payouts/adjustments/new", data=data)


def test_an_adjustment_and_its_entry_are_written_together(app, client, login_as):
    producer = gen_producer(name="HTX Chè Tân Cương")
    admin = login_as("admin")
    response = post(client, form(client), producer_id=str(producer.id), amount_vnd="-50000")
    assert response.status_code == 302
    adjustment = db.session.scalars(select(LedgerAdjustment)).one()
    assert (adjustment.amount_vnd, adjustment.created_by_id) == (-50_000, admin.id)
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.kind, entry.amount_vnd, entry.idempotency_key) == (
        "adjustment", -50_000, f"adjustment-{adjustment.id}",
    )  # fmt: skip
    assert balance(producer.id, date(2026, 12, 1)).available_vnd == -50_000
    log = db.session.scalars(select(AuditLog)).one()
    assert (log.action, log.target_id, log.producer_id) == (
        "ledger.adjustment", adjustment.id, producer.id,
    )  # fmt: skip
    listing = client.get("/admin/payouts/adjustments").get_data(as_text=True)
    assert "HTX Chè Tân Cương" in listing
    assert "Bù phí vận chuyển" in listing


@pytest.mark.parametrize("amount", ["0", "1.5", "12,5", "²", "1000000001", "-1000000001", "",
                                    "abc"])  # fmt: skip
def test_a_bad_amount_is_refused_next_to_the_field(app, client, login_as, amount):
    producer = gen_producer()
    login_as("admin")
    response = post(client, form(client), producer_id=str(producer.id), amount_vnd=amount)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="amount_vnd-error"' in page
    assert f'value="{amount}"' in page  # what was typed is kept
    assert db.session.scalar(select(func.count(LedgerAdjustment.id))) == 0
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


def test_a_reason_is_required(app, client, login_as):
    producer = gen_producer()
    login_as("admin")
    response = post(
        client, form(client), producer_id=str(producer.id), amount_vnd="120000", reason="  "
    )
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LedgerAdjustment.id))) == 0


def test_the_same_form_posted_five_times_writes_one_adjustment(app, client, login_as):
    producer = gen_producer()
    login_as("admin")
    fields = form(client)
    for _ in range(5):
        response = post(client, fields, producer_id=str(producer.id), amount_vnd="120000")
        assert response.status_code == 302
    assert db.session.scalar(select(func.count(LedgerAdjustment.id))) == 1
    assert balance(producer.id, date(2026, 12, 1)).available_vnd == 120_000


@pytest.mark.postgres
def test_five_identical_posts_at_once_write_one_adjustment(pg_app):
    from tests.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD, gen_user

    producer = gen_producer()
    admin = gen_user("admin")
    db.session.commit()
    clients = [pg_app.test_client() for _ in range(5)]
    fields = []
    for client in clients:
        assert sign_in(client, admin.email, DEFAULT_PASSWORD).status_code == 302
        fields.append(form(client))
    token = fields[0]["form_token"]
    producer_id = str(producer.id)

    def send(i: int) -> int:
        data = {**fields[i], "form_token": token}
        return post(clients[i], data, producer_id=producer_id, amount_vnd="120000").status_code

    assert run_threads(5, send) == [302] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count(LedgerAdjustment.id))) == 1
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    assert balance(producer.id, date(2026, 12, 1)).available_vnd == 120_000
