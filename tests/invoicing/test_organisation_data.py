"""A member of an organisation checks out with its invoice data offered (the organisation's and
each department's), the order copies the chosen data, and no one else ever sees it."""

from __future__ import annotations

import pytest

from shop.agencies import services
from shop.extensions import db, limiter
from shop.invoicing.services import invoice_data_of
from tests.agencies.factories import BAC_NINH, KINH_BAC, add_member, gen_organisation
from tests.checkout.test_checkout import checkout, fill_cart, orders
from tests.conftest import csrf_token
from tests.factories import gen_user


def html(response) -> str:
    return response.get_data(as_text=True)


def save_department(organisation, approver, entity_id=None, **changes):
    fields = {
        "name": "Phòng Hành chính",
        "legal_name": "Văn phòng Sở Văn hoá Thử nghiệm",
        "tax_code": None,
        "province_code": BAC_NINH,
        "commune_code": KINH_BAC,
        "street": "Số 9 Nguyễn Đăng Đạo",
        "invoice_email": "vanphong@example.com",
        "is_default": False,
    }
    return services.save_billing_entity(
        organisation.id, actor_id=approver.id, entity_id=entity_id, **{**fields, **changes}
    )


@pytest.fixture
def member(client, demo, login_as):
    """A buyer of "Sở Văn hoá Thử nghiệm" (MST 0109999999) with a department "Phòng Hành chính"
    of its own invoice data, signed in, with rice in the cart."""
    client.get("/?lang=en")
    approver = login_as("customer", name="Lê Văn Duyệt")
    organisation = gen_organisation(
        approver, legal_name="Sở Văn hoá Thử nghiệm", tax_code="0109999999"
    )
    department = save_department(organisation, approver)
    db.session.commit()
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    return approver, organisation, department


def test_the_checkout_offers_the_organisation_s_and_its_departments_data(client, member):
    page = html(client.get("/checkout?lang=en"))
    assert "Invoice to" in page
    assert "Sở Văn hoá Thử nghiệm" in page
    assert "MST 0109999999" in page
    assert "Phòng Hành chính" in page
    assert "vanphong@example.com" in page
    assert "Số 9 Nguyễn Đăng Đạo" in page
    assert '<details class="invoice-fields" open>' in page  # asked for by default
    assert '<input checked id="wants_invoice"' in page
    chosen = 'checked id="invoice_entity-0" name="invoice_entity" type="radio"'
    assert f'{chosen} value="organisation"' in page


def test_the_order_copies_the_chosen_department_s_data(client, member):
    approver, organisation, department = member
    response = checkout(
        client,
        payment_method="cod",
        wants_invoice="y",
        invoice_entity=f"department-{department.id}",
    )
    assert response.status_code == 302
    [order] = orders()
    data = invoice_data_of(order.id)
    assert data.legal_name == "Văn phòng Sở Văn hoá Thử nghiệm"
    assert data.tax_code == "0109999999"  # the department has no MST of its own
    assert data.address.startswith("Số 9 Nguyễn Đăng Đạo, ")
    assert data.address.endswith("Bắc Ninh")
    assert data.email == "vanphong@example.com"
    assert data.buyer_name == "Phòng Hành chính"

    # Later edits of the organisation and the department leave the placed order as it was.
    services.update_organisation(
        organisation.id,
        actor_id=approver.id,
        legal_name="Sở Văn hoá và Thể thao Thử nghiệm",
        tax_code="0108888888",
        province_code=BAC_NINH,
        commune_code=KINH_BAC,
        street="Số 1 Lý Thái Tổ",
        invoice_email="moi@example.com",
        approval_threshold_vnd=None,
    )
    save_department(
        organisation,
        approver,
        department.id,
        legal_name="Tên mới",
        street="Số 2",
        invoice_email="khac@example.com",
    )
    db.session.commit()
    db.session.expire_all()
    data = invoice_data_of(order.id)
    assert (data.legal_name, data.tax_code, data.email) == (
        "Văn phòng Sở Văn hoá Thử nghiệm",
        "0109999999",
        "vanphong@example.com",
    )


def test_the_organisation_s_own_data_with_a_typed_buyer_name(client, member):
    response = checkout(
        client,
        payment_method="cod",
        wants_invoice="y",
        invoice_entity="organisation",
        invoice_legal_name="ignored when an organisation is chosen",
        invoice_buyer_name="Nguyễn Văn Mua",
    )
    assert response.status_code == 302
    data = invoice_data_of(orders()[0].id)
    assert (data.legal_name, data.tax_code) == ("Sở Văn hoá Thử nghiệm", "0109999999")
    assert data.buyer_name == "Nguyễn Văn Mua"


def test_typed_details_still_work_for_a_member(client, member):
    response = checkout(
        client,
        payment_method="cod",
        wants_invoice="y",
        invoice_entity="",
        invoice_legal_name="Công ty Khác",
        invoice_tax_code="5500154060",
        invoice_address="Sơn La",
        invoice_email="a@example.vn",
    )
    assert response.status_code == 302
    assert invoice_data_of(orders()[0].id).legal_name == "Công ty Khác"


def test_a_member_of_another_organisation_never_sees_nor_uses_them(client, member, login_as):
    _, _, department = member
    client.post("/account/logout")
    limiter.reset()
    other = login_as("customer")
    add_member(gen_organisation(legal_name="Công ty Người Khác"), "buyer", other)
    db.session.commit()
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))

    page = html(client.get("/checkout?lang=en"))
    assert "Công ty Người Khác" in page
    assert "Sở Văn hoá Thử nghiệm" not in page
    assert "Phòng Hành chính" not in page

    response = checkout(
        client,
        payment_method="cod",
        wants_invoice="y",
        invoice_entity=f"department-{department.id}",
    )
    assert response.status_code == 400
    assert "Choose one of your organisation" in html(response)
    assert "Văn phòng Sở Văn hoá Thử nghiệm" not in html(response)
    assert orders() == []


def test_a_customer_outside_any_organisation_is_offered_nothing(client, demo, login_as):
    client.get("/?lang=en")
    login_as("customer")
    fill_cart(client, ("my-gao-chu-xuan-truong", 1))
    page = html(client.get("/checkout?lang=en"))
    assert "Invoice to" not in page
    assert '<details class="invoice-fields">' in page
    response = checkout(
        client, payment_method="cod", wants_invoice="y", invoice_entity="organisation"
    )
    assert response.status_code == 400
    assert orders() == []


def _placed_without_invoice(client):
    response = checkout(client, payment_method="cod")
    assert response.status_code == 302
    [order] = orders()
    return order


def _choose(client, path: str, entity: str):
    """Save the order's invoice data as one of the organisation's billing choices."""
    data = {"csrf_token": csrf_token(client, path), "wants_invoice": "y", "invoice_entity": entity}
    return client.post(path, data=data)


def test_the_order_page_offers_the_organisation_s_data_and_copies_the_chosen(client, member):
    _, _, department = member
    order = _placed_without_invoice(client)
    path = f"/orders/{order.reference}/invoice-data"
    page = html(client.get(f"{path}?lang=en"))
    assert "Invoice to" in page
    assert "copied onto the order when you save" in page
    assert "MST 0109999999" in page
    assert "Phòng Hành chính" in page
    assert '<input checked id="wants_invoice"' in page  # no data yet: offered by default

    response = _choose(client, path, f"department-{department.id}")
    assert response.status_code == 302
    data = invoice_data_of(order.id)
    assert (data.legal_name, data.tax_code) == ("Văn phòng Sở Văn hoá Thử nghiệm", "0109999999")
    assert data.email == "vanphong@example.com"

    # Recorded data shows as typed details, and the box stays as the order has it.
    page = html(client.get(f"{path}?lang=en"))
    assert 'value="Văn phòng Sở Văn hoá Thử nghiệm"' in page
    assert 'checked id="invoice_entity-2" name="invoice_entity" type="radio" value=""' in page


def test_the_order_page_refuses_another_organisation_s_department(client, member):
    order = _placed_without_invoice(client)
    stranger = gen_user("customer")
    other_department = save_department(
        gen_organisation(stranger, legal_name="Công ty Người Khác"), stranger
    )
    db.session.commit()
    response = _choose(
        client, f"/orders/{order.reference}/invoice-data", f"department-{other_department.id}"
    )
    assert response.status_code == 400
    assert "Choose one of your organisation" in html(response)
    assert invoice_data_of(order.id) is None
