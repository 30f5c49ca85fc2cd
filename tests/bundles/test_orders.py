"""Buying bundles: every component's stock and seats taken in the order's transaction, or
nothing; the price split over the parts; each producer its own lines; given back once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.catalog.models import Product
from shop.errors import (
    AgeConfirmationRequired,
    BundleUnavailable,
    InvalidAddress,
    OutOfStock,
    SessionFull,
    SessionUnavailable,
)
from shop.extensions import db
from shop.lines import LineKind
from shop.orders.models import DeliveryMethod, OrderStatus
from shop.orders.services import (
    LineRequest,
    expire_order,
    mark_paid,
    mark_payment_failed,
    order_bundles,
)
from shop.payments.bookings import cancel_booking, refund_preview
from shop.payments.models import Payment, PaymentStatus
from shop.tourism.models import Booking, BookingStatus, ExperienceSession
from tests.bundles.factories import NOW, STARTS, buy, gen_bundle, gen_package, no_address
from tests.factories import gen_experience, gen_producer, gen_product, gen_session


def taken(session_id: int) -> int:
    return db.session.scalar(
        select(ExperienceSession.seats_taken).where(ExperienceSession.id == session_id)
    )


def stock(product_id: int) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def test_a_package_takes_its_goods_and_seats_in_one_order(app):
    bundle, session, box = gen_package(stock=10)
    order = buy([LineRequest.bundle(bundle.id, 2, session.id)])
    assert order.subtotal_vnd == 2 * 700_000
    assert stock(box.id) == 10 - 4
    assert taken(session.id) == 4
    [booking] = db.session.scalars(select(Booking)).all()
    assert (booking.status, booking.seats, booking.session_id) == (
        BookingStatus.HELD,
        4,
        session.id,
    )
    assert all((line.bundle_id, line.bundle_group) == (bundle.id, 1) for line in order.lines)
    seats = [line for line in order.lines if line.kind == LineKind.SEATS]
    goods = [line for line in order.lines if line.kind == LineKind.PRODUCT]
    assert all(line.booking_id == booking.id for line in seats)
    # 700 000 over 2 adults (600 000 alone) and 2 boxes (300 000 alone), per package.
    assert [(line.quantity, line.unit_price_vnd) for line in seats] == [(4, 233_333)]
    assert [(line.quantity, line.unit_price_vnd, line.vat_rate) for line in goods] == [
        (4, 116_667, 5)
    ]
    assert all(line.line_total_vnd == line.unit_price_vnd * line.quantity for line in order.lines)
    [grouped] = order_bundles(order)
    assert grouped.total_vnd == order.subtotal_vnd


def test_an_odd_split_becomes_two_lines_and_still_adds_up(app):
    bundle, session, _box = gen_package(price_vnd=700_001)
    order = buy([LineRequest.bundle(bundle.id, 3, session.id)])
    assert order.subtotal_vnd == 3 * 700_001
    assert sum(line.line_total_vnd for line in order.lines) == order.subtotal_vnd
    assert len(order.lines) == 3  # one component's share did not divide by its units


def test_goods_collected_during_the_visit_need_no_address(app):
    bundle, session, _box = gen_package(goods_handover="pickup")
    order = buy([LineRequest.bundle(bundle.id, 1, session.id)], contact=no_address())
    assert not order.delivers
    [part] = order.producer_orders
    assert (part.delivery_method, part.delivery_vnd) == (DeliveryMethod.PICKUP, 0)


def test_goods_collected_during_the_visit_are_delivered_when_the_session_is_over(app):
    from shop.errors import InvalidTransition
    from shop.orders.models import ProducerOrderStatus
    from shop.orders.services import complete_booking_parts, ship_producer_order

    bundle, session, _box = gen_package(goods_handover="pickup")
    order = buy([LineRequest.bundle(bundle.id, 1, session.id)], contact=no_address())
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    [part] = order.producer_orders
    with pytest.raises(InvalidTransition):  # nothing to ship: collected at the visit
        ship_producer_order(part, carrier="VNPost", tracking_number="1", user_id=None, now=NOW)
    assert complete_booking_parts(session.ends_at) == 1
    db.session.refresh(order)
    assert order.producer_orders[0].status == ProducerOrderStatus.DELIVERED
    assert order.status == OrderStatus.COMPLETED


def test_delivered_goods_of_a_package_need_an_address(app):
    bundle, session, _box = gen_package(goods_handover="delivery")
    with pytest.raises(InvalidAddress):
        buy([LineRequest.bundle(bundle.id, 1, session.id)], contact=no_address())


def test_each_producer_of_a_gift_set_gets_its_own_lines(app):
    rice, tea = gen_product(price_vnd=100_000), gen_product(price_vnd=200_000)
    gift = gen_bundle("gift_set", [(rice, 2), (tea, 1)], price_vnd=360_000)
    order = buy([LineRequest.bundle(gift.id, 1)])
    assert len(order.producer_orders) == 2
    assert {po.producer_id for po in order.producer_orders} == {rice.producer_id, tea.producer_id}
    for line in order.lines:
        assert (
            line.producer_order.producer_id == db.session.get(Product, line.product_id).producer_id
        )
    assert sum(line.line_total_vnd for line in order.lines) == 360_000
    assert order.subtotal_vnd == 360_000


def test_two_bundles_and_a_plain_line_keep_their_groups(app):
    rice = gen_product(price_vnd=100_000, stock=20)
    gift = gen_bundle("gift_set", [(rice, 2)], price_vnd=180_000)
    bundle, session, _box = gen_package()
    order = buy(
        [
            LineRequest(rice.id, 1),
            LineRequest.bundle(gift.id, 1),
            LineRequest.bundle(bundle.id, 1, session.id),
        ]
    )
    groups = order_bundles(order)
    assert [(g.group, g.bundle.id) for g in groups] == [(1, gift.id), (2, bundle.id)]
    plain = [line for line in order.lines if line.bundle_id is None]
    assert [(line.product_id, line.unit_price_vnd) for line in plain] == [(rice.id, 100_000)]
    assert stock(rice.id) == 20 - 3
    assert order.subtotal_vnd == 100_000 + 180_000 + 700_000


@pytest.mark.parametrize("failure", ["out_of_stock", "session_full", "past_cutoff", "paused"])
def test_a_failing_component_leaves_nothing_taken(app, failure):
    bundle, session, box = gen_package(
        stock=3 if failure == "out_of_stock" else 10,
        capacity=5 if failure == "session_full" else 20,
    )
    other = gen_product(stock=5)
    if failure == "paused":
        box.active = False
    db.session.commit()
    ids = (session.id, box.id, other.id)
    now = STARTS - timedelta(hours=1) if failure == "past_cutoff" else NOW
    expected = {
        "out_of_stock": OutOfStock,
        "session_full": SessionFull,
        "past_cutoff": SessionUnavailable,
        "paused": Exception,
    }[failure]
    with pytest.raises(expected):
        buy([LineRequest(other.id, 2), LineRequest.bundle(bundle.id, 3, session.id)], now=now)
    db.session.rollback()
    assert taken(ids[0]) == 0
    assert stock(ids[1]) == (3 if failure == "out_of_stock" else 10)
    assert stock(ids[2]) == 5


def test_a_package_needs_a_session_of_its_own_experience(app):
    bundle, _session, _box = gen_package()
    elsewhere = gen_session(gen_experience(), starts_at=STARTS)
    for session_id in (None, elsewhere.id):
        with pytest.raises(BundleUnavailable) as refused:
            buy([LineRequest.bundle(bundle.id, 1, session_id)])
        assert refused.value.details["reason"] == "session"


def test_a_bundle_off_sale_cannot_be_bought(app):
    gift = gen_bundle("gift_set", [(gen_product(), 1)], on_sale=False)
    with pytest.raises(BundleUnavailable):
        buy([LineRequest.bundle(gift.id, 1)])


def test_a_gift_set_with_wine_needs_the_age_confirmation(app):
    wine = gen_product(adult_only=True)
    gift = gen_bundle("gift_set", [(wine, 1), (gen_product(), 1)])
    with pytest.raises(AgeConfirmationRequired):
        buy([LineRequest.bundle(gift.id, 1)])
    assert buy([LineRequest.bundle(gift.id, 1)], adult_confirmed=True).subtotal_vnd == 500_000


@pytest.mark.parametrize("ending", ["expiry", "failed_payment"])
def test_every_component_comes_back_exactly_once(app, ending):
    bundle, session, box = gen_package(stock=10)
    order = buy([LineRequest.bundle(bundle.id, 2, session.id)])
    db.session.commit()
    for _attempt in range(2):
        if ending == "expiry":
            expire_order(order)
        else:
            mark_payment_failed(order, actor="customer")
        db.session.commit()
        assert stock(box.id) == 10
        assert taken(session.id) == 0
    assert db.session.scalars(select(Booking.status)).all() in (
        [BookingStatus.EXPIRED],
        [BookingStatus.CANCELLED],
    )


def test_cancelling_the_package_experience_refunds_its_allocated_share(app):
    bundle, session, box = gen_package(stock=10)
    order = buy([LineRequest.bundle(bundle.id, 1, session.id)])
    assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="demo")
    assert order.status == OrderStatus.PAID
    db.session.add(
        Payment(
            order_id=order.id,
            provider="demo",
            provider_reference=f"demo-{order.id}",
            idempotency_key=f"key-{order.id}",
            captured_vnd=order.total_vnd,
            amount_vnd=order.total_vnd,
            currency="vnd",
            status=PaymentStatus.SUCCEEDED,
        )
    )
    booking = db.session.scalars(select(Booking)).one()
    # The seats' share of the package, not their list price (2 × 300 000), by the rules copied
    # at purchase: everything 10 days before, half 4 days before.
    assert refund_preview(booking, STARTS - timedelta(days=10)).amount_vnd == 2 * 233_333
    assert refund_preview(booking, STARTS - timedelta(days=4)).amount_vnd == 233_333
    cancelled = cancel_booking(
        booking.id,
        percent=100,
        actor="operator",
        actor_id=None,
        reason="weather",
        now=STARTS - timedelta(days=10),
    )
    assert cancelled.amount_vnd == 2 * 233_333
    assert taken(session.id) == 0
    assert stock(box.id) == 8  # the goods stay sold


def test_a_producer_sees_the_lines_of_its_part(app):
    producer = gen_producer()
    experience = gen_experience(producer=producer)
    tea = gen_product(price_vnd=100_000)  # another producer's goods
    bundle, session, _box = gen_package(experience=experience, product=tea)
    order = buy([LineRequest.bundle(bundle.id, 1, session.id)])
    parts = {po.producer_id: po for po in order.producer_orders}
    assert set(parts) == {producer.id, tea.producer_id}
    assert {line.kind for line in parts[producer.id].lines} == {LineKind.SEATS}
    assert {line.kind for line in parts[tea.producer_id].lines} == {LineKind.PRODUCT}
    assert parts[producer.id].delivery_method == DeliveryMethod.NONE
