from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.errors import (
    AgeConfirmationRequired,
    DeliveryNotPossible,
    InvalidAddress,
    InvalidQuantity,
    OutOfStock,
    PaymentMismatch,
    ProductUnavailable,
)
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, ProducerOrderStatus
from shop.orders.services import (
    confirm_producer_order,
    deliver_producer_order,
    expire_due_orders,
    mark_paid,
    mark_payment_failed,
    ship_producer_order,
)
from tests.factories import gen_contact, gen_order, gen_producer, gen_product, order_rules

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def stock(product: Product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def test_place_order_reprices_reserves_and_splits_by_producer(app):
    tea_farm, noodle_coop = gen_producer(), gen_producer()
    tea = gen_product(producer=tea_farm, price_vnd=160_000, stock=10, vat_rate=8)
    honey = gen_product(producer=tea_farm, price_vnd=190_000, stock=5, vat_rate=5)
    noodles = gen_product(producer=noodle_coop, price_vnd=55_000, stock=3)
    order = gen_order([(tea, 2), (noodles, 3), (honey, 1), (tea, 1)])

    assert order.reference == f"OCM-2026-{order.id:06d}"
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.expires_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=30)
    assert order.subtotal_vnd == 3 * 160_000 + 190_000 + 3 * 55_000
    assert order.delivery_vnd == 2 * 30_000  # one standard parcel per producer
    assert order.total_vnd == order.subtotal_vnd + order.delivery_vnd
    assert (stock(tea), stock(honey), stock(noodles)) == (7, 4, 0)
    parts = {po.producer_id: po for po in order.producer_orders}
    assert set(parts) == {tea_farm.id, noodle_coop.id}
    assert parts[tea_farm.id].subtotal_vnd == 3 * 160_000 + 190_000
    assert all(po.status == ProducerOrderStatus.PENDING for po in order.producer_orders)
    tea_line = next(line for line in order.lines if line.product_id == tea.id)
    assert (tea_line.quantity, tea_line.unit_price_vnd, tea_line.vat_rate) == (3, 160_000, 8)
    assert order.events[0].to_status == OrderStatus.AWAITING_PAYMENT


def test_price_comes_from_the_database_at_placing_time(app):
    product = gen_product(price_vnd=100_000)
    product.price_vnd = 120_000
    db.session.flush()
    order = gen_order([(product, 1)])
    assert order.lines[0].unit_price_vnd == 120_000


def test_out_of_stock_rolls_back_every_reservation(app):
    plenty = gen_product(stock=10)
    scarce = gen_product(stock=1)
    db.session.commit()
    with pytest.raises(OutOfStock):
        gen_order([(plenty, 2), (scarce, 2)])
    db.session.rollback()
    assert (stock(plenty), stock(scarce)) == (10, 1)
    assert db.session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize("quantity", [0, -1, 51])
def test_quantity_limits(app, quantity):
    with pytest.raises(InvalidQuantity):
        gen_order([(gen_product(stock=100), quantity)])


def test_unavailable_products_cannot_be_ordered(app):
    inactive = gen_product(active=False)
    with pytest.raises(ProductUnavailable):
        gen_order([(inactive, 1)])
    out_of_season = gen_product(season_start=525, season_end=731)
    with pytest.raises(ProductUnavailable):
        gen_order([(out_of_season, 1)], today=date(2026, 11, 28))
    preorder = gen_product(
        season_start=525,
        season_end=731,
        preorder=True,
        preorder_ships_from=date(2027, 6, 5),
        preorder_cap=100,
    )
    order = gen_order([(preorder, 1)], today=date(2026, 11, 28))
    assert order.producer_orders[0].ships_from.date() == date(2027, 6, 5)


def test_alcohol_needs_age_confirmation(app):
    wine = gen_product(adult_only=True, vat_rate=10)
    with pytest.raises(AgeConfirmationRequired):
        gen_order([(wine, 1)])
    assert gen_order([(wine, 1)], adult_confirmed=True).total_vnd > 0


def test_fresh_goods_only_to_provinces_the_producer_serves(app):
    farm = gen_producer(province="Bắc Ninh", fresh_delivery_provinces="Hà Nội;Hải Phòng")
    lychee = gen_product(producer=farm, shipping_class="fresh_perishable")
    order = gen_order([(lychee, 1)], contact=gen_contact(province="Ha Noi"))
    assert order.producer_orders[0].delivery_method == "chilled_express"
    assert order.delivery_vnd == 65_000
    with pytest.raises(DeliveryNotPossible):
        gen_order([(lychee, 1)], contact=gen_contact(province="Cà Mau"))


def test_fresh_delivery_follows_the_province_codes(app):
    farm = gen_producer(
        province="Bắc Ninh", province_code=24, fresh_delivery_provinces="Thành phố Hà Nội"
    )
    assert farm.delivers_fresh_to(24)
    assert farm.delivers_fresh_to(1)  # "Thành phố Hà Nội" is Hà Nội
    assert farm.delivers_fresh_to("ha noi")
    assert not farm.delivers_fresh_to(96)
    assert not farm.delivers_fresh_to(999)


def test_an_order_stores_the_address_codes_and_the_lists_names(app):
    product = gen_product()
    order = gen_order([(product, 1)], contact=gen_contact(province="bac ninh", commune="chu"))
    assert (order.province, order.commune) == ("Bắc Ninh", "Phường Chũ")
    assert (order.province_code, order.commune_code) == (24, 7525)


@pytest.mark.parametrize(("province_code", "commune_code"), [(1, 7525), (24, 0), (0, 7525)])
def test_an_order_needs_a_commune_of_its_province(app, province_code, commune_code):
    product = gen_product(stock=5)
    contact = gen_contact(province_code=province_code, commune_code=commune_code)
    with pytest.raises(InvalidAddress):
        gen_order([(product, 1)], contact=contact)
    assert product.stock == 5
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_cash_on_delivery_rules(app):
    product = gen_product(price_vnd=1_000_000, stock=20)
    order = gen_order([(product, 2)], method="cod")
    assert order.status == OrderStatus.PLACED
    assert order.expires_at is None
    assert order.producer_orders[0].status == ProducerOrderStatus.NEW
    # The limit and the pre-order rule are the provider's (tests/payments/test_providers.py).


def test_expiry_releases_stock_exactly_once(app):
    product = gen_product(stock=5)
    order = gen_order([(product, 3)])
    assert stock(product) == 2
    assert expire_due_orders(NOW + timedelta(minutes=29)) == 0
    assert expire_due_orders(NOW + timedelta(minutes=31)) == 1
    assert stock(product) == 5
    assert expire_due_orders(NOW + timedelta(minutes=45)) == 0
    assert stock(product) == 5
    db.session.refresh(order)
    assert order.status == OrderStatus.EXPIRED
    assert {po.status for po in order.producer_orders} == {ProducerOrderStatus.CANCELLED}
    assert not mark_payment_failed(order, actor="test")
    assert stock(product) == 5


def test_failed_payment_releases_once(app):
    product = gen_product(stock=4)
    order = gen_order([(product, 4)])
    assert mark_payment_failed(order, actor="test", reason="declined")
    assert not mark_payment_failed(order, actor="test")
    assert stock(product) == 4


def test_mark_paid_checks_amount_and_currency(app):
    order = gen_order([(gen_product(price_vnd=100_000), 1)])
    with pytest.raises(PaymentMismatch):
        mark_paid(order, amount_vnd=order.total_vnd - 1, currency="vnd", actor="test")
    db.session.refresh(order)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.needs_review
    with pytest.raises(PaymentMismatch):
        mark_paid(order, amount_vnd=order.total_vnd, currency="usd", actor="test")
    assert mark_paid(order, amount_vnd=order.total_vnd, currency="VND", actor="test")
    assert order.status == OrderStatus.PAID
    assert order.paid_vnd == order.total_vnd
    assert not mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    assert {po.status for po in order.producer_orders} == {ProducerOrderStatus.NEW}


def test_payment_after_expiry_is_flagged_not_paid(app):
    product = gen_product(stock=2)
    order = gen_order([(product, 2)])
    expire_due_orders(NOW + timedelta(hours=1))
    db.session.refresh(order)
    assert not mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    assert order.status == OrderStatus.EXPIRED
    assert order.needs_review
    assert stock(product) == 2


def test_fulfilment_completes_the_order_when_every_parcel_is_delivered(app):
    first, second = gen_product(), gen_product()
    order = gen_order([(first, 1), (second, 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    parcels = order.producer_orders
    for parcel in parcels:
        confirm_producer_order(parcel, user_id=None)
        ship_producer_order(
            parcel, carrier="Viettel Post", tracking_number="VT1", user_id=None, now=NOW
        )
    deliver_producer_order(parcels[0], user_id=None, now=NOW)
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    deliver_producer_order(parcels[1], user_id=None, now=NOW)
    db.session.refresh(order)
    assert order.status == OrderStatus.COMPLETED
    assert [e.to_status for e in order.events].count("delivered") == 2


def test_cash_on_delivery_is_paid_on_delivery(app):
    order = gen_order([(gen_product(), 1)], method="cod")
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(parcel, carrier="VNPost", tracking_number="EB1", user_id=None, now=NOW)
    assert order.paid_vnd == 0
    deliver_producer_order(parcel, user_id=None, now=NOW)
    db.session.refresh(order)
    assert order.status == OrderStatus.COMPLETED
    assert order.paid_vnd == order.total_vnd


def test_rules_from_config(app):
    rules = order_rules(max_line_quantity=2)
    with pytest.raises(InvalidQuantity):
        gen_order([(gen_product(), 3)], rules=rules)


# --- the plan, typed lines and their VAT --------------------------------------------------


def test_a_plan_is_checked_and_priced_but_writes_nothing(app):
    from shop.orders.models import PaymentMethod
    from shop.orders.services import LineRequest, place_order, plan_order

    tea_farm = gen_producer()
    tea = gen_product(producer=tea_farm, price_vnd=160_000, stock=10, vat_rate=8)
    honey = gen_product(producer=tea_farm, price_vnd=190_000, stock=5, vat_rate=10)
    db.session.commit()
    plan = plan_order(
        [LineRequest(tea.id, 2), LineRequest(honey.id, 1)],
        gen_contact(),
        payment_method=PaymentMethod.DEMO,
        rules=order_rules(),
        today=NOW.date(),
    )
    assert not db.session.new
    assert not db.session.dirty
    assert stock(tea) == 10
    assert plan.subtotal_vnd == 2 * 160_000 + 190_000
    assert plan.total_vnd == plan.subtotal_vnd + 30_000
    # VAT contained in a VAT-inclusive total, rounded half up to the đồng.
    assert [line.vat_vnd for line in plan.lines] == [23_704, 17_273]
    assert plan.vat_vnd == 23_704 + 17_273

    order = place_order(plan, now=NOW)
    assert stock(tea) == 8
    assert {(line.kind, line.vat_vnd) for line in order.lines} == {
        ("product", 23_704),
        ("product", 17_273),
    }


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("order_line", {"product_id": None}),  # a product line without its product
        ("order_line", {"kind": "bundle_component"}),  # a kind not sold yet
        ("order_line", {"vat_vnd": -1}),
        ("cart_line", {"product_id": None}),
        ("cart_line", {"kind": "session_seats"}),
    ],
)
def test_the_database_keeps_each_line_kind_to_its_target(app, table, values):
    from sqlalchemy import text, update
    from sqlalchemy.exc import IntegrityError

    from shop.cart.models import Cart, CartLine
    from shop.orders.models import OrderLine

    product = gen_product(stock=5)
    gen_order([(product, 1)])
    cart = Cart(token="t" * 20)
    cart.lines.append(CartLine(product_id=product.id, quantity=1, price_seen_vnd=1000))
    db.session.add(cart)
    db.session.commit()
    model = OrderLine if table == "order_line" else CartLine
    with pytest.raises(IntegrityError):
        db.session.execute(update(model).values(**values))
    db.session.rollback()
    assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1  # noqa: S608


def test_ship_refuses_a_pre_order_before_its_date(app):
    from shop.errors import TooEarlyToShip
    from shop.orders.admin_actions import allow_early_shipping

    lychee = gen_product(
        preorder=True, preorder_ships_from=date(2027, 6, 5), preorder_cap=50, stock=5
    )
    order = gen_order([(lychee, 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship = {"carrier": "VNPost", "tracking_number": "1", "user_id": None, "now": NOW}
    with pytest.raises(TooEarlyToShip):
        ship_producer_order(parcel, **ship, today=date(2027, 6, 4))
    assert parcel.status == ProducerOrderStatus.CONFIRMED
    with pytest.raises(ValueError, match="reason"):
        allow_early_shipping(parcel, reason="  ", admin_id=None, today=date(2027, 6, 4))
    allow_early_shipping(parcel, reason="leaves in May", admin_id=None, today=date(2027, 6, 4))
    ship_producer_order(parcel, **ship, today=date(2027, 6, 4))
    assert parcel.status == ProducerOrderStatus.SHIPPED


def test_a_pre_order_ships_on_its_date(app):
    lychee = gen_product(
        preorder=True, preorder_ships_from=date(2027, 6, 5), preorder_cap=50, stock=5
    )
    order = gen_order([(lychee, 1)])
    mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    parcel = order.producer_orders[0]
    confirm_producer_order(parcel, user_id=None)
    ship_producer_order(
        parcel, carrier="VNPost", tracking_number="1", user_id=None, now=NOW, today=date(2027, 6, 5)
    )
    assert parcel.status == ProducerOrderStatus.SHIPPED


def test_events_carry_a_kind_and_who_may_see_them(app):
    from shop.orders.admin_actions import mark_reviewed
    from shop.orders.services import flag_for_review

    order = gen_order([(gen_product(), 1)])
    flag_for_review(order, "odd amount")
    mark_reviewed(order, admin_id=None, note="fine")
    mark_payment_failed(order, actor="test", reason="declined")
    db.session.flush()
    db.session.refresh(order)
    assert [(e.kind, e.visibility) for e in order.events if e.producer_order_id is None] == [
        ("status_changed", "customer"),
        ("flagged", "staff"),
        ("reviewed", "staff"),
        ("status_changed", "customer"),
    ]
