"""The producer portal's lots: recording a lot in both languages, the list, the stamp sheet,
another producer's ids as 404, and naming the lot of each line when a parcel is shipped."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.lots.models import Lot
from shop.orders.models import OrderLine, ProducerOrder, ProducerOrderStatus
from shop.orders.services import confirm_producer_order
from tests.conftest import csrf_token
from tests.factories import gen_certificate, gen_producer, gen_product
from tests.lots.factories import gen_lot
from tests.producer.test_routes import fresh, paid_order


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def staff(client, login_as):
    """A signed-in producer staff member (English pages); returns (user, their producer)."""
    client.get("/?lang=en")
    user = login_as("producer_staff")
    producer = db.session.get(Producer, user.producer_id)
    producer.fresh_delivery_provinces = "Hà Nội"
    db.session.commit()
    return user, producer


LOT = {
    "harvest_date": "2026-11-20",
    "best_before": "2026-11-27",
    "plot": "Vườn ông Thân, thôn Kim Sơn",
    "quantity": "120",
    "notes": "Hái sáng sớm",
}


def test_record_a_lot_and_find_it_in_the_list(client, staff):
    user, producer = staff
    product = gen_product(producer=producer, name_en="Lục Ngạn lychee")
    db.session.commit()
    form = client.get(f"/producer/products/{product.id}/lots/new")
    assert form.status_code == 200
    assert "Harvest or production date" in html(form)
    response = post(client, f"/producer/products/{product.id}/lots/new", LOT)
    assert response.status_code == 302
    lot = db.session.scalars(select(Lot)).one()
    assert (lot.product_id, lot.harvest_date, lot.best_before) == (
        product.id,
        date(2026, 11, 20),
        date(2026, 11, 27),
    )
    assert (lot.plot, lot.quantity, lot.notes, lot.created_by_id) == (
        "Vườn ông Thân, thôn Kim Sơn",
        120,
        "Hái sáng sớm",
        user.id,
    )
    page = html(client.get(response.headers["Location"]))
    assert f"Lot {lot.code} recorded." in page
    assert lot.code in page
    assert "Lục Ngạn lychee" in page
    assert f"/producer/lots/{lot.id}/stamps.pdf" in page
    assert f"/trace/{lot.code}" in page


def test_the_lot_form_in_vietnamese(client, staff):
    _user, producer = staff
    product = gen_product(producer=producer)
    db.session.commit()
    body = html(client.get(f"/producer/products/{product.id}/lots/new?lang=vi"))
    assert "Ngày thu hoạch hoặc sản xuất" in body
    assert "Vườn, thửa hoặc thôn" in body
    body = html(client.get("/producer/lots?lang=vi"))
    assert "Lô thu hoạch" in body
    assert "Chưa có lô nào." in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"harvest_date": ""}, "Choose the harvest or production date."),
        ({"harvest_date": "2026-11-29"}, "The harvest date cannot be in the future."),
        ({"best_before": "2026-11-20"}, "The best-before date must be after the harvest date."),
        ({"plot": "  "}, "Say where it comes from: the garden, plot or village."),
        ({"quantity": "0"}, "Enter how many units this lot holds: a whole number"),
        ({"quantity": "nhiều"}, "Enter how many units this lot holds: a whole number"),
        ({"quantity": "1.5"}, "Enter how many units this lot holds: a whole number"),
        ({"quantity": "9" * 40}, "Enter how many units this lot holds: a whole number"),
    ],
)
def test_a_lot_with_a_mistake_gets_a_message_next_to_the_field(client, staff, change, message):
    _user, producer = staff
    product = gen_product(producer=producer)
    db.session.commit()
    response = post(client, f"/producer/products/{product.id}/lots/new", {**LOT, **change})
    assert response.status_code == 400
    assert message in html(response)
    assert db.session.scalar(select(Lot.id)) is None


def test_another_producers_product_and_lot_are_not_found(client, staff):
    _user, producer = staff
    theirs = gen_product(producer=gen_producer())
    their_lot = gen_lot(theirs)
    mine = gen_lot(gen_product(producer=producer))
    db.session.commit()
    assert client.get(f"/producer/products/{theirs.id}/lots/new").status_code == 404
    refused = post(client, f"/producer/products/{theirs.id}/lots/new", LOT)
    assert refused.status_code == 404
    assert client.get(f"/producer/lots/{their_lot.id}/stamps.pdf").status_code == 404
    assert client.get(f"/producer/lots/{mine.id}/stamps.pdf").status_code == 200
    listing = html(client.get("/producer/lots"))
    assert mine.code in listing
    assert their_lot.code not in listing
    assert db.session.scalar(select(Lot.id).where(Lot.product_id == theirs.id)) == their_lot.id


def pdf_pages(response) -> list[str]:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return [page.extract_text() for page in reader.pages]


def test_the_stamp_sheet_is_one_a4_page_of_24_labels_with_vietnamese_text(client, staff):
    _user, producer = staff
    product = gen_product(producer=producer, name_vi="Vải thiều Lục Ngạn sấy khô")
    gen_certificate(product, score=82, decision_date=date(2025, 3, 1))
    lot = gen_lot(product, harvest_date=date(2026, 6, 10))
    db.session.commit()
    response = client.get(f"/producer/lots/{lot.id}/stamps.pdf?lang=vi")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]  # A4 in points
    text = " ".join(page.extract_text().split())  # the name wraps on two lines
    assert text.count("Vải thiều Lục Ngạn sấy khô") == 24
    assert text.count(lot.code) == 24
    assert text.count("OCOP") == 24
    assert text.count("4 sao") == 24
    assert text.count("Thu hoạch 10/06/2026") == 24
    fonts = page["/Resources"]["/Font"]
    assert all("BeVietnamPro" in str(font.get_object()["/BaseFont"]) for font in fonts.values())
    images = page["/Resources"]["/XObject"]
    assert len(images) == 1  # one QR image, placed on every label


def test_an_uncertified_or_expired_product_prints_no_stars(client, staff):
    _user, producer = staff
    product = gen_product(producer=producer, name_en="Bamboo shoots")
    gen_certificate(product, score=82, decision_date=date(2022, 1, 1))  # ran out 2025-01-01
    lot = gen_lot(product, harvest_date=date(2026, 6, 10))
    db.session.commit()
    (text,) = pdf_pages(client.get(f"/producer/lots/{lot.id}/stamps.pdf?lang=en"))
    assert text.count("Not OCOP certified") == 24
    assert "stars" not in text
    assert text.count("Harvested 10 Jun 2026") == 24


# --- naming the lot when shipping -------------------------------------------------------------


def confirmed_parcel(producer, *products):
    order = paid_order([(product, 1) for product in products])
    parcel = next(po for po in order.producer_orders if po.producer_id == producer.id)
    confirm_producer_order(parcel, user_id=None)
    db.session.commit()
    return parcel


def line_of(parcel, product) -> OrderLine:
    return next(line for line in parcel.lines if line.product_id == product.id)


SHIP = {"carrier": "Viettel Post", "tracking_number": "VTP-1"}


def test_fresh_fruit_needs_its_lot_named_when_shipped(client, staff):
    _user, producer = staff
    lychee = gen_product(producer=producer, shipping_class="fresh_perishable", name_vi="Vải")
    honey = gen_product(producer=producer, name_vi="Mật ong")
    assert lychee.lot_required
    assert not honey.lot_required
    lot = gen_lot(lychee)
    parcel = confirmed_parcel(producer, lychee, honey)
    page = html(client.get(f"/producer/orders/{parcel.id}"))
    assert f'name="lot-{line_of(parcel, lychee).id}"' in page
    assert f'name="lot-{line_of(parcel, honey).id}"' in page
    assert f"{lot.code} · " in page

    refused = post(client, f"/producer/orders/{parcel.id}/ship", SHIP)
    assert refused.status_code == 400
    body = html(refused)
    assert "Choose the lot this product was shipped from." in body
    assert f'id="lot-{line_of(parcel, lychee).id}-error"' in body
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED

    shipped = post(
        client,
        f"/producer/orders/{parcel.id}/ship",
        {**SHIP, f"lot-{line_of(parcel, lychee).id}": str(lot.id)},
    )
    assert shipped.status_code == 302
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.SHIPPED
    assert fresh(OrderLine, line_of(parcel, lychee).id).lot_id == lot.id
    assert fresh(OrderLine, line_of(parcel, honey).id).lot_id is None
    assert f"Lot {lot.code}" in html(client.get(f"/producer/orders/{parcel.id}"))
    trace = html(client.get(f"/trace/{lot.code}?lang=en"))
    assert "Shipped in 1 order" in trace


@pytest.mark.parametrize("whose", ["another product", "another producer", "text", "huge"])
def test_a_lot_of_another_product_or_producer_is_refused_next_to_the_field(client, staff, whose):
    _user, producer = staff
    honey = gen_product(producer=producer)
    other = gen_product(producer=producer if whose == "another product" else gen_producer())
    values = {
        "another product": str(gen_lot(other).id),
        "another producer": str(gen_lot(other).id),
        "text": "ba",
        "huge": "9" * 30,
    }
    parcel = confirmed_parcel(producer, honey)
    line = line_of(parcel, honey)
    response = post(
        client, f"/producer/orders/{parcel.id}/ship", {**SHIP, f"lot-{line.id}": values[whose]}
    )
    assert response.status_code == 400
    assert "Choose one of this product&#39;s own lots." in html(response)
    assert fresh(ProducerOrder, parcel.id).status == ProducerOrderStatus.CONFIRMED
    assert fresh(OrderLine, line.id).lot_id is None


def test_the_lot_setting_can_be_turned_off_and_on(client, staff):
    _user, producer = staff
    lychee = gen_product(producer=producer, shipping_class="fresh_perishable", lot_required=False)
    jam = gen_product(producer=producer, lot_required=True)
    parcel = confirmed_parcel(producer, lychee, jam)
    refused = post(client, f"/producer/orders/{parcel.id}/ship", SHIP)
    assert refused.status_code == 400
    assert html(refused).count("Choose the lot this product was shipped from.") == 1
