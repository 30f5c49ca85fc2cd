"""A refund after a Stripe Connect payout takes the money back with a transfer reversal, once,
never more than the payout."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.orders.services import apply_refund
from shop.payouts.clawbacks import reverse_pending_clawbacks
from shop.payouts.ledger import balance
from shop.payouts.models import EntryKind, Payout, PayoutClawback, PayoutStatus
from shop.payouts.sending import send_payout
from shop.payouts.services import approve_payout, run_payouts
from tests.factories import gen_producer, gen_product, gen_user
from tests.payouts.connect import ACCOUNT, FakeStripe, approved_payouts, use_stripe
from tests.payouts.factories import PAID_AT, deliver, entries, paid_order

LATER = date(2027, 1, 1)


def stripe_paid_payout(app, price: int):
    stripe = use_stripe(app)
    (payout,) = approved_payouts(price, stripe_account=ACCOUNT)
    send_payout(payout.id)
    db.session.refresh(payout)
    assert payout.status == PayoutStatus.PAID
    return stripe, payout


def refund_line(order, quantity: int = 1, amount: int | None = None) -> None:
    line = order.lines[0]
    apply_refund(order, amount_vnd=amount or line.unit_price_vnd * quantity,
                 lines={line.id: quantity})  # fmt: skip
    db.session.commit()  # the reversal job runs after the commit


def the_order(payout: Payout):
    """The producer's first order (the one its first payout paid)."""
    from shop.orders.models import Order, ProducerOrder

    return db.session.scalars(
        select(Order)
        .join(ProducerOrder, ProducerOrder.order_id == Order.id)
        .where(ProducerOrder.producer_id == payout.producer_id)
        .order_by(Order.id)
    ).first()


def test_a_refund_after_a_stripe_payout_reverses_the_transfer_once(app):
    stripe, payout = stripe_paid_payout(app, 500_000)  # 450 000 paid out
    producer_id, payout_id = payout.producer_id, payout.id
    refund_line(the_order(payout))  # the whole sale: the producer owes 450 000
    [request] = stripe.posts("/reversals")
    assert request["url"] == "http://stripe.test/v1/transfers/tr_1/reversals"
    assert request["params"]["amount"] == "450000"
    assert request["headers"]["Idempotency-Key"].startswith("clawback-")
    [entry] = entries(kind=EntryKind.PAYOUT_REVERSAL)
    assert (entry.amount_vnd, entry.payout_id) == (450_000, payout_id)
    assert entry.idempotency_key == request["headers"]["Idempotency-Key"]
    assert balance(producer_id, LATER).total_vnd == 0
    [clawback] = db.session.scalars(select(PayoutClawback)).all()
    assert (clawback.status, clawback.provider_reference) == ("done", "trr_1")

    db.session.rollback()
    reverse_pending_clawbacks()  # the job again: nothing left to take back
    reverse_pending_clawbacks()
    assert len(stripe.posts("/reversals")) == 1
    assert len(entries(kind=EntryKind.PAYOUT_REVERSAL)) == 1


def test_partial_refunds_take_back_only_what_is_owed(app):
    stripe = use_stripe(app)
    producer = gen_producer(stripe_account_id=ACCOUNT)
    order = paid_order([(gen_product(producer, price_vnd=100_000), 2)])
    deliver(order, PAID_AT)
    db.session.commit()
    run_payouts(date(2026, 12, 14))
    payout = db.session.scalars(select(Payout)).one()
    approve_payout(payout, admin_id=gen_user("admin").id, now=PAID_AT)
    db.session.commit()
    assert send_payout(payout.id).status == PayoutStatus.PAID  # 180 000 paid out
    refund_line(order, amount=50_000)  # half of one item: the producer owes 45 000
    refund_line(order)  # the other item: 90 000 more
    amounts = [r["params"]["amount"] for r in stripe.posts("/reversals")]
    assert amounts == ["45000", "90000"]
    keys = {r["headers"]["Idempotency-Key"] for r in stripe.posts("/reversals")}
    assert len(keys) == 2  # one key per refund and payout
    assert sum(e.amount_vnd for e in entries(kind=EntryKind.PAYOUT_REVERSAL)) == 135_000
    assert balance(payout.producer_id, LATER).total_vnd == 0


def test_a_refund_while_the_producer_still_has_money_takes_nothing_back(app):
    stripe, payout = stripe_paid_payout(app, 500_000)
    producer = db.session.get(Producer, payout.producer_id)
    later_sale = paid_order([(gen_product(producer, price_vnd=300_000), 1)])
    db.session.commit()
    refund_line(the_order(payout), amount=200_000)  # −180 000 against 270 000 still owed
    assert later_sale.id
    assert stripe.posts("/reversals") == []
    assert db.session.scalars(select(PayoutClawback)).all() == []


def test_never_more_than_a_payout_minus_what_was_taken_back_newest_first(app):
    stripe = use_stripe(app)
    (first,) = approved_payouts(500_000, stripe_account=ACCOUNT)  # 450 000
    send_payout(first.id)
    producer = db.session.get(Producer, first.producer_id)
    producer_id = producer.id
    # A second sale, paid out in a later run: 90 000.
    order = paid_order([(gen_product(producer, price_vnd=100_000), 1)])
    deliver(order, PAID_AT)
    db.session.commit()
    app.config["PAYOUT_MINIMUM_VND"] = 1
    run_payouts(date(2026, 12, 21))
    second = db.session.scalars(select(Payout).where(Payout.id != first.id)).one()
    approve_payout(second, admin_id=gen_user("admin").id, now=PAID_AT)
    db.session.commit()
    send_payout(second.id)
    first_id, second_id = first.id, second.id

    refund_line(the_order(first))  # the producer owes 450 000
    reversals = {
        r["url"].rsplit("/", 2)[-2]: int(r["params"]["amount"]) for r in stripe.posts("/reversals")
    }
    assert reversals == {"tr_2": 90_000, "tr_1": 360_000}  # the latest payout first, capped
    taken = {e.payout_id: e.amount_vnd for e in entries(kind=EntryKind.PAYOUT_REVERSAL)}
    assert taken == {second_id: 90_000, first_id: 360_000}
    assert balance(producer_id, LATER).total_vnd == 0


def test_a_refused_reversal_stays_pending_and_is_retried(app):
    stripe, payout = stripe_paid_payout(app, 500_000)
    producer_id = payout.producer_id
    stripe.refuse = "Insufficient funds in the connected account"
    refund_line(the_order(payout))
    [clawback] = db.session.scalars(select(PayoutClawback)).all()
    assert clawback.status == "pending"
    assert "Insufficient funds" in clawback.last_error
    assert entries(kind=EntryKind.PAYOUT_REVERSAL) == []
    assert balance(producer_id, LATER).total_vnd == -450_000
    stripe.refuse = None
    db.session.rollback()
    assert reverse_pending_clawbacks().done == 1
    assert balance(producer_id, LATER).total_vnd == 0
    keys = {r["headers"]["Idempotency-Key"] for r in stripe.posts("/reversals")}
    assert len(keys) == 1  # the retry is the same request


def test_bank_transfer_payouts_are_not_reversed(app):
    (payout,) = approved_payouts(500_000)
    send_payout(payout.id)
    client = FakeStripe()
    use_stripe(app, client)
    refund_line(the_order(payout))
    assert client.requests == []
    assert db.session.scalars(select(PayoutClawback)).all() == []
