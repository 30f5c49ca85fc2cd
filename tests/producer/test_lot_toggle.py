"""The "record the harvest lot when shipping" switch on the product form: the producer turns
it on or off (audited like every edit); fresh, perishable products always have it on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.catalog.models import Producer, Product
from shop.extensions import db
from tests.factories import gen_category, gen_product
from tests.producer.test_catalogue import fresh, html, post, product_form


@pytest.fixture
def staff(client, login_as):
    client.get("/?lang=en")
    user = login_as("producer_staff")
    return user, db.session.get(Producer, user.producer_id)


@pytest.fixture
def category(app):
    group = gen_category(name_vi="Thực phẩm", name_en="Food")
    db.session.commit()
    return group


def _lot_updates(product_id: int) -> list[tuple[bool, bool]]:
    """(before, after) of each audited edit that changed the switch."""
    return [
        (entry.before["lot_required"], entry.after["lot_required"])
        for entry in db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "product.update", AuditLog.target_id == product_id)
            .order_by(AuditLog.id)
        )
        if "lot_required" in entry.after
    ]


def test_the_producer_turns_lot_recording_on_and_off(client, staff, category):
    _, mine = staff
    product = gen_product(producer=mine, shipping_class="ambient")
    db.session.commit()
    assert product.lot_required is False
    page = html(client.get(f"/producer/products/{product.id}/edit"))
    assert "Record the harvest lot when shipping" in page
    assert 'name="lot_required"' in page

    path = f"/producer/products/{product.id}/edit"
    assert post(client, path, product_form(category, lot_required="y")).status_code == 302
    assert fresh(Product, product.id).lot_required is True
    assert post(client, path, product_form(category)).status_code == 302
    assert fresh(Product, product.id).lot_required is False
    assert _lot_updates(product.id) == [
        (False, True),
        (True, False),
    ]


def test_fresh_perishable_products_always_record_the_lot(client, staff, category):
    _, mine = staff
    lychee = gen_product(producer=mine, shipping_class="fresh_perishable")
    db.session.commit()
    assert lychee.lot_required is True
    page = html(client.get(f"/producer/products/{lychee.id}/edit"))
    assert 'id="lot_required" checked disabled' in page
    assert "Always on for fresh, perishable products" in page

    path = f"/producer/products/{lychee.id}/edit"
    form = product_form(category, shipping_class="fresh_perishable")  # the box is not sent
    assert post(client, path, form).status_code == 302
    assert fresh(Product, lychee.id).lot_required is True
    assert _lot_updates(lychee.id) == []


def test_a_product_made_fresh_perishable_records_the_lot_from_then_on(client, staff, category):
    _, mine = staff
    product = gen_product(producer=mine, shipping_class="ambient")
    db.session.commit()
    path = f"/producer/products/{product.id}/edit"
    assert (
        post(client, path, product_form(category, shipping_class="fresh_perishable")).status_code
        == 302
    )
    assert fresh(Product, product.id).lot_required is True
    assert _lot_updates(product.id) == [(False, True)]


def test_a_new_product_takes_the_switch(client, staff, category):
    assert (
        post(client, "/producer/products/new", product_form(category, lot_required="y")).status_code
        == 302
    )
    product = db.session.scalar(select(Product).order_by(Product.id.desc()))
    assert product.lot_required is True
