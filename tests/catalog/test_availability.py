"""One availability answer per product, the same on cards, the product page and in the cart."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shop.catalog.availability import AvailabilityKind, availability, next_season_start
from shop.catalog.models import Producer, Product
from shop.errors import ProductUnavailable
from shop.extensions import db
from shop.orders.services import check_purchasable
from tests.conftest import DEMO_TODAY, csrf_token
from tests.factories import gen_producer, gen_product
from tests.pagetext import page_text

TODAY = date(2026, 11, 28)
assert TODAY == DEMO_TODAY


def product(**fields) -> Product:
    values = {
        "active": True,
        "stock": 10,
        "preorder": False,
        "season_start": None,
        "season_end": None,
        "producer": Producer(active=True),
        **fields,
    }
    return Product(**values)


# --- the answer itself --------------------------------------------------------------------


def test_on_sale_with_its_stock():
    answer = availability(product(), TODAY)
    assert (answer.kind, answer.stock, answer.can_buy) == (AvailabilityKind.ON_SALE, 10, True)


def test_pre_order_ships_from_its_date():
    answer = availability(
        product(preorder=True, preorder_ships_from=date(2027, 6, 5), preorder_cap=300), TODAY
    )
    assert (answer.kind, answer.date, answer.can_buy) == (
        AvailabilityKind.PREORDER,
        date(2027, 6, 5),
        True,
    )


def test_a_full_pre_order_is_sold_out_and_says_so():
    answer = availability(
        product(preorder=True, preorder_ships_from=date(2027, 6, 5), stock=0), TODAY
    )
    assert (answer.kind, answer.preorder, answer.can_buy) == (
        AvailabilityKind.SOLD_OUT,
        True,
        False,
    )


def test_out_of_season_until_the_next_season_starts_even_with_stock():
    answer = availability(product(season_start=301, season_end=630, stock=40), TODAY)
    assert (answer.kind, answer.date, answer.can_buy, answer.listed) == (
        AvailabilityKind.OUT_OF_SEASON,
        date(2027, 3, 1),
        False,
        False,
    )


def test_a_season_that_wraps_the_new_year():
    in_season = product(season_start=1201, season_end=228)
    assert availability(in_season, date(2027, 1, 15)).kind == AvailabilityKind.ON_SALE
    answer = availability(in_season, TODAY)
    assert (answer.kind, answer.date) == (AvailabilityKind.OUT_OF_SEASON, date(2026, 12, 1))


def test_a_season_starting_on_29_february_in_a_common_year():
    assert next_season_start(229, date(2026, 11, 28)) == date(2027, 3, 1)
    assert next_season_start(229, date(2027, 11, 28)) == date(2028, 2, 29)


def test_sold_out():
    answer = availability(product(stock=0), TODAY)
    assert (answer.kind, answer.can_buy, answer.listed) == (AvailabilityKind.SOLD_OUT, False, True)


def test_the_caller_may_know_more_stock_than_the_column():
    """Stock held by lapsed unpaid orders counts as available on read."""
    answer = availability(product(stock=0), TODAY, available_stock=3)
    assert (answer.kind, answer.stock) == (AvailabilityKind.ON_SALE, 3)


@pytest.mark.parametrize("paused", ["product", "producer"])
def test_paused_product_or_producer_wins_over_everything(paused):
    item = product(preorder=True, preorder_ships_from=date(2027, 6, 5))
    if paused == "product":
        item.active = False
    else:
        item.producer.active = False
    answer = availability(item, TODAY)
    assert (answer.kind, answer.can_buy, answer.listed) == (AvailabilityKind.PAUSED, False, False)


def test_purchase_check_follows_the_answer():
    check_purchasable(product(stock=0), TODAY)  # stock is checked against the quantity later
    check_purchasable(product(preorder=True, preorder_ships_from=date(2027, 6, 5)), TODAY)
    for unavailable in (
        product(season_start=301, season_end=630),
        product(active=False),
        product(producer=Producer(active=False)),
        None,
    ):
        with pytest.raises(ProductUnavailable):
            check_purchasable(unavailable, TODAY)


# --- the same words on every page ---------------------------------------------------------


@pytest.fixture
def shelf(app):
    """One producer's products, one of each kind on the demo calendar (28 Nov 2026)."""
    producer = gen_producer(slug="shelf")
    products = {
        "on_sale": gen_product(producer, name_en="Rice noodles", stock=40),
        "preorder": gen_product(
            producer,
            name_en="Early lychee",
            preorder=True,
            preorder_ships_from=date(2027, 6, 5),
            preorder_cap=300,
            stock=300,
        ),
        "out_of_season": gen_product(
            producer, name_en="Green tea", season_start=301, season_end=630, stock=40
        ),
        "sold_out": gen_product(producer, name_en="Honey", stock=0),
        "preorder_full": gen_product(
            producer,
            name_en="Late lychee",
            preorder=True,
            preorder_ships_from=date(2027, 7, 1),
            preorder_cap=10,
            stock=0,
        ),
    }
    db.session.commit()
    return products


EXPECTED = {
    # kind: (card tag, card button, product page sentence, product page button)
    "on_sale": ("", "Add to cart", "In stock.", "Add to cart"),
    "preorder": (
        "Pre-order · ships from 5 Jun 2027",
        "Pre-order",
        "Pre-order now: ships from 5 Jun 2027. 300 units left for this pre-order.",
        "Pre-order",
    ),
    "out_of_season": (
        "Out of season · back 1 Mar 2027",
        None,
        "Out of season: on sale again from 1 Mar 2027.",
        None,
    ),
    "sold_out": ("Sold out", None, "Sold out for now.", None),
    "preorder_full": ("Pre-order full", None, "This pre-order is full.", None),
}


def cards(html: str) -> dict[str, str]:
    """Card text by product name."""
    found = {}
    for chunk in html.split('<article class="card product-card">')[1:]:
        card = chunk.split("</article>", 1)[0]
        name = page_text(re.search(r'class="card-title"[^>]*>(.*?)</h', card).group(1))
        found[name.strip()] = card
    return found


@pytest.mark.parametrize("kind", EXPECTED)
def test_cards_and_product_page_say_the_same(client, shelf, kind):
    tag, card_button, sentence, page_button = EXPECTED[kind]
    item = shelf[kind]
    card = cards(client.get("/producers/shelf?lang=en").get_data(as_text=True))[item.name_en]
    meta = page_text(card.split('class="card-meta"', 1)[1].split("</p>", 1)[0])
    assert tag in meta
    if not tag:
        assert "tag-muted" not in card
        assert "tag-preorder" not in card
    buttons = re.findall(r"<button[^>]*>(.*?)<span", card)
    assert buttons == ([card_button] if card_button else [])

    body = client.get(f"/products/{item.slug}?lang=en").get_data(as_text=True)
    box = body.split('class="buy-box"', 1)[1].split('class="delivery-note"', 1)[0]
    assert sentence in page_text(box)
    if page_button:
        assert re.search(rf'<button type="submit">{re.escape(page_button)}</button>', box)
    else:
        assert 'id="buy"' not in box
        assert "In stock" not in box


def test_the_product_page_answers_in_vietnamese_with_the_vietnamese_date(client, shelf):
    body = client.get(f"/products/{shelf['out_of_season'].slug}?lang=vi").get_data(as_text=True)
    assert "Hết mùa: mở bán lại từ 01/03/2027." in page_text(body)


def add(client, item: Product) -> None:
    token = csrf_token(client, f"/products/{item.slug}")
    response = client.post(
        "/cart/add", data={"csrf_token": token, "product_id": item.id, "quantity": "1"}
    )
    assert response.status_code == 302


def test_the_cart_says_the_same_and_holds_back_checkout(client, shelf):
    add(client, shelf["on_sale"])
    add(client, shelf["preorder"])
    text = page_text(client.get("/cart?lang=en").get_data(as_text=True))
    assert "Pre-order · ships from 5 Jun 2027" in text
    assert "Check out" in text

    # The season window moves and the producer pauses a product after they were added.
    shelf["preorder"].active = False
    db.session.commit()
    body = client.get("/cart?lang=en").get_data(as_text=True)
    text = page_text(body)
    assert "Not on sale Not on sale now: please remove it from your cart." in text
    assert 'href="/checkout"' not in body

    shelf["preorder"].active = True
    shelf["on_sale"].season_start, shelf["on_sale"].season_end = 301, 630
    db.session.commit()
    text = page_text(client.get("/cart?lang=en").get_data(as_text=True))
    assert "Out of season · back 1 Mar 2027 Not on sale now: please remove it" in text


def test_out_of_season_cannot_be_added(client, shelf):
    token = csrf_token(client, f"/products/{shelf['on_sale'].slug}")
    client.post(
        "/cart/add",
        data={"csrf_token": token, "product_id": shelf["out_of_season"].id, "quantity": "1"},
    )
    assert "Green tea" not in page_text(client.get("/cart?lang=en").get_data(as_text=True))
