"""Payment terms: a bank-transfer order of a member of a verified organisation with net-N-days
terms is due at the end of the N-th day after it is placed (Vietnam time), its stock reserved
until then; other buyers keep the shop's payment window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.agencies import services as agencies
from shop.agencies.models import MemberRole, Organisation
from shop.catalog.models import Product
from shop.db import utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.services import expire_due_orders
from tests.agencies.factories import add_member, gen_organisation
from tests.batches.test_batches import draft, run_job, signed_in, start_now
from tests.factories import gen_order, gen_product, gen_user
from tests.giftsets.factories import gen_gift_set
from tests.payments.test_bank_transfer import ACCOUNT, BIN, HOLDER

# 10:00 in Hà Nội on 28 November 2026.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def bank(app):
    app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    return app


def _buyer(*, verified: bool, days: int = 0):
    organisation = gen_organisation()
    admin = gen_user("admin")
    if verified:
        agencies.verify(organisation.id, admin_id=admin.id)
        agencies.set_terms(
            organisation.id, admin_id=admin.id, payment_terms_days=days, approval_threshold_vnd=None
        )
    return add_member(organisation, MemberRole.BUYER.value)


def test_a_net_30_order_is_due_at_the_end_of_the_30th_day_and_keeps_its_stock(app, bank):
    buyer = _buyer(verified=True, days=30)
    item = gen_product(stock=5)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        order = gen_order([(item, 2)], method="bank_transfer", now=utcnow(), user_id=buyer.id)
        db.session.commit()
    # 28/12/2026 23:59:59 in Hà Nội is 16:59:59 UTC.
    assert order.expires_at.replace(tzinfo=UTC) == datetime(2026, 12, 28, 16, 59, 59, tzinfo=UTC)
    with time_machine.travel(NOW + timedelta(days=29), tick=False):
        assert expire_due_orders(utcnow()) == 0
        db.session.commit()
    with time_machine.travel(datetime(2026, 12, 28, 16, 59, tzinfo=UTC), tick=False):
        assert expire_due_orders(utcnow()) == 0  # the last minute of the due day
        db.session.commit()
    assert db.session.get(Product, item.id).stock == 3
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert expire_due_orders(utcnow()) == 1
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.EXPIRED
    assert db.session.get(Product, item.id).stock == 5


@pytest.mark.parametrize("verified", [False, True])
def test_without_terms_the_normal_window_applies(app, bank, verified):
    """An unverified organisation (which cannot have terms), or a verified one with net 0."""
    buyer = _buyer(verified=verified, days=0)
    order = gen_order([(gen_product(), 1)], method="bank_transfer", now=NOW, user_id=buyer.id)
    assert order.expires_at.replace(tzinfo=UTC) == NOW + timedelta(days=3)
    with time_machine.travel(NOW + timedelta(days=3, minutes=1), tick=False):
        assert expire_due_orders(utcnow()) == 1


def test_the_order_page_shows_the_terms(client, bank):
    buyer = _buyer(verified=True, days=30)
    order = gen_order([(gen_product(), 1)], method="bank_transfer", now=NOW, user_id=buyer.id)
    plain = gen_order([(gen_product(), 1)], method="bank_transfer", now=NOW)
    db.session.commit()
    page = client.get(f"/orders/{order.reference}?token={order.access_token}&lang=en")
    body = page.get_data(as_text=True)
    assert "Payment due by 28 Dec 2026 (net 30 days)" in body
    page = client.get(f"/orders/{plain.reference}?token={plain.access_token}&lang=en")
    assert "net 30 days" not in page.get_data(as_text=True)
    assert "Pay by" in page.get_data(as_text=True)


def test_a_gift_batch_of_a_net_30_organisation_shows_its_due_date(client, bank):
    buyer = _buyer(verified=True, days=30)
    honey = gen_product(price_vnd=150_000, stock=50)
    world = {
        "buyer": buyer,
        "organisation": db.session.get(
            Organisation, agencies.membership_of(buyer.id).organisation_id
        ),
        "gift": gen_gift_set([(honey, 2)]),
    }
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        batch = draft(world, [1, 1])
        start_now(batch, world)
        run_job(batch)
    orders = db.session.scalars(select(Order).where(Order.batch_id == batch.id)).all()
    assert {o.expires_at.replace(tzinfo=UTC) for o in orders} == {
        datetime(2026, 12, 28, 16, 59, 59, tzinfo=UTC)
    }
    signed_in(client, buyer)
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert "Payment due by 28 Dec 2026 (net 30 days)" in page
