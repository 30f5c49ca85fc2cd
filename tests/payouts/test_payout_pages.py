"""The office's payout list: tabs by status with counts, and every action through the state
machine (send, mark paid with the bank's reference, mark failed with a reason)."""

from __future__ import annotations

import re

from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.catalog.models import Producer
from shop.extensions import db
from shop.payouts.models import EntryKind, Payout, PayoutStatus
from shop.payouts.sending import send_payout
from tests.conftest import csrf_token
from tests.payouts.connect import ACCOUNT, approved_payouts, use_stripe
from tests.payouts.factories import entries


def tab_counts(page: str) -> dict[str, int]:
    return {
        status: int(count)
        for status, count in re.findall(r'status=(\w+)"[^>]*>[^<]*<span class="count">(\d+)', page)
    }


def post(client, path: str, **data):
    token = csrf_token(client, "/admin/payouts")
    return client.post(path, data={"csrf_token": token, **data})


def test_tabs_count_each_status_and_list_its_payouts(app, client, login_as):
    first, second, third = approved_payouts(500_000, 300_000, 200_000)
    send_payout(first.id)
    login_as("admin")
    page = client.get("/admin/payouts?status=approved").get_data(as_text=True)
    assert tab_counts(page) == {
        "draft": 0, "approved": 2, "sent": 1, "paid": 0, "failed": 0, "reconciled": 0
    }  # fmt: skip
    assert "270.000" in page
    assert "180.000" in page
    assert "450.000" not in page
    assert f'href="/admin/payouts/{second.id}"' in page  # each row links to its payout
    assert "Chuyển khoản ngân hàng" in page  # the provider
    sent_page = client.get("/admin/payouts?status=sent").get_data(as_text=True)
    assert "450.000" in sent_page
    assert "270.000" not in sent_page
    assert client.get("/admin/payouts?status=nonsense").status_code == 200  # drafts


def test_the_admin_sends_a_payout_and_a_double_click_sends_it_once(app, client, login_as):
    stripe = use_stripe(app)
    (payout,) = approved_payouts(500_000, stripe_account=ACCOUNT)
    login_as("admin")
    response = post(client, f"/admin/payouts/{payout.id}/send")
    assert response.headers["Location"].endswith("status=paid")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tr_1" in page
    again = post(client, f"/admin/payouts/{payout.id}/send")  # the second click
    assert again.headers["Location"].endswith("status=approved")
    assert "không còn chờ gửi" in client.get("/admin/payouts").get_data(as_text=True)
    assert len(stripe.posts("/v1/transfers")) == 1
    db.session.refresh(payout)
    assert (payout.status, payout.provider_reference) == ("paid", "tr_1")


def test_a_refusal_is_shown_and_the_payout_stays_approved(app, client, login_as):
    from tests.payouts.connect import FakeStripe

    use_stripe(app, FakeStripe(refuse="No such destination"))
    (payout,) = approved_payouts(500_000, stripe_account=ACCOUNT)
    login_as("admin")
    response = post(client, f"/admin/payouts/{payout.id}/send")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("No such destination") == 2  # the message, and on the row
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.APPROVED


def test_mark_paid_needs_the_bank_reference(app, client, login_as):
    (payout,) = approved_payouts(500_000)
    send_payout(payout.id)
    login_as("admin")
    response = post(client, f"/admin/payouts/{payout.id}/mark-paid", reference="   ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nhập mã tham chiếu của ngân hàng" in page
    assert f'id="reference-{payout.id}"' in page
    assert 'aria-invalid="true"' in page
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.SENT
    response = post(client, f"/admin/payouts/{payout.id}/mark-paid", reference="VCB 0042")
    assert response.status_code == 302
    db.session.refresh(payout)
    assert (payout.status, payout.provider_reference) == ("paid", "VCB 0042")
    twice = post(client, f"/admin/payouts/{payout.id}/mark-paid", reference="VCB 0043")
    assert twice.status_code == 302
    db.session.refresh(payout)
    assert payout.provider_reference == "VCB 0042"  # the second click changed nothing


def test_mark_failed_needs_a_reason_and_owes_the_amount_again(app, client, login_as):
    (payout,) = approved_payouts(500_000)
    send_payout(payout.id)
    login_as("admin")
    response = post(client, f"/admin/payouts/{payout.id}/mark-failed", reason="")
    assert response.status_code == 400
    assert "Nhập lý do khoản chi trả thất bại" in response.get_data(as_text=True)
    too_long = post(client, f"/admin/payouts/{payout.id}/mark-failed", reason="x" * 501)
    assert too_long.status_code == 400
    assert "x" * 501 in too_long.get_data(as_text=True)  # what was typed is kept
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.SENT
    response = post(client, f"/admin/payouts/{payout.id}/mark-failed", reason="Account closed")
    assert response.headers["Location"].endswith("status=failed")
    db.session.refresh(payout)
    assert (payout.status, payout.note) == ("failed", "Account closed")
    [entry] = entries(kind=EntryKind.PAYOUT_REVERSAL)
    assert entry.amount_vnd == payout.amount_vnd


def test_the_admin_sets_a_producers_stripe_account_audited(app, client, login_as):
    (payout,) = approved_payouts(500_000)
    producer_id = payout.producer_id
    admin = login_as("admin")
    path = f"/admin/producers/{producer_id}/stripe-account"
    assert client.get(path).status_code == 200
    token = csrf_token(client, path)
    bad = client.post(path, data={"csrf_token": token, "account_id": "acct_12 34;--"})
    assert bad.status_code == 400
    assert "acct_12 34;--" in bad.get_data(as_text=True)
    assert db.session.get(Producer, producer_id).stripe_account_id is None
    good = client.post(path, data={"csrf_token": token, "account_id": " acct_9Zy8Xw "})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Producer, producer_id).stripe_account_id == "acct_9Zy8Xw"
    [log] = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "producer.stripe_account")
    ).all()
    assert (log.actor_id, log.before, log.after) == (
        admin.id, {"stripe_account_id": None}, {"stripe_account_id": "acct_9Zy8Xw"}
    )  # fmt: skip
    client.post(path, data={"csrf_token": token, "account_id": ""})
    db.session.expire_all()
    assert db.session.get(Producer, producer_id).stripe_account_id is None
    assert client.get("/admin/producers/999999/stripe-account").status_code == 404


def test_the_database_refuses_a_malformed_account_id(app):
    from sqlalchemy.exc import IntegrityError

    (payout,) = approved_payouts(500_000)
    producer = db.session.get(Producer, payout.producer_id)
    for bad in ("acct_", "acc_123", "acct_12-3", "acct_ñ1"):
        producer.stripe_account_id = bad
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
        else:
            raise AssertionError(f"{bad!r} was accepted")
        producer = db.session.get(Producer, payout.producer_id)
    producer.stripe_account_id = "acct_1AbC"
    db.session.flush()
    assert db.session.scalars(select(Payout)).one().status == "approved"


def test_the_payout_list_links_every_money_tool_and_each_one_answers(app, client, login_as):
    login_as("admin")
    page = client.get("/admin/payouts").get_data(as_text=True)
    tools = re.search(r'<nav class="link-row"[^>]*>(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', tools)
    assert links == [
        "/admin/payouts/batch.csv",
        "/admin/payouts/bank-statement",
        "/admin/payouts/remittances",
        "/admin/payouts/adjustments",
        "/admin/payouts/reports",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link
