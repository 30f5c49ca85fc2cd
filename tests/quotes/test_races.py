"""Two quotes racing for the last boxes on PostgreSQL: two organisations accept at the same
moment, there is stock for one batch only → exactly one is accepted, the other fails cleanly
with nothing taken, and the stock never goes below zero."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.batches import services as batches
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.recipients import validate_table
from shop.catalog.models import Product
from shop.db import utcnow
from shop.errors import OutOfStock
from shop.extensions import db
from shop.quotes import services
from shop.quotes.models import Quote, QuoteHold
from tests.agencies.factories import add_member, gen_organisation
from tests.batches.test_batches import HEADER, rows_for
from tests.conftest import DEMO_TODAY, run_threads
from tests.factories import gen_producer, gen_product, gen_user
from tests.giftsets.factories import gen_gift_set

pytestmark = pytest.mark.postgres


def _sent_quote(gift, admin_id: int) -> tuple[int, int]:
    buyer = gen_user("customer")
    organisation = gen_organisation()
    add_member(organisation, "buyer", buyer)
    db.session.commit()
    result = validate_table(
        [HEADER, *rows_for(gift.slug, [2, 2, 2])], today=DEMO_TODAY, gift_set_lookup=lookup_gift_set
    )
    batch = batches.save_draft(organisation.id, buyer.id, result.rows)
    preview = batches.preview(batch, today=DEMO_TODAY, now=utcnow())
    quote = services.request_quote(batch, buyer.id, preview, po_number=None, now=utcnow())
    services.send(
        quote, admin_id, delivery_vnd=quote.delivery_vnd, discount_vnd=0,
        valid_until=utcnow().date() + timedelta(days=7), now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    return quote.id, buyer.id


def test_two_quotes_racing_for_the_last_boxes_never_both_win(pg_app, monkeypatch):
    monkeypatch.setattr(batches, "_enqueue", lambda batch_id: None)  # the race is acceptance
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=100, vat_rate=5)
    tea = gen_product(producer=gen_producer(), price_vnd=250_000, stock=9, vat_rate=10)
    gift = gen_gift_set([(honey, 1), (tea, 1)], tiers=[(1, 380_000)], price_vnd=380_000)
    admin = gen_user("admin")
    db.session.commit()
    quotes = [_sent_quote(gift, admin.id) for _ in range(2)]  # 6 teas each, 9 left
    honey_id, tea_id = honey.id, tea.id

    def accept(i: int) -> str:
        quote_id, buyer_id = quotes[i]
        with pg_app.app_context():
            try:
                from shop.db import begin_write_transaction

                begin_write_transaction(db.session)
                quote = db.session.get(Quote, quote_id)
                services.accept(quote, buyer_id, now=utcnow(), adult_confirmed=False)
                db.session.commit()
                return "accepted"
            except OutOfStock:
                db.session.rollback()
                return "out_of_stock"
            finally:
                db.session.remove()

    outcomes = run_threads(2, accept)
    assert sorted(outcomes) == ["accepted", "out_of_stock"]
    db.session.expire_all()
    statuses = sorted(db.session.get(Quote, q).status for q, _b in quotes)
    assert statuses == ["accepted", "sent"]  # the loser can be declined or re-quoted
    assert db.session.get(Product, tea_id).stock == 3
    assert db.session.get(Product, honey_id).stock == 94
    held = db.session.scalar(select(func.sum(QuoteHold.quantity)))
    assert held == 12  # one quote's 6 honeys and 6 teas, nothing of the loser's
