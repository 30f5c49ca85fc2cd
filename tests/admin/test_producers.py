"""The office's producer pages: the onboarding checklist, approving only a complete producer,
suspending with a reason that is e-mailed — its listings leave the shop at once, cached pages
included, while its open orders go on — and the database holding ``active`` and the status
together."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.audit.models import AuditLog
from shop.catalog.models import Producer, ProducerStatus
from shop.extensions import db, limiter
from shop.outbox.models import OutboxMessage
from shop.payouts.bank_accounts import ProducerBankAccount
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_producer, gen_product, gen_user
from tests.producer.test_routes import paid_order, parcel_of
from tests.test_cache import enable_cache


def html(response) -> str:
    return response.get_data(as_text=True)


def complete_producer(**fields) -> Producer:
    """Every checklist item done: contact details and a verified bank account."""
    producer = gen_producer(contact_email="htx@example.vn", contact_phone="0912345678", **fields)
    checker = gen_user("admin")
    db.session.add(
        ProducerBankAccount(
            producer_id=producer.id, bank_bin="970436", account_number="0011001234567",
            holder_name="HTX THU NGHIEM", verified_at=db.func.now(), verified_by_id=checker.id,
        )
    )  # fmt: skip
    db.session.flush()
    return producer


@pytest.fixture
def office(client, login_as):
    return login_as("admin")


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, "/account"), **(data or {})},
                       **kwargs)  # fmt: skip


def test_the_checklist_shows_what_is_missing_and_approval_waits_for_it(client, office):
    pending = gen_producer(status="pending", active=False)  # no contact, no bank details
    db.session.commit()
    page = html(client.get(f"/admin/producers/{pending.id}?lang=en"))
    assert "Onboarding checklist" in page
    assert page.count('class="missing"') == 2  # the bank details and the seller's contact
    assert page.count('class="done"') == 3
    refused = post(client, f"/admin/producers/{pending.id}/approve?lang=en", follow_redirects=True)
    assert "Every item of the checklist is needed first." in html(refused)
    db.session.expire_all()
    assert db.session.get(Producer, pending.id).status == ProducerStatus.PENDING

    ready = complete_producer(status="pending", active=False)
    db.session.commit()
    assert 'class="missing"' not in html(client.get(f"/admin/producers/{ready.id}?lang=en"))
    assert post(client, f"/admin/producers/{ready.id}/approve").status_code == 302
    db.session.expire_all()
    approved = db.session.get(Producer, ready.id)
    assert (approved.status, approved.active) == (ProducerStatus.APPROVED, True)
    listing = html(client.get("/admin/producers?status=approved&lang=en"))
    assert f'/admin/producers/{approved.id}"' in listing


def test_suspending_hides_the_listings_at_once_and_emails_the_reason(client, app, office):
    enable_cache(app)
    producer = complete_producer()
    product = gen_product(producer=producer, name_vi="Miến dong Sơn Động")
    staff = gen_user("producer_staff", producer_id=producer.id, producer_admin=True, locale="en")
    order = paid_order([(product, 1)])
    db.session.commit()
    assert client.get(f"/products/{product.slug}").status_code == 200
    assert "Miến dong Sơn Động" in html(client.get("/products"))  # now in the cache

    empty = post(client, f"/admin/producers/{producer.id}/suspend?lang=en", {"reason": "  "})
    assert empty.status_code == 400
    assert "Enter the reason for the suspension." in html(empty)
    reason = "Hồ sơ công bố chất lượng hết hiệu lực"
    response = post(client, f"/admin/producers/{producer.id}/suspend", {"reason": reason})
    assert response.status_code == 302
    db.session.expire_all()
    suspended = db.session.get(Producer, producer.id)
    assert (suspended.status, suspended.active, suspended.status_reason) == (
        ProducerStatus.SUSPENDED, False, reason,
    )  # fmt: skip
    # Gone from the shop at once, cached listing included.
    assert client.get(f"/products/{product.slug}").status_code == 404
    assert "Miến dong Sơn Động" not in html(client.get("/products"))
    # The reason reached the producer's admin, in English.
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.payload["to"].as_string() == staff.email)
    ).all()
    assert "suspended from sale" in message.payload["subject"]
    assert reason in message.payload["text_body"]
    assert (
        db.session.scalar(select(AuditLog.action).where(AuditLog.target_type == "producer"))
        == "producer.suspend"
    )
    again = post(client, f"/admin/producers/{producer.id}/suspend?lang=en", {"reason": "x"},
                 follow_redirects=True)  # fmt: skip
    assert "suspended already" in html(again)

    # Its open order goes on: its staff confirm and ship it in the portal.
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})
    limiter.reset()
    assert sign_in(client, staff.email, DEFAULT_PASSWORD).status_code == 302
    parcel = parcel_of(order, producer)
    assert post(client, f"/producer/orders/{parcel.id}/confirm").status_code == 302
    shipped = post(client, f"/producer/orders/{parcel.id}/ship",
                   {"carrier": "GHN", "tracking_number": "GHN123"})  # fmt: skip
    assert shipped.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(parcel), parcel.id).status == "shipped"


def test_a_suspended_producer_is_put_back_on_sale(client, office):
    producer = complete_producer(status="suspended", active=False)
    product = gen_product(producer=producer)
    db.session.commit()
    assert client.get(f"/products/{product.slug}").status_code == 404
    page = html(client.get(f"/admin/producers/{producer.id}?lang=en"))
    assert "Put back on sale" in page
    assert re.search(r"Suspend</button>", page) is None
    assert post(client, f"/admin/producers/{producer.id}/approve").status_code == 302
    assert client.get(f"/products/{product.slug}").status_code == 200


def test_the_database_holds_active_and_the_status_together(app):
    producer = gen_producer()
    db.session.commit()
    for values in ({"active": False}, {"status": "suspended"}, {"status": "paused"}):
        with pytest.raises(IntegrityError):
            db.session.execute(
                Producer.__table__.update().where(Producer.id == producer.id).values(**values)
            )
        db.session.rollback()


def test_the_tax_code_item_follows_the_shop_s_one_mst_rule(app):
    from shop.admin.producers import checklist
    from shop.templating import local_today

    for code, done in (("2400000001", True), ("2400000001-002", True),
                       ("2400000001002", False), ("24000000011", False)):  # fmt: skip
        producer = gen_producer(tax_code=code)
        item = next(i for i in checklist(producer, local_today()) if i.key == "tax_code")
        assert item.done is done, code
