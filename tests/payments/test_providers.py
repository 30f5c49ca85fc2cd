"""The payment provider registry: ids, checkout choices and each provider's ``is_allowed``."""

from __future__ import annotations

import pytest

from shop.errors import PaymentNotAllowed
from shop.orders.models import PaymentMethod
from shop.payments.providers import PROVIDERS, Subject, checkout_providers, get_provider


def test_every_payment_method_has_exactly_one_provider():
    assert set(PROVIDERS) == {"stripe", "demo", "bank_transfer", "cod", "partner_account"}
    assert set(PROVIDERS) == {str(method) for method in PaymentMethod}
    assert all(provider.id == key for key, provider in PROVIDERS.items())
    with pytest.raises(PaymentNotAllowed):
        get_provider("bitcoin")


@pytest.mark.parametrize(
    ("total", "allowed"), [(4_999_999, True), (5_000_000, True), (5_000_001, False)]
)
def test_cash_on_delivery_ceiling_is_inclusive(app, total, allowed):
    cod = get_provider("cod")
    assert app.config["COD_MAX_VND"] == 5_000_000
    assert cod.is_allowed(Subject(total_vnd=total, has_preorder=False)) is allowed
    if not allowed:
        with pytest.raises(PaymentNotAllowed) as refused:
            cod.check_allowed(Subject(total_vnd=total, has_preorder=False))
        assert refused.value.details["limit"] == 5_000_000


def test_cash_on_delivery_is_not_for_pre_orders(app):
    assert not get_provider("cod").is_allowed(Subject(total_vnd=100_000, has_preorder=True))
    assert get_provider("demo").is_allowed(Subject(total_vnd=100_000, has_preorder=True))


@pytest.mark.parametrize(
    ("total", "allowed"),
    [(19_999, False), (20_000, True), (99_999_999, True), (100_000_000, False)],
)
def test_card_payment_limits(app, total, allowed):
    stripe = get_provider("stripe")
    assert stripe.is_allowed(Subject(total_vnd=total, has_preorder=False)) is allowed


def test_checkout_offers_the_configured_providers(app):
    with app.test_request_context():
        assert [p.id for p in checkout_providers()] == ["demo", "cod"]
        app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
        assert [p.id for p in checkout_providers()] == ["stripe", "cod"]


def test_the_checkout_page_lists_the_registry_choices(client, demo, app):
    from tests.checkout.test_checkout import fill_cart

    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    body = client.get("/checkout?lang=en").get_data(as_text=True)
    assert 'value="demo"' in body
    assert "Demo payment (no money moves)" in body
    assert 'value="cod"' in body
    assert "Cash on delivery" in body
    assert 'value="stripe"' not in body


@pytest.mark.parametrize(("price", "allowed"), [(4_970_000, True), (4_970_001, False)])
def test_a_placed_cash_order_of_exactly_five_million_is_accepted(app, price, allowed):
    """The whole path the checkout takes: 4.970.000 ₫ + 30.000 ₫ delivery = 5.000.000 ₫."""
    from shop.payments.services import check_payment_allowed
    from tests.factories import gen_order, gen_product

    order = gen_order([(gen_product(price_vnd=price, stock=1), 1)], method="cod")
    assert order.total_vnd == price + 30_000
    if allowed:
        check_payment_allowed(order)
    else:
        with pytest.raises(PaymentNotAllowed):
            check_payment_allowed(order)


def test_a_placed_pre_order_cannot_be_paid_in_cash(app):
    from datetime import date

    from shop.payments.services import check_payment_allowed
    from tests.factories import gen_order, gen_product

    lychee = gen_product(preorder=True, preorder_ships_from=date(2027, 6, 5), preorder_cap=9)
    order = gen_order([(lychee, 1)], method="cod")
    with pytest.raises(PaymentNotAllowed):
        check_payment_allowed(order)
