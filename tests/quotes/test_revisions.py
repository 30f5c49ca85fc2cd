"""Revised quotes: the office sends a sent quote again with another delivery, discount or
validity. The new quote names the old one, which is superseded (never accepted afterwards); the
boxes keep their quoted prices; a sign-off waiting for the old quote is withdrawn and the new
total is approved afresh; the buyer gets the new quote by e-mail; and an acceptance racing the
revision on PostgreSQL ends with exactly one of them done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from shop.agencies.models import ApprovalRequest
from shop.batches.models import BatchStatus, GiftBatch
from shop.db import begin_write_transaction, utcnow
from shop.errors import InvalidTransition
from shop.extensions import db
from shop.orders.models import Order
from shop.outbox.models import OutboxMessage
from shop.quotes import services
from shop.quotes.models import Quote, QuoteLine, QuoteStatus
from tests.agencies.factories import add_member
from tests.batches.test_batches import post, signed_in, world  # noqa: F401
from tests.conftest import run_threads
from tests.factories import gen_user
from tests.quotes.test_quotes import sent


def revise(quote: Quote, *, delivery: int, discount: int = 0, days: int = 30) -> Quote:
    admin = gen_user("admin")
    revised = services.revise(
        quote,
        admin.id,
        delivery_vnd=delivery,
        discount_vnd=discount,
        valid_until=utcnow().date() + timedelta(days=days),
        now=utcnow(),
    )
    db.session.commit()
    return revised


def test_a_revision_replaces_the_quote_keeping_the_boxes_prices(world):  # noqa: F811
    quote = sent(world, [1, 2, 3], delivery=90_000, days=3)
    old_lines = [(line.recipient_id, line.unit_price_vnd, line.goods_vnd) for line in quote.lines]
    revised = revise(quote, delivery=45_001, discount=20_000)

    db.session.expire_all()
    old = db.session.get(Quote, quote.id)
    assert old.status == QuoteStatus.SUPERSEDED
    assert old.closed_at is not None
    assert (revised.status, revised.replaces_id) == (QuoteStatus.SENT, quote.id)
    assert revised.reference != old.reference
    assert revised.total_vnd == old.goods_vnd + 45_001 - 20_000
    assert revised.valid_until_day == utcnow().date() + timedelta(days=30)
    lines = db.session.scalars(
        select(QuoteLine).where(QuoteLine.quote_id == revised.id).order_by(QuoteLine.id)
    ).all()
    assert [(li.recipient_id, li.unit_price_vnd, li.goods_vnd) for li in lines] == old_lines
    # Delivery and discount spread to the đồng over the recipients, again.
    assert sum(li.delivery_vnd for li in lines) == 45_001
    assert sum(li.discount_vnd for li in lines) == 20_000
    assert sum(li.total_vnd for li in lines) == revised.total_vnd
    assert services.replacement_of(quote.id).id == revised.id
    assert services.latest_quote(quote.batch_id).id == revised.id
    keys = set(db.session.scalars(select(OutboxMessage.idempotency_key)))
    assert f"quote-sent-{revised.id}" in keys


def test_a_superseded_quote_is_never_accepted_and_the_revision_is(world):  # noqa: F811
    quote = sent(world, [1, 1])
    revised = revise(quote, delivery=10_000)
    buyer = world["buyer"]
    old = db.session.get(Quote, quote.id)
    with pytest.raises(InvalidTransition):
        services.accept(old, buyer.id, now=utcnow(), adult_confirmed=False)
    db.session.rollback()
    with pytest.raises(InvalidTransition):  # nor revised twice
        revise(db.session.get(Quote, quote.id), delivery=0)
    db.session.rollback()

    services.accept(revised, buyer.id, now=utcnow(), adult_confirmed=False)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Quote, revised.id).status == QuoteStatus.ACCEPTED
    orders = db.session.scalars(select(Order).where(Order.batch_id == quote.batch_id)).all()
    assert sum(o.total_vnd for o in orders) == revised.total_vnd
    with pytest.raises(InvalidTransition):  # an accepted quote is not revised
        revise(db.session.get(Quote, revised.id), delivery=0)


def test_a_waiting_sign_off_is_withdrawn_and_the_new_total_asks_again(client, world):  # noqa: F811
    world["organisation"].approval_threshold_vnd = 100_000
    approver = add_member(world["organisation"], "approver")
    db.session.commit()
    quote = sent(world, [1, 1])
    signed_in(client, world["buyer"])
    post(client, f"/agency/quotes/{quote.id}/accept")
    first = db.session.scalar(select(ApprovalRequest))
    assert first.status == "pending"

    revised = revise(db.session.get(Quote, quote.id), delivery=5_000)
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, first.id).status == "withdrawn"
    signed_in(client, approver)
    refused = post(client, f"/agency/approvals/{first.id}/approve")
    assert refused.status_code in (302, 409)
    assert db.session.get(Quote, quote.id).status == QuoteStatus.SUPERSEDED

    signed_in(client, world["buyer"])
    post(client, f"/agency/quotes/{revised.id}/accept")
    second = db.session.scalar(
        select(ApprovalRequest).where(ApprovalRequest.subject_id == revised.id)
    )
    assert (second.status, second.amount_vnd) == ("pending", revised.total_vnd)
    signed_in(client, approver)
    post(client, f"/agency/approvals/{second.id}/approve")
    db.session.expire_all()
    assert db.session.get(Quote, revised.id).status == QuoteStatus.ACCEPTED
    assert db.session.get(GiftBatch, quote.batch_id).status == BatchStatus.CREATED


def test_the_office_revises_through_its_page_and_the_buyer_sees_why(client, world):  # noqa: F811
    quote = sent(world, [2], delivery=30_000)
    admin = gen_user("admin")
    db.session.commit()
    signed_in(client, admin)
    page = client.get(f"/admin/quotes/{quote.id}?lang=en").get_data(as_text=True)
    assert "Revise and send again" in page
    assert "Send the revised quote" in page

    bad = post(
        client,
        f"/admin/quotes/{quote.id}/send?lang=en",
        {"delivery_vnd": "0", "discount_vnd": "1²", "valid_until": "2030-02-28"},
    )
    assert bad.status_code == 400
    assert 'value="1²"' in bad.get_data(as_text=True)
    assert db.session.get(Quote, quote.id).status == QuoteStatus.SENT

    response = post(
        client,
        f"/admin/quotes/{quote.id}/send?lang=en",
        {"delivery_vnd": "0", "discount_vnd": "15000", "valid_until": "2030-02-28"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The revised quote is sent" in page
    db.session.expire_all()
    revised = services.replacement_of(quote.id)
    assert revised.valid_until_day == date(2030, 2, 28)
    assert revised.total_vnd == quote.goods_vnd - 15_000
    assert f'Revises quote <a href="/admin/quotes/{quote.id}">{quote.reference}</a>' in page
    old_page = client.get(f"/admin/quotes/{quote.id}?lang=en").get_data(as_text=True)
    assert revised.reference in old_page
    assert "Revise and send again" not in old_page  # superseded: nothing to send

    # The same form posted again on the old quote: refused, nothing more is sent.
    again = post(
        client,
        f"/admin/quotes/{quote.id}/send?lang=en",
        {"delivery_vnd": "0", "discount_vnd": "0", "valid_until": "2030-02-28"},
        follow_redirects=True,
    )
    assert "replaced meanwhile" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Quote.id))) == 2

    signed_in(client, world["buyer"])
    batch_page = client.get(f"/agency/batches/{quote.batch_id}?lang=en").get_data(as_text=True)
    assert revised.reference in batch_page
    assert "The office revised the quote it sent earlier" in batch_page
    stale = post(client, f"/agency/quotes/{quote.id}/accept?lang=en", follow_redirects=True)
    assert "The office sent a revised quote in place of this one" in stale.get_data(as_text=True)
    assert db.session.get(Quote, quote.id).status == QuoteStatus.SUPERSEDED

    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"quote-sent-{revised.id}")
    )
    assert revised.reference in message.payload["subject"]
    assert f"thay thế báo giá {quote.reference}" in message.payload["text_body"]  # in Vietnamese


@pytest.mark.postgres
def test_a_revision_and_an_acceptance_racing_end_with_one_of_them(pg_app, monkeypatch):
    from shop.batches import services as batches
    from tests.factories import gen_producer, gen_product
    from tests.giftsets.factories import gen_gift_set
    from tests.quotes.test_races import _sent_quote

    monkeypatch.setattr(batches, "_enqueue", lambda batch_id: None)
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=100, vat_rate=5)
    gift = gen_gift_set([(honey, 1)], tiers=[(1, 160_000)], price_vnd=160_000)
    admin = gen_user("admin")
    db.session.commit()
    admin_id = admin.id
    for _round in range(5):
        quote_id, buyer_id = _sent_quote(gift, admin_id)

        def act(i: int, quote_id=quote_id, buyer_id=buyer_id) -> str:
            with pg_app.app_context():
                begin_write_transaction(db.session)
                quote = db.session.get(Quote, quote_id)
                try:
                    if i == 0:
                        services.accept(quote, buyer_id, now=utcnow(), adult_confirmed=False)
                    else:
                        services.revise(
                            quote, admin_id, delivery_vnd=0, discount_vnd=0,
                            valid_until=utcnow().date() + timedelta(days=9), now=utcnow(),
                        )  # fmt: skip
                    db.session.commit()
                    return "done"
                except InvalidTransition:
                    db.session.rollback()
                    return "refused"
                finally:
                    db.session.remove()

        outcomes = run_threads(2, act)
        db.session.expire_all()
        old = db.session.get(Quote, quote_id)
        replacement = services.replacement_of(quote_id)
        if outcomes == ["done", "refused"]:
            assert (old.status, replacement) == (QuoteStatus.ACCEPTED, None)
        else:
            assert outcomes == ["refused", "done"]
            assert old.status == QuoteStatus.SUPERSEDED
            assert replacement.status == QuoteStatus.SENT
        live = db.session.scalar(
            select(func.count(Quote.id)).where(
                Quote.batch_id == old.batch_id,
                Quote.status.in_(("requested", "sent", "accepted")),
            )
        )
        assert live == 1
