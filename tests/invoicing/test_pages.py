"""The invoice pages through the test client: checkout's VAT invoice section, editing the data
until a parcel ships, the proforma PDF, issuing from the producer portal (once, even when five
posts race) and downloading the XML."""

from __future__ import annotations

import io
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: N817

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.invoicing.models import IssuedInvoice, OrderInvoiceData
from shop.invoicing.services import invoice_data_of
from tests.checkout.test_checkout import checkout, fill_cart, orders
from tests.conftest import csrf_token
from tests.factories import gen_order, gen_producer, gen_product
from tests.invoicing.helpers import COMPANY, paid, ship, with_invoice_data

INVOICE = {
    "wants_invoice": "y",
    "invoice_legal_name": "Công ty Cổ phần Sữa Mộc Châu",
    "invoice_tax_code": "5500154060",
    "invoice_address": "Thị trấn Nông trường Mộc Châu, Sơn La",
    "invoice_email": "KeToan@mocchau.vn",
    "invoice_buyer_name": "",
}


def html(response) -> str:
    return response.get_data(as_text=True)


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def einvoices(app, tmp_path):
    app.config["EINVOICE_DIR"] = str(tmp_path)
    return tmp_path


# --- checkout ------------------------------------------------------------------------------


def test_checkout_records_the_invoice_data(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    page = html(client.get("/checkout?lang=en"))
    assert "I need a VAT invoice" in page
    assert '<details class="invoice-fields">' in page  # closed until asked for

    response = checkout(client, payment_method="cod", **INVOICE)

    assert response.status_code == 302
    [order] = orders()
    data = invoice_data_of(order.id)
    assert data.legal_name == "Công ty Cổ phần Sữa Mộc Châu"
    assert data.tax_code == "5500154060"
    assert data.email == "ketoan@mocchau.vn"
    assert data.buyer_name is None


def test_a_bad_tax_code_keeps_everything_typed_and_places_nothing(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, payment_method="cod", **{**INVOICE, "invoice_tax_code": "55001-54"})

    assert response.status_code == 400
    body = html(response)
    assert "A tax code is 10 digits" in body
    assert 'value="55001-54"' in body
    assert 'value="Công ty Cổ phần Sữa Mộc Châu"' in body
    assert 'value="12 Hàng Bạc"' in body  # the rest of the form too
    assert '<details class="invoice-fields" open>' in body
    assert orders() == []


def test_a_bad_invoice_email_is_refused_next_to_its_field(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, payment_method="cod", **{**INVOICE, "invoice_email": "ketoan@"})
    assert response.status_code == 400
    assert 'id="invoice_email-error"' in html(response)
    assert orders() == []


def test_a_ticked_box_needs_the_fields(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    response = checkout(client, payment_method="cod", wants_invoice="y")
    assert response.status_code == 400
    assert "Enter the tax code." in html(response)
    assert orders() == []


def test_without_the_box_no_invoice_data_even_if_fields_were_typed(client, demo):
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    typed = {
        **INVOICE,
        "wants_invoice": None,
        "invoice_tax_code": "nonsense",
        "invoice_email": "not an address",
    }
    response = checkout(client, payment_method="cod", **typed)
    assert response.status_code == 302
    [order] = orders()
    assert invoice_data_of(order.id) is None


# --- the buyer's order page -------------------------------------------------------------------


def _order_path(order, suffix: str = "") -> str:
    return f"/orders/{order.reference}{suffix}?token={order.access_token}&lang=en"


def test_the_buyer_adds_then_cannot_change_after_shipping(client, app):
    order = paid(gen_order([(gen_product(), 1)]))
    db.session.commit()
    path = _order_path(order, "/invoice-data")
    token = csrf_token(client, path)

    bad = client.post(path, data={"csrf_token": token, **INVOICE, "invoice_tax_code": "123"})
    assert bad.status_code == 400
    assert 'value="123"' in html(bad)

    superscript = client.post(
        path, data={"csrf_token": token, **INVOICE, "invoice_tax_code": "55001540⁶⁰"}
    )
    assert superscript.status_code == 400  # other Unicode digits are not an MST
    # Full-width digits and spaces round the branch hyphen, as some keyboards type them: the
    # shop's one MST rule stores the normal form.
    branch = client.post(
        path,
        data={"csrf_token": token, **INVOICE, "invoice_tax_code": " ５５００１５４０６０ - 001 "},
    )
    assert branch.status_code == 302
    assert invoice_data_of(order.id).tax_code == "5500154060-001"

    saved = client.post(path, data={"csrf_token": token, **INVOICE})
    assert saved.status_code == 302
    assert invoice_data_of(order.id).tax_code == "5500154060"
    assert "5500154060" in html(client.get(_order_path(order)))

    ship(order.producer_orders[0])
    db.session.commit()
    refused = client.post(
        path,
        data={"csrf_token": token, **INVOICE, "invoice_tax_code": "0101234567"},
        follow_redirects=True,
    )
    assert "can no longer change" in html(refused)
    db.session.expire_all()
    assert invoice_data_of(order.id).tax_code == "5500154060"


def test_unticking_removes_the_data(client, app):
    order = with_invoice_data(paid(gen_order([(gen_product(), 1)])))
    db.session.commit()
    path = _order_path(order, "/invoice-data")
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert invoice_data_of(order.id) is None


# --- the proforma ---------------------------------------------------------------------------


def test_the_proforma_lists_each_seller_with_vat_and_totals(client, app):
    first = gen_producer(name="HTX Chè Thái Nguyên")
    second = gen_producer(name="Hợp tác xã Mắm Cát Hải")
    tea = gen_product(producer=first, price_vnd=99_999, vat_rate=8)
    sauce = gen_product(producer=second, price_vnd=33_333, vat_rate=10)
    order = with_invoice_data(paid(gen_order([(tea, 1), (sauce, 10)])))
    db.session.commit()

    response = client.get(_order_path(order, "/proforma.pdf").replace("lang=en", "lang=vi"))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response)
    assert "PROFORMA" in text
    assert "HTX Chè Thái Nguyên" in text
    assert "Hợp tác xã Mắm Cát Hải" in text
    assert "Công ty TNHH Quà Tặng Việt" in text
    assert "0101234567-001" in text
    from shop.money import format_vnd

    assert format_vnd(order.total_vnd).replace("\u00a0", " ") in text.replace("\u00a0", " ")
    assert "đồng" in text  # the totals in words


def test_the_proforma_in_english(client, app):
    order = paid(gen_order([(gen_product(), 1)]))
    db.session.commit()
    text = pdf_text(client.get(_order_path(order, "/proforma.pdf")))
    assert "PROFORMA — not a VAT invoice" in text
    assert "Total payable" in text


def test_another_buyers_proforma_is_not_found(client, login_as):
    order = paid(gen_order([(gen_product(), 1)]))
    db.session.commit()
    login_as("customer")
    assert client.get(f"/orders/{order.reference}/proforma.pdf").status_code == 404
    wrong = f"/orders/{order.reference}/proforma.pdf?token=x{order.access_token[1:]}"
    assert client.get(wrong).status_code == 404
    assert client.get(f"/orders/{order.reference}/invoice-data").status_code == 404


# --- issuing from the producer portal -------------------------------------------------------


def _staff_parcel(login_as, *, asked=True, shipped=True):
    user = login_as("producer_staff")
    producer = db.session.get(Producer, user.producer_id)
    order = paid(gen_order([(gen_product(producer=producer, price_vnd=99_999), 3)]))
    if asked:
        with_invoice_data(order)
    parcel = order.producer_orders[0]
    if shipped:
        ship(parcel)
    db.session.commit()
    return order, parcel


def test_the_producer_issues_the_invoice_once_and_everyone_downloads_it(
    client, login_as, einvoices
):
    order, parcel = _staff_parcel(login_as)
    page = html(client.get(f"/producer/orders/{parcel.id}?lang=en"))
    assert "Issue the VAT invoice" in page
    token = csrf_token(client, f"/producer/orders/{parcel.id}")

    first = client.post(
        f"/producer/orders/{parcel.id}/invoice?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    again = client.post(
        f"/producer/orders/{parcel.id}/invoice?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert "issued" in html(first)
    assert "already issued" in html(again)
    [issued] = db.session.scalars(select(IssuedInvoice)).all()
    assert issued.number == 1
    assert issued.series.startswith("C")
    assert (Path(einvoices) / issued.file_path).is_file()
    assert "Issue the VAT invoice" not in html(client.get(f"/producer/orders/{parcel.id}"))
    xml = client.get(f"/producer/orders/{parcel.id}/invoice.xml")
    root = ET.fromstring(xml.get_data())  # noqa: S314 - our own file
    assert root.findtext("DLHDon/NDHDon/NMua/MST") == COMPANY.tax_code
    client.get("/account/logout")
    buyer = client.get(
        f"/orders/{order.reference}/invoices/{parcel.id}.xml?token={order.access_token}"
    )
    assert buyer.status_code == 200
    assert buyer.get_data() == xml.get_data()
    assert f"/invoices/{parcel.id}.xml" in html(client.get(_order_path(order)))
    login_as("admin")
    admin_page = html(client.get(f"/admin/orders/{order.reference}"))
    assert f"/admin/invoices/{parcel.id}.xml" in admin_page
    assert client.get(f"/admin/invoices/{parcel.id}.xml").get_data() == xml.get_data()


def test_no_button_before_shipping_or_without_a_request(client, login_as, einvoices):
    _order, waiting = _staff_parcel(login_as, shipped=False)
    assert "Issue the VAT invoice" not in html(client.get(f"/producer/orders/{waiting.id}?lang=en"))
    token = csrf_token(client, f"/producer/orders/{waiting.id}")
    refused = client.post(
        f"/producer/orders/{waiting.id}/invoice?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "once the parcel has shipped" in html(refused)
    assert db.session.scalar(select(func.count(IssuedInvoice.id))) == 0


def test_five_concurrent_issues_make_one_invoice(pg_app, tmp_path):
    from tests.conftest import run_threads, sign_in
    from tests.factories import DEFAULT_PASSWORD, gen_user

    pg_app.config["EINVOICE_DIR"] = str(tmp_path)
    producer = gen_producer()
    user = gen_user("producer_staff", producer_id=producer.id)
    order = paid(gen_order([(gen_product(producer=producer), 2)]))
    with_invoice_data(order)
    parcel = order.producer_orders[0]
    ship(parcel)
    db.session.commit()
    parcel_id = parcel.id
    first = pg_app.test_client()
    assert sign_in(first, user.email, DEFAULT_PASSWORD).status_code == 302
    token = csrf_token(first, f"/producer/orders/{parcel_id}")
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(5):
        other = pg_app.test_client()
        other.set_cookie("session", cookie)
        clients.append(other)

    def submit(i: int):
        return (
            clients[i]
            .post(f"/producer/orders/{parcel_id}/invoice", data={"csrf_token": token})
            .status_code
        )

    assert run_threads(5, submit) == [302] * 5
    db.session.expire_all()
    rows = db.session.scalars(select(IssuedInvoice)).all()
    assert len(rows) == 1
    assert rows[0].number == 1
    assert db.session.scalar(select(func.count(OrderInvoiceData.id))) == 1
