"""The bank-statement upload both statement pages share: an empty upload and an unreadable
statement are refused with their message on the page, and a confirmation whose signed rows were
changed is refused on either page."""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_token

PAGES = ["/admin/payouts/bank-statement", "/admin/payments/bank-statement"]


@pytest.fixture
def admin(client, login_as):
    client.get("/?lang=en")
    return login_as("admin")


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_upload_asks_for_the_file(client, admin, page):
    body = client.post(page, data={"csrf_token": csrf_token(client, page)}).get_data(as_text=True)
    assert "Choose the statement file (CSV) the bank gave you." in body


@pytest.mark.parametrize("page", PAGES)
def test_an_unreadable_statement_is_not_imported_and_says_why(client, admin, page):
    statement = "Ngày,Số tiền,Nội dung\n03/12/2026,abc,OCOP PO000001\n".encode()
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "statement": (io.BytesIO(statement), "sao-ke.csv"),
        },
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The statement was not imported." in body
    assert "Row 2" in body


@pytest.mark.parametrize("page", PAGES)
def test_a_changed_confirmation_is_refused(client, admin, page):
    response = client.post(
        page + "/confirm", data={"csrf_token": csrf_token(client, page), "plan": "forged"}
    )
    assert response.status_code == 302
    assert (
        client.get(response.headers["Location"])
        .get_data(as_text=True)
        .count("This preview expired or was changed")
        == 1
    )
