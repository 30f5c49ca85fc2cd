"""Sending approved payouts through their provider: outside any write transaction, once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.errors import InvalidTransition
from shop.extensions import db
from shop.jobs import send_approved_payouts as job
from shop.payouts import sending
from shop.payouts.models import EntryKind, Payout, PayoutStatus
from shop.payouts.providers import BankTransfer, PayoutProviderError, provider_for
from shop.payouts.sending import send_approved_payouts, send_payout
from shop.payouts.services import mark_paid
from tests.factories import gen_producer
from tests.payouts.connect import ACCOUNT, FakeStripe, approved_payouts, use_stripe
from tests.payouts.factories import entries


def test_a_bank_transfer_is_sent_then_marked_paid_with_the_bank_reference(app):
    (payout,) = approved_payouts(500_000)
    assert payout.provider == "bank_transfer"
    result = send_payout(payout.id)
    assert (result.status, result.provider_reference) == (PayoutStatus.SENT, None)
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.SENT
    mark_paid(payout, provider_reference="VCB 2026121400042")
    db.session.commit()
    assert payout.status == PayoutStatus.PAID
    with pytest.raises(InvalidTransition):  # sent once: a second send is refused
        send_payout(payout.id)


def test_a_stripe_connect_payout_is_a_transfer_paid_at_once(app):
    stripe = use_stripe(app)
    (payout,) = approved_payouts(500_000, stripe_account=ACCOUNT)
    assert payout.provider == "stripe_connect"
    result = send_payout(payout.id)
    assert result.status == PayoutStatus.PAID
    assert result.provider_reference == "tr_1"
    [request] = stripe.posts("/v1/transfers")
    assert request["url"] == "http://stripe.test/v1/transfers"
    assert request["headers"]["Idempotency-Key"] == f"payout-{payout.id}"
    assert request["params"] == {
        "amount": "450000",  # zero-decimal VND
        "currency": "vnd",
        "destination": ACCOUNT,
        "transfer_group": f"payout-{payout.id}",
        "metadata[payout_id]": str(payout.id),
        "metadata[reference]": f"OCOP PO{payout.id:06d}",
    }
    db.session.refresh(payout)
    assert (payout.status, payout.provider_reference) == ("paid", "tr_1")


def test_stripe_connect_pays_only_producers_with_an_account_when_stripe_is_set_up(app):
    with_account, without = gen_producer(), gen_producer()
    with_account.stripe_account_id = ACCOUNT
    db.session.flush()
    assert provider_for(with_account.id).id == "bank_transfer"  # Stripe not configured
    use_stripe(app)
    assert provider_for(with_account.id).id == "stripe_connect"
    assert provider_for(without.id).id == "bank_transfer"


def test_a_crash_after_the_transfer_then_a_second_send_moves_the_money_once(app, monkeypatch):
    stripe = use_stripe(app)
    (payout,) = approved_payouts(500_000, stripe_account=ACCOUNT)
    real = sending.transition_payout

    def crash(*args, **kwargs):
        raise RuntimeError("the process died after Stripe answered")

    monkeypatch.setattr(sending, "transition_payout", crash)
    with pytest.raises(RuntimeError):
        send_payout(payout.id)
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.APPROVED  # nothing recorded: the worker died
    monkeypatch.setattr(sending, "transition_payout", real)
    assert send_payout(payout.id).provider_reference == "tr_1"
    requests = stripe.posts("/v1/transfers")
    assert len(requests) == 2
    keys = {request["headers"]["Idempotency-Key"] for request in requests}
    assert keys == {f"payout-{payout.id}"}  # the same request: Stripe made one transfer
    assert len(stripe.by_key) == 1
    assert send_approved_payouts().sent == []  # nothing left to send
    assert len(stripe.posts("/v1/transfers")) == 2


def test_a_provider_refusal_leaves_the_payout_approved_with_the_error(app, caplog):
    use_stripe(app, FakeStripe(refuse="No such destination: 'acct_1Producer2Xyz'"))
    (payout,) = approved_payouts(500_000, stripe_account=ACCOUNT)
    with pytest.raises(PayoutProviderError):
        send_payout(payout.id)
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.APPROVED
    assert "No such destination" in payout.send_error
    assert "refused to send it" in caplog.text
    assert entries(kind=EntryKind.PAYOUT_REVERSAL) == []


def test_the_job_sends_every_approved_payout_and_keeps_going_after_a_refusal(app, monkeypatch):
    first, second = approved_payouts(500_000, 300_000)
    first_id, second_id = first.id, second.id
    real_send = BankTransfer.send
    calls = []

    def flaky(self, request):
        calls.append(request.idempotency_key)
        if request.payout_id == first_id:
            raise PayoutProviderError("bank file rejected")
        return real_send(self, request)

    monkeypatch.setattr(BankTransfer, "send", flaky)
    db.session.rollback()  # the job runs in a session of its own
    job()
    assert calls == [f"payout-{first_id}", f"payout-{second_id}"]
    statuses = dict(db.session.execute(select(Payout.id, Payout.status)).tuples().all())
    assert statuses == {first_id: "approved", second_id: "sent"}
