"""An admin approves the weekly run's payout to a producer and opens it: its VietQR code, read
back from the screen by a QR decoder, asks the bank for exactly the payout's amount to the
producer's verified account with the payout's reference."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.banking.vietqr import parse_payload
from shop.catalog.models import Producer
from shop.extensions import db
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.providers import payout_reference
from shop.payouts.services import run_payouts
from tests.factories import gen_product
from tests.payouts.factories import bank_account, deliver, paid_order

pytestmark = pytest.mark.browser

ADMIN = ("admin@ocop.example", "demo-admin-2026")
PRODUCER = "htx-xuan-truong"


@pytest.fixture(scope="module")
def draft(live_app):
    """A delivered sale of the producer, past its hold, and the scheduler's draft payout."""
    with live_app.app_context():
        producer = db.session.scalar(select(Producer).where(Producer.slug == PRODUCER))
        account = bank_account(producer, account_number="0071000888888")
        order = paid_order([(gen_product(producer, price_vnd=1_250_000, stock=5), 1)])
        deliver(order, datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
        db.session.commit()
        report = run_payouts(date(2026, 12, 14), key="browser-run")
        db.session.commit()
        payout = db.session.scalar(select(Payout).where(Payout.run_id == report.run_id))
        return {
            "id": payout.id,
            "amount": payout.amount_vnd,
            "account": account.account_number,
            "bin": account.bank_bin,
        }


def test_an_admin_approves_a_payout_and_its_vietqr_reads_back(live_server, live_app, page, draft):
    import zxingcpp
    from PIL import Image

    page.goto(live_server + "/account/login?lang=en")
    page.get_by_label("E-mail").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    page.goto(live_server + "/admin/payouts?status=draft")
    row = page.locator(f"#payout-{draft['id']}")
    assert "Automatic" in row.inner_text()  # drafted by the weekly job
    row.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    with live_app.app_context():
        assert db.session.get(Payout, draft["id"]).status == PayoutStatus.APPROVED

    page.goto(live_server + "/admin/payouts?status=approved")
    page.locator(f"#payout-{draft['id']} th a").click()
    page.wait_for_load_state()
    qr = page.locator(".vietqr svg")
    assert qr.is_visible()
    shot = Image.open(io.BytesIO(qr.screenshot()))
    results = zxingcpp.read_barcodes(shot)
    assert len(results) == 1
    transfer = parse_payload(results[0].text)
    assert transfer.amount_vnd == draft["amount"]
    assert transfer.account == draft["account"]
    assert transfer.bin == draft["bin"]
    assert transfer.purpose == payout_reference(draft["id"])
    assert payout_reference(draft["id"]) in page.locator("main").inner_text()
