"""Importing a carrier's remittance file: columns found by name, a preview of every row,
confirmation re-checks and records each matching order once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order
from shop.payouts.ledger import balance
from shop.payouts.office_models import Remittance, RemittanceLine
from shop.payouts.remittances import parse_amount, read_file
from tests.conftest import csrf_token
from tests.factories import gen_order, gen_producer, gen_product
from tests.payouts.factories import entries, paid_order
from tests.payouts.test_remittance import collected_order
from tests.payouts.test_runs import RUN_DAY


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.250.000", 1_250_000), ("1,250,000", 1_250_000), ("1 250 000 đ", 1_250_000),
     ("1250000", 1_250_000), ("1.5", None), ("-100", None), ("²", None), ("", None),
     ("12.50", None), ("abc", None)],
)  # fmt: skip
def test_amounts_written_the_carriers_way(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_columns_are_found_by_their_vietnamese_names(delimiter, bom):
    data = bom + delimiter.join(["STT", "Mã đơn hàng", "Người nhận", "Tiền thu hộ"]).encode()
    data += b"\r\n" + delimiter.join(["1", "OC-1", "Lan", "1.250.000"]).encode() + b"\r\n\r\n"
    rows = read_file(data)
    assert [(r.row_number, r.reference, r.amount_vnd) for r in rows] == [(2, "OC-1", 1_250_000)]


def test_ghn_client_order_code_is_the_shops_reference():
    data = "Mã đơn hàng,Mã đơn khách hàng,COD\nGHN123,OC-9,300000\n".encode()
    (row,) = read_file(data)
    assert (row.reference, row.amount_vnd) == ("OC-9", 300_000)


def upload(client, text: str, name="ghtk.csv"):
    token = csrf_token(client, "/admin/payouts/remittances")
    return client.post(
        "/admin/payouts/remittances",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8-sig")), name)},
        content_type="multipart/form-data",
    )


def confirm(client, batch_id):
    token = csrf_token(client, f"/admin/payouts/remittances/{batch_id}")
    return client.post(f"/admin/payouts/remittances/{batch_id}/confirm", data={"csrf_token": token})


def outcomes(batch_id) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(RemittanceLine.row_number, RemittanceLine.outcome).where(
                RemittanceLine.batch_id == batch_id
            )
        ).all()
    )


def test_preview_then_confirm_records_the_matching_orders_once(app, client, login_as):
    coop = gen_producer()
    good = collected_order(coop, price=200_000)
    short = collected_order(coop)
    online = paid_order([(gen_product(coop), 1)])
    waiting = gen_order([(gen_product(coop), 1)], method="cod")
    db.session.commit()
    login_as("admin")
    online_entries = len(entries())  # the order paid online credits at payment
    text = (
        f"Mã đơn hàng;Tiền thu hộ\n{good.reference};{good.paid_vnd:,}\n".replace(",", ".")
        + f"{short.reference};{short.paid_vnd - 30_000}\n"
        f"{online.reference};{online.total_vnd}\n"
        f"{waiting.reference};{waiting.total_vnd}\n"
        "NOPE-1;100000\n"
        f"{good.reference};{good.paid_vnd}\n"
        ";5000\n"
        f"{good.reference};mười nghìn\n"
    )
    response = upload(client, text)
    assert response.status_code == 302
    batch = db.session.scalars(select(Remittance)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa xác nhận" in page or "Not confirmed" in page
    assert outcomes(batch.id) == {
        2: "matched", 3: "amount_differs", 4: "not_cod", 5: "not_collected",
        6: "unknown_reference", 7: "duplicate", 8: "bad_row", 9: "bad_row",
    }  # fmt: skip
    assert len(entries()) == online_entries  # the preview records nothing
    assert confirm(client, batch.id).status_code == 302
    db.session.expire_all()
    assert outcomes(batch.id)[2] == "recorded"
    assert outcomes(batch.id)[3] == "amount_differs"
    assert (batch.status, batch.rows_matched, batch.rows_mismatched, batch.total_vnd) == (
        "confirmed", 1, 7, good.paid_vnd,
    )  # fmt: skip
    assert balance(coop.id, RUN_DAY).available_vnd == 180_000
    assert db.session.get(Order, short.id).needs_review  # flagged for the office
    # Confirming again changes nothing.
    before = len(entries())
    confirm(client, batch.id)
    assert len(entries()) == before

    # The same file again: nothing new, shown as already remitted.
    second = upload(client, text)
    batch2 = db.session.scalars(select(Remittance).order_by(Remittance.id.desc())).first()
    assert outcomes(batch2.id)[2] == "already_remitted"
    confirm(client, batch2.id)
    db.session.expire_all()
    assert second.status_code == 302
    assert outcomes(batch2.id)[2] == "already_remitted"
    assert (batch2.rows_matched, batch2.total_vnd) == (0, 0)
    assert len(entries()) == before
    history = client.get("/admin/payouts/remittances").get_data(as_text=True)
    assert history.count("ghtk.csv") == 2


def test_confirm_checks_again_and_never_trusts_the_preview(app, client, login_as):
    coop = gen_producer()
    order = collected_order(coop)
    db.session.commit()
    login_as("admin")
    upload(client, f"order reference,amount\n{order.reference},{order.paid_vnd}\n")
    batch = db.session.scalars(select(Remittance)).one()
    # Between preview and confirmation the order is remitted by another import.
    from shop.payouts.ledger import record_remittance
    from tests.payouts.test_remittance import REMITTED_AT

    record_remittance(order, amount_vnd=order.paid_vnd, now=REMITTED_AT)
    db.session.commit()
    written = len(entries())
    confirm(client, batch.id)
    db.session.expire_all()
    assert outcomes(batch.id) == {2: "already_remitted"}
    assert len(entries()) == written


@pytest.mark.parametrize("content", ["", "a,b\n1,2\n", "Mã đơn hàng,Tiền thu hộ\n"])
def test_a_file_that_is_not_a_statement_is_refused_with_a_message(app, client, login_as, content):
    login_as("admin")
    response = upload(client, content)
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(Remittance)).all() == []


def test_a_file_not_in_utf8_is_refused(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/payouts/remittances")
    response = client.post(
        "/admin/payouts/remittances",
        data={"csrf_token": token, "file": (io.BytesIO("Mã,Tiền\n".encode("utf-16")), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.session.scalars(select(Remittance)).all() == []


def test_an_order_refunded_before_its_remittance_is_left_for_review(app, client, login_as):
    """The refund reversed nothing (nothing was credited yet): crediting the full sale now
    would pay the producer money the customer got back."""
    from shop.orders.services import apply_refund

    coop = gen_producer()
    order = collected_order(coop)
    line = order.lines[0]
    apply_refund(order, amount_vnd=line.line_total_vnd, lines={line.id: 1})
    db.session.commit()
    login_as("admin")
    upload(client, f"Mã đơn hàng\tTiền thu hộ\n{order.reference}\t{order.paid_vnd}\n")
    batch = db.session.scalars(select(Remittance)).one()
    assert outcomes(batch.id) == {2: "refunded"}
    confirm(client, batch.id)
    db.session.expire_all()
    assert outcomes(batch.id) == {2: "refunded"}
    assert entries(producer_id=coop.id) == []
    assert balance(coop.id, RUN_DAY).total_vnd == 0
    assert db.session.get(Order, order.id).needs_review
