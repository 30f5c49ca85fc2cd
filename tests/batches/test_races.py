"""Two workers running the same gift batch's job at once on PostgreSQL: every recipient gets
exactly one order, the counters add up, and the batch ends created once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.batches import services
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.models import BatchStatus, GiftBatch
from shop.batches.recipients import validate_table
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order
from tests.agencies.factories import add_member, gen_organisation
from tests.batches.test_batches import HEADER, rows_for
from tests.conftest import DEMO_TODAY, run_threads
from tests.factories import gen_producer, gen_product, gen_user
from tests.giftsets.factories import gen_gift_set

pytestmark = pytest.mark.postgres


def test_two_workers_on_one_batch_create_each_order_once(pg_app):
    buyer = gen_user("customer")
    organisation = gen_organisation()
    add_member(organisation, "buyer", buyer)
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=25, vat_rate=5)
    gift = gen_gift_set([(honey, 1)], tiers=[(1, 150_000)], price_vnd=150_000)
    db.session.commit()
    result = validate_table(
        [HEADER, *rows_for(gift.slug, [1] * 12)], today=DEMO_TODAY, gift_set_lookup=lookup_gift_set
    )
    batch = services.save_draft(organisation.id, buyer.id, result.rows)
    services.transition(batch, BatchStatus.CREATING)
    db.session.commit()
    batch_id, honey_id = batch.id, honey.id

    def job(_i: int) -> services.CreationReport:
        with pg_app.app_context():
            try:
                return services.create_orders(batch_id, today=DEMO_TODAY)
            finally:
                db.session.remove()

    reports = run_threads(2, job)
    assert sum(r.created for r in reports) == 12
    assert sum(r.failed for r in reports) == 0  # a recipient the other took is skipped
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id)).where(Order.batch_id == batch_id)) == 12
    batch = db.session.get(GiftBatch, batch_id)
    assert (batch.status, batch.created_count, batch.failed_count) == ("created", 12, 0)
    assert db.session.get(Product, honey_id).stock == 13
