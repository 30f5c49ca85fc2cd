"""The bundle pages in both languages, adding a bundle to the cart (and refusing hostile form
values with a message, never a 500), and a bundle shown as one group in the cart, at checkout
and on the order page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.cart.models import CartLine
from shop.db import utcnow
from shop.extensions import db
from shop.lines import LineKind
from shop.orders.models import Order
from shop.orders.services import LineRequest
from tests.bundles.factories import buy, gen_bundle, gen_package
from tests.conftest import csrf_token
from tests.factories import gen_product


@pytest.fixture
def shelf(app):
    """A package (2 adults + 2 boxes, 700 000) on a session in 10 days, and a gift set."""
    starts = (utcnow() + timedelta(days=10)).replace(hour=0, minute=30, second=0, microsecond=0)
    package, session, box = gen_package(
        starts_at=starts,
        licensed_travel=True,
        operator_licence="01-234/2024/TCDL-GP LHQT",
        slug="lychee-day",
        name_vi="Ngày vải thiều",
        name_en="Lychee day",
    )
    gift = gen_bundle(
        "gift_set",
        [(gen_product(price_vnd=100_000, name_en="Rice noodles"), 2)],
        price_vnd=180_000,
        slug="tet-set",
        name_vi="Hộp quà Tết",
        name_en="Tết gift set",
    )
    db.session.commit()
    return package, session, box, gift


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_list_in_both_languages(client, shelf):
    vi = text(client.get("/bundles?lang=vi"))
    assert "Gói trải nghiệm và hộp quà" in vi
    assert "Ngày vải thiều" in vi
    assert "Hộp quà Tết" in vi
    assert "Tiết kiệm 200.000 ₫" in vi
    en = text(client.get("/bundles?lang=en"))
    assert "Packages and gift sets" in en
    assert "Lychee day" in en
    assert "Tết gift set" in en
    assert "You save 200.000 ₫" in en


def test_a_package_page_shows_inside_price_saving_dates_and_licence(client, shelf):
    package, session, box, _gift = shelf
    page = text(client.get("/bundles/lychee-day?lang=en"))
    assert "700.000 ₫" in page
    assert "Bought separately: 900.000 ₫ — you save 200.000 ₫." in page
    assert f'href="/products/{box.slug}"' in page
    assert "01-234/2024/TCDL-GP LHQT" in page
    assert f'<option value="{session.id}"' in page
    assert "5 packages left" in page  # 20 seats, 2 a package; 10 boxes, 2 a package
    vi = text(client.get("/bundles/lychee-day?lang=vi"))
    assert "Có gì bên trong" in vi
    assert "Ngày" in vi


def test_unknown_and_paused_bundles_are_not_found(client, shelf):
    _package, _session, _box, gift = shelf
    assert client.get("/bundles/nothing").status_code == 404
    gift.active = False
    db.session.commit()
    assert client.get("/bundles/tet-set").status_code == 404


def _add(client, **data):
    token = csrf_token(client, "/bundles/lychee-day?lang=en")
    return client.post(
        "/cart/add-bundle",
        data={"csrf_token": token, "next": "/bundles/lychee-day?lang=en", **data},
        follow_redirects=True,
    )


def test_add_a_package_and_see_it_grouped_in_the_cart_and_at_checkout(client, shelf):
    package, session, _box, gift = shelf
    response = _add(client, bundle_id=str(package.id), session_id=str(session.id), quantity="2")
    assert response.status_code == 200
    cart = text(response)
    assert "Lychee day" in cart
    assert "Bundle total: 1.400.000 ₫" in cart
    assert "4 × Adult" in cart
    line = db.session.scalars(select(CartLine)).one()
    assert (line.kind, line.bundle_id, line.session_id, line.quantity) == (
        LineKind.BUNDLE,
        package.id,
        session.id,
        2,
    )
    # The same package on the same date again adds up.
    _add(client, bundle_id=str(package.id), session_id=str(session.id), quantity="1")
    db.session.expire_all()
    assert db.session.scalars(select(CartLine.quantity)).one() == 3
    checkout = text(client.get("/checkout?lang=en"))
    assert "Lychee day × 3" in checkout
    assert "Lead guest" in checkout


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bundle_id", "²"),
        ("bundle_id", "1\x00"),
        ("bundle_id", "9" * 20),
        ("session_id", "²"),
        ("session_id", "9" * 20),
        ("session_id", ""),
        ("quantity", "²"),
        ("quantity", "1\x00"),
        ("quantity", "9" * 20),
        ("quantity", "0"),
        ("quantity", "7"),  # more than the 5 packages the boxes allow
    ],
)
def test_hostile_or_impossible_values_get_a_message_never_a_500(client, shelf, field, value):
    package, session, _box, _gift = shelf
    data = {"bundle_id": str(package.id), "session_id": str(session.id), "quantity": "1"}
    data[field] = value
    response = _add(client, **data)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        page = text(response)
        assert 'class="field-error"' in page
    assert db.session.scalars(select(CartLine)).all() == []


def test_a_refusal_keeps_what_was_typed(client, shelf):
    package, session, _box, _gift = shelf
    page = text(_add(client, bundle_id=str(package.id), session_id=str(session.id), quantity="9"))
    assert "Only 5 of this bundle can be bought now." in page
    assert 'value="9"' in page
    assert f'<option value="{session.id}" selected' in page


def test_the_order_page_shows_the_bundle_with_its_parts(client, shelf):
    package, session, _box, gift = shelf
    order = buy(
        [LineRequest.bundle(package.id, 1, session.id), LineRequest.bundle(gift.id, 1)],
        now=utcnow(),
    )
    db.session.commit()
    order = db.session.scalars(select(Order)).one()
    page = text(client.get(f"/orders/{order.reference}?token={order.access_token}&lang=en"))
    assert "Your bundles" in page
    assert "Lychee day" in page
    assert "Tết gift set" in page
    assert "Bundle total: 700.000 ₫" in page
    assert "Bundle total: 180.000 ₫" in page
    assert "The goods can be refunded only before they are dispatched" in page
    assert "Part of the package “Lychee day”." in page
