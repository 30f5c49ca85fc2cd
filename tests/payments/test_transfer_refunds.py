"""Refunds of orders paid by bank transfer: no card provider is called; the office enters the
customer's account, pays the refund from its banking app with a VietQR code, and records the
bank's reference. The amount goes through the same refund planning as a card refund, so the
producers' ledger (and a clawback from a paid-out producer) follows."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from sqlalchemy import select

from shop.banking import vietqr
from shop.banking.statement import CREDIT, StatementRow
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.bank_statement import record_transfer
from shop.payments.models import Refund, RefundStatus
from shop.payments.services import Payee, record_refund
from shop.payouts.models import EntryKind
from tests.factories import gen_order, gen_product
from tests.payouts.factories import PAID_AT, entries

BIN_ACB = "970416"


def _paid_by_transfer(*items, parts: int = 1) -> Order:
    order = gen_order(list(items) or [(gen_product(price_vnd=200_000, stock=10), 2)],
                      method="bank_transfer")  # fmt: skip
    left = order.total_vnd
    with time_machine.travel(PAID_AT, tick=False):
        for part in range(parts):
            amount = left if part == parts - 1 else order.total_vnd // parts
            row = StatementRow(part + 2, PAID_AT.date(), CREDIT, amount,
                               f"OCOP {order.reference}", f"FT-IN-{order.id}-{part}")  # fmt: skip
            record_transfer(order.id, row, admin_id=None)
            left -= amount
    db.session.commit()
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    return order


def _page(client, order: Order) -> str:
    return client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)


def _token(page: str) -> str:
    return re.search(r'name="[^"]*csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _refund(client, order: Order, **fields):
    page = _page(client, order)
    data = {"csrf_token": _token(page), "reason": "hàng hỏng", **fields}
    return client.post(f"/admin/orders/{order.reference}/refund?lang=en", data=data)


def test_the_office_refunds_a_transfer_by_transfer_with_a_vietqr(client, login_as):
    order = _paid_by_transfer(parts=2)
    line = order.lines[0]
    login_as("admin")
    page = _page(client, order)
    assert 'name="payee_account"' in page
    assert "Vietcombank" in page  # the NAPAS list

    # Bad input: messages next to the fields, what was typed kept, nothing recorded.
    typed = {"payee_bin": "999999", "payee_account": "12ab", "payee_holder": "Nguyễn Văn An"}
    bad = _refund(client, order, **{f"line_{line.id}": "1", **typed})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Not a valid choice" in body or "Choose the customer" in body
    assert "An account number is 6 to 19 digits." in body
    assert 'value="12ab"' in body
    assert "NGUYEN VAN AN" in body or "Nguyễn Văn An" in body
    assert "hàng hỏng" in body
    assert db.session.scalars(select(Refund)).all() == []

    response = _refund(client, order, **{f"line_{line.id}": "1", "payee_bin": BIN_ACB,
                                         "payee_account": "0123 456 789",
                                         "payee_holder": "Nguyễn Văn An"})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.status, refund.amount_vnd) == (RefundStatus.PENDING, line.unit_price_vnd)
    assert (refund.payee_bin, refund.payee_account, refund.payee_holder) == (
        BIN_ACB,
        "0123456789",
        "NGUYEN VAN AN",
    )
    order = db.session.get(Order, order.id)
    assert order.refunded_vnd == line.unit_price_vnd  # through apply_refund, as for a card
    assert [e.amount_vnd for e in entries(kind=EntryKind.REFUND_SALE)] == [-line.unit_price_vnd]

    page = _page(client, order)
    payload = html.unescape(re.search(r'data-payload="([^"]+)"', page).group(1))
    transfer = vietqr.parse_payload(payload)
    assert (transfer.bin, transfer.account, transfer.amount_vnd) == (
        BIN_ACB,
        "0123456789",
        line.unit_price_vnd,
    )
    assert transfer.purpose == f"HOAN {order.reference}"
    assert "Send again" not in page

    # Recorded as paid with the bank's reference; a blank one is refused next to its field.
    url = f"/admin/orders/{order.reference}/refunds/{refund.id}/transferred?lang=en"
    blank = client.post(
        url,
        data={f"sent-{refund.id}-csrf_token": _token(page), f"sent-{refund.id}-bank_reference": ""},
    )
    assert blank.status_code == 400
    assert "Enter the bank's reference of the transfer." in blank.get_data(as_text=True)
    done = client.post(url, data={f"sent-{refund.id}-csrf_token": _token(page),
                                  f"sent-{refund.id}-bank_reference": "FT-OUT-77"})  # fmt: skip
    assert done.status_code == 302
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.provider_reference) == (RefundStatus.SUCCEEDED, "FT-OUT-77")
    assert db.session.get(Order, order.id).status == OrderStatus.PARTIALLY_REFUNDED
    again = client.post(url, data={f"sent-{refund.id}-csrf_token": _token(page),
                                   f"sent-{refund.id}-bank_reference": "FT-OUT-78"})  # fmt: skip
    assert again.status_code == 302
    assert db.session.get(Refund, refund.id).provider_reference == "FT-OUT-77"


def test_never_more_than_was_paid_and_not_yet_refunded(client, login_as):
    order = _paid_by_transfer()
    login_as("admin")
    payee = {"payee_bin": BIN_ACB, "payee_account": "0123456789", "payee_holder": "Tran Thi B"}
    assert _refund(client, order, everything="y", **payee).status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.refunded_vnd == order.paid_vnd == order.total_vnd
    refused = _refund(client, order, everything="y", **payee)
    assert refused.status_code == 409
    assert "already been refunded" in refused.get_data(as_text=True)
    assert len(db.session.scalars(select(Refund)).all()) == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - the service's own refusal
        record_refund(order, lines=None, reason="x", admin_id=None, amount_vnd=1)


def test_a_cancelled_transfer_order_waits_for_the_customers_account(client, login_as):
    order = _paid_by_transfer()
    login_as("admin")
    page = _page(client, order)
    response = client.post(
        f"/admin/orders/{order.reference}/cancel?lang=en",
        data={"csrf_token": _token(page), "reason": "khách hủy"},
        follow_redirects=True,
    )
    assert "Enter the customer" in response.get_data(as_text=True)
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.status, refund.payee_bin) == (RefundStatus.PENDING, None)
    page = _page(client, order)
    assert "data-payload" not in page
    url = f"/admin/orders/{order.reference}/refunds/{refund.id}/payee?lang=en"
    prefix = f"payee-{refund.id}-"
    typed = {"payee_bin": BIN_ACB, "payee_account": "", "payee_holder": "Lê C"}
    data = {prefix + key: value for key, value in typed.items()}
    bad = client.post(url, data={prefix + "csrf_token": _token(page), **data})
    assert bad.status_code == 400
    assert "Enter the customer's account number." in bad.get_data(as_text=True)
    assert 'value="LE C"' in bad.get_data(as_text=True)
    ok = client.post(url, data={prefix + "csrf_token": _token(page), prefix + "payee_bin": BIN_ACB,
                                prefix + "payee_account": "998877665",
                                prefix + "payee_holder": "Lê C"})  # fmt: skip
    assert ok.status_code == 302
    page = _page(client, order)
    payload = html.unescape(re.search(r'data-payload="([^"]+)"', page).group(1))
    assert vietqr.parse_payload(payload).amount_vnd == order.total_vnd


def test_a_refund_by_transfer_takes_back_a_paid_out_producers_share(app):
    from shop.db import utcnow
    from shop.payouts.models import Payout, PayoutClawback, PayoutStatus
    from shop.payouts.sending import send_payout
    from shop.payouts.services import approve_payout, run_payouts
    from tests.factories import gen_producer, gen_user
    from tests.payouts.connect import ACCOUNT, use_stripe
    from tests.payouts.factories import bank_account, deliver
    from tests.payouts.test_runs import RUN_DAY

    stripe = use_stripe(app)
    producer = gen_producer(stripe_account_id=ACCOUNT)
    bank_account(producer)
    order = _paid_by_transfer((gen_product(producer, price_vnd=500_000), 1), parts=2)
    deliver(order, PAID_AT)
    db.session.commit()
    run_payouts(RUN_DAY)
    [payout] = db.session.scalars(select(Payout)).all()
    approve_payout(payout, admin_id=gen_user("admin").id, now=utcnow())
    db.session.commit()
    send_payout(payout.id)
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.PAID

    order = db.session.get(Order, order.id)
    payee = Payee(bank_bin=BIN_ACB, account="0123456789", holder="NGUYEN VAN AN")
    record_refund(order, lines=None, reason="hàng hỏng", admin_id=None, payee=payee)
    db.session.commit()  # the clawback job runs after the commit
    assert len(stripe.posts("/reversals")) == 1
    [clawback] = db.session.scalars(select(PayoutClawback)).all()
    assert clawback.status == "done"
    assert [e.payout_id for e in entries(kind=EntryKind.PAYOUT_REVERSAL)] == [payout.id]


def test_a_refund_sent_from_elsewhere_waits_for_the_office_flagged(app):
    """A booking cancelled by the tourist or the operator sends its refund at once; for money
    that came by transfer, nothing is sent: the order is flagged for the office."""
    from shop.payments.services import send_refund

    order = _paid_by_transfer()
    refund = record_refund(order, lines=None, reason="session cancelled", admin_id=None)
    db.session.commit()
    send_refund(refund, actor="producer")
    db.session.commit()
    assert db.session.get(Refund, refund.id).status == RefundStatus.PENDING
    flagged = db.session.get(Order, order.id)
    assert flagged.needs_review
    assert f"refund of {refund.amount_vnd} VND" in flagged.review_reason


def test_the_bank_statement_s_debit_completes_the_refund_transfer_once(client, login_as, app):
    """The office's transfer shows on the statement as a debit "HOAN <order>": importing it
    completes the pending refund of that amount (once), any other amount or an order with no
    refund waiting is listed for review and changes nothing, and payouts' debits stay theirs."""
    from tests.payments.test_bank_transfer import _actions, _confirm, _preview

    order = _paid_by_transfer(parts=2)
    other = _paid_by_transfer()
    payee = Payee(BIN_ACB, "0123456789", "TRAN THI B")
    [line] = order.lines
    first = record_refund(order, lines={line.id: 1}, reason="vỡ", admin_id=None, payee=payee)
    second = record_refund(order, lines={line.id: 1}, reason="vỡ", admin_id=None, payee=payee)
    no_account = record_refund(other, lines=None, reason="hủy", admin_id=None)
    db.session.commit()
    assert first.amount_vnd == second.amount_vnd
    amount = first.amount_vnd
    login_as("admin")
    statement = "\n".join([
        "Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung",
        f"29/11/2026;FT-OUT-1;{amount:,};;HOAN {order.reference}",
        f"29/11/2026;FT-OUT-2;{amount + 1:,};;HOAN {order.reference} nhap sai",
        f"30/11/2026;FT-OUT-3;{amount:,};;IBFT HOAN {order.reference.replace('-', '')}",
        f"30/11/2026;FT-OUT-4;{no_account.amount_vnd:,};;HOAN {other.reference}",
        "30/11/2026;FT-OUT-5;250.000;;OCOP PO000001 chi tra",
    ]).replace(",", ".").encode("utf-8-sig")  # fmt: skip
    page = _preview(client, statement)
    assert _actions(page) == ["refund_paid", "no_refund", "refund_paid", "no_refund"]
    assert "Our refund transfer" in page
    result = _confirm(client, page)
    body = result.get_data(as_text=True)
    assert "2 refunds by transfer recorded as paid." in body
    assert re.findall(r'data-result="([^"]+)"', body) == ["refund", "refund"]
    db.session.expire_all()
    done = {r.id: (r.status, r.provider_reference) for r in db.session.scalars(select(Refund))}
    assert done[first.id] == (RefundStatus.SUCCEEDED, "FT-OUT-1")
    assert done[second.id] == (RefundStatus.SUCCEEDED, "FT-OUT-3")
    assert done[no_account.id] == (RefundStatus.PENDING, None)  # no account: not ours yet
    refunded = db.session.get(Order, order.id)
    assert refunded.refunded_vnd == 2 * amount  # both lines; the delivery is not refunded
    assert refunded.status == OrderStatus.PARTIALLY_REFUNDED

    again = _preview(client, statement)
    assert _actions(again) == ["done", "no_refund", "done", "no_refund"]
