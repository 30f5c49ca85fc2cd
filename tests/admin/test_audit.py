"""The office's audit log: every entry newest first, searchable by who or what, record kind
and number and local days; bad filters get a message next to the field and never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from shop.audit.services import record
from shop.extensions import db
from tests.factories import gen_user


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def entries(app):
    office = gen_user("admin", name="Lê Thị Văn Phòng", email="vanphong@ocop.example")
    staff = gen_user("producer_staff", name="Trần Văn Kho")
    # 1 Dec 2026, 23:30 in Vietnam is 16:30 UTC; 2 Dec 00:30 in Vietnam is 1 Dec 17:30 UTC.
    with time_machine.travel(datetime(2026, 12, 1, 16, 30, tzinfo=UTC), tick=False):
        record(office.id, "producer.suspend", "producer", 7, {"status": "approved"},
               {"status": "suspended", "reason": "hồ sơ hết hạn"})  # fmt: skip
    with time_machine.travel(datetime(2026, 12, 1, 17, 30, tzinfo=UTC), tick=False):
        record(staff.id, "product.price", "product", 42, {"price_vnd": 100000},
               {"price_vnd": 95000})  # fmt: skip
        record(None, "payout.paid_from_statement", "payout", 3, {"status": "sent"},
               {"status": "paid"})  # fmt: skip
    db.session.commit()


def _rows(page: str) -> int:
    return page.count("<tr>") - 1  # minus the header row


def test_every_entry_newest_first_with_before_and_after(client, login_as, entries):
    login_as("admin")
    page = html(client.get("/admin/audit?lang=en"))
    assert "3 entries" in page
    table = page.split("<tbody>", 1)[1]
    assert table.index("payout.paid_from_statement") < table.index("producer.suspend")
    assert "status: approved → suspended" in page
    assert "The system" in page  # an entry without an acting account


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=vanphong%40ocop", ["producer.suspend"]),
        ("q=Tr%E1%BA%A7n", ["product.price"]),
        ("q=payout.", ["payout.paid_from_statement"]),
        ("target=product&target_id=42", ["product.price"]),
        ("target_id=7", ["producer.suspend"]),
        ("since=2026-12-02", ["product.price", "payout.paid_from_statement"]),
        ("until=2026-12-01", ["producer.suspend"]),
    ],
)
def test_filters(client, login_as, entries, query, found):
    login_as("admin")
    page = html(client.get(f"/admin/audit?{query}&lang=en"))
    assert _rows(page) == len(found)
    table = page.split("<tbody>", 1)[1]
    for action in found:
        assert action in table


@pytest.mark.parametrize(
    "query",
    ["since=2026-13-01", "target_id=%C2%B2", "target_id=99999999999999999999", "target=nope",
     "q=" + "x" * 200],
)  # fmt: skip
def test_bad_filters_get_a_message_and_the_whole_log(client, login_as, entries, query):
    login_as("admin")
    response = client.get(f"/admin/audit?{query}&lang=en")
    assert response.status_code == 400
    assert 'class="field-error"' in html(response)
    assert "3 entries" in html(response)
