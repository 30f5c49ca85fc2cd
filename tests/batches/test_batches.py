"""Gift batches end to end: the three recipient sources, the preview's totals and stock check,
the job (one order per recipient, a shortage failing one recipient only, safe to run twice),
the approval path, another organisation's 404, the tracking CSV, and a batch paid by one bank
transfer."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.agencies import approvals
from shop.banking.statement import CREDIT, StatementRow
from shop.batches import services
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.models import BatchStatus, GiftBatch, GiftBatchRecipient
from shop.batches.recipients import validate_table
from shop.extensions import db, limiter
from shop.orders.models import Order, OrderStatus
from shop.payments import bank_statement
from tests.agencies.factories import add_member, gen_organisation
from tests.conftest import DEMO_TODAY, csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_producer, gen_product, gen_user
from tests.giftsets.factories import gen_gift_set

HEADER = ["Họ tên", "Điện thoại", "Tỉnh/Thành phố", "Xã/Phường", "Địa chỉ", "Bộ quà", "Số lượng"]


def rows_for(slug: str, quantities: list[int]) -> list[list[str]]:
    return [
        [f"Người nhận {i}", f"09123456{i:02d}", "Bắc Ninh", "Phường Kinh Bắc", f"{i} Lý Thái Tổ",
         slug, str(q)]
        for i, q in enumerate(quantities, start=1)
    ]  # fmt: skip


@pytest.fixture
def world(app):
    buyer = gen_user("customer")
    organisation = gen_organisation()
    add_member(organisation, "buyer", buyer)
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=500, vat_rate=5)
    tea = gen_product(producer=gen_producer(), price_vnd=250_000, stock=500, vat_rate=10)
    gift = gen_gift_set([(honey, 2), (tea, 1)])
    db.session.commit()
    return {"buyer": buyer, "organisation": organisation, "gift": gift, "honey": honey, "tea": tea}


def draft(world, quantities: list[int]) -> GiftBatch:
    result = validate_table(
        [HEADER, *rows_for(world["gift"].slug, quantities)],
        today=DEMO_TODAY,
        gift_set_lookup=lookup_gift_set,
    )
    assert result.ok, result.errors
    batch = services.save_draft(world["organisation"].id, world["buyer"].id, result.rows)
    db.session.commit()
    return batch


def run_job(batch: GiftBatch) -> services.CreationReport:
    batch_id = batch.id
    db.session.commit()
    report = services.create_orders(batch_id, today=DEMO_TODAY)
    db.session.expire_all()
    return report


def start_now(batch: GiftBatch, world) -> None:
    """Start without the route: draft → creating (the job is run by the test)."""
    services.transition(batch, BatchStatus.CREATING)
    db.session.commit()


# --- model ---------------------------------------------------------------------------------------


def test_constraints_refuse_a_zero_quantity_a_repeated_row_and_an_unknown_status(world):
    batch = draft(world, [1])
    base = {
        "batch_id": batch.id, "name": "A", "phone": "+84912345678", "province_code": 24,
        "commune_code": 9187, "street": "1", "bundle_id": world["gift"].id, "status": "pending",
    }  # fmt: skip
    for values in (
        {"row": 9, "quantity": 0},
        {"row": 2, "quantity": 1},  # row 2 is taken
        {"row": 10, "quantity": 1, "status": "lost"},
        {"row": 11, "quantity": 1, "status": "created"},  # created without an order
        {"row": 12, "quantity": 1, "status": "failed"},  # failed without a reason
    ):
        db.session.add(GiftBatchRecipient(**{**base, **values}))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    batch = db.session.get(GiftBatch, batch.id)
    batch.status = "shipped"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_reference_is_short_ascii_and_the_state_machine_refuses_skipping(world):
    batch = draft(world, [1])
    assert batch.reference == f"GIFT-{batch.created_at.year}-{batch.id:06d}"
    assert batch.reference.isascii()
    assert len("OCOP " + batch.reference) <= 25
    with pytest.raises(services.InvalidTransition):
        services.transition(batch, BatchStatus.CREATED)
    services.cancel(batch, world["buyer"].id)
    with pytest.raises(services.InvalidTransition):
        services.transition(batch, BatchStatus.CREATING)


# --- preview and job ---------------------------------------------------------------------------


def test_the_preview_prices_at_the_batch_tier_and_totals_by_producer_and_vat(world):
    batch = draft(world, [5, 5])  # 10 boxes: the 10–49 tier, 470,000 a box
    preview = services.preview(batch, today=DEMO_TODAY, now=batch.created_at)
    assert [r.unit_price_vnd for r in preview.rows] == [470_000, 470_000]
    assert preview.goods_vnd == 10 * 470_000
    assert len(preview.producers) == 2
    assert sum(p.goods_vnd for p in preview.producers) == preview.goods_vnd
    assert sum(p.delivery_vnd for p in preview.producers) == preview.delivery_vnd > 0
    assert [v.rate for v in preview.vat] == [5, 10]
    assert sum(v.amount_vnd for v in preview.vat) == preview.goods_vnd
    assert preview.shortages == []


def test_a_shortage_fails_one_recipient_and_the_others_get_their_orders(world):
    world["tea"].stock = 12  # three recipients of 5 boxes need 15 teas
    db.session.commit()
    batch = draft(world, [5, 5, 5])
    preview = services.preview(batch, today=DEMO_TODAY, now=batch.created_at)
    assert [(s.product, s.wanted, s.available, s.short) for s in preview.shortages] == [
        (world["tea"].name_vi, 15, 12, 3)
    ]
    start_now(batch, world)
    report = run_job(batch)
    assert (report.created, report.failed) == (2, 1)
    batch = db.session.get(GiftBatch, batch.id)
    assert (batch.status, batch.created_count, batch.failed_count) == ("partly_created", 2, 1)
    recipients = services.recipients_of(batch.id)
    assert [r.status for r in recipients] == ["created", "created", "failed"]
    assert recipients[2].error == f"out_of_stock:{world['tea'].name_vi}"
    orders = db.session.scalars(select(Order).where(Order.batch_id == batch.id)).all()
    assert len(orders) == 2
    assert all(
        o.payment_method == "bank_transfer" and o.status == "awaiting_payment" for o in orders
    )
    assert all(o.expires_at is not None for o in orders)
    db.session.refresh(world["tea"])
    assert world["tea"].stock == 2  # the failed recipient's savepoint took nothing


def test_running_the_job_twice_creates_no_second_order(world):
    batch = draft(world, [1, 2])
    start_now(batch, world)
    first = run_job(batch)
    # A crash after the orders: the batch put back to creating, the job run again.
    db.session.execute(
        GiftBatch.__table__.update().where(GiftBatch.id == batch.id).values(status="creating")
    )
    db.session.commit()
    second = run_job(batch)
    assert (first.created, second.created, second.skipped) == (2, 0, 0)
    count = db.session.scalar(select(func.count(Order.id)).where(Order.batch_id == batch.id))
    assert count == 2
    assert db.session.get(GiftBatch, batch.id).status == BatchStatus.CREATED


# --- pages -------------------------------------------------------------------------------------


def post(client, path, data=None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def signed_in(client, user):
    limiter.reset()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_a_pasted_list_with_an_error_keeps_what_was_typed_and_saves_nothing(client, world):
    signed_in(client, world["buyer"])
    text = "\t".join(HEADER) + "\n" + "\t".join(rows_for(world["gift"].slug, [1])[0])
    bad = (
        text + "\nAn\t0912\tBắc Ninh\tPhường Kinh Bắc\t2 Lý Thái Tổ\t" + world["gift"].slug + "\t1"
    )
    response = post(client, "/agency/batches/new", {"source": "paste", "pasted": bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "0912" in page
    assert "Điện thoại" in page
    assert db.session.scalar(select(func.count(GiftBatch.id))) == 0
    response = post(client, "/agency/batches/new", {"source": "paste", "pasted": text})
    assert response.status_code == 302
    batch = db.session.scalar(select(GiftBatch))
    assert batch.size == 1
    assert batch.status == "draft"
    assert "470" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_one_address_for_all_splits_into_orders_of_at_most_50(client, world):
    signed_in(client, world["buyer"])
    form = {"source": "one", "name": "Văn phòng", "phone": "0912345678", "province": "24",
            "commune": "Phường Kinh Bắc", "street": "1 Lý Thái Tổ", "gift_set": world["gift"].slug,
            "quantity": "120"}  # fmt: skip
    bad = post(client, "/agency/batches/new", {**form, "phone": "12"})
    assert bad.status_code == 400
    assert "Văn phòng" in bad.get_data(as_text=True)
    response = post(client, "/agency/batches/new", form)
    assert response.status_code == 302
    recipients = db.session.scalars(select(GiftBatchRecipient)).all()
    assert [r.quantity for r in recipients] == [50, 50, 20]


def test_an_uploaded_file_makes_a_draft(client, world):
    signed_in(client, world["buyer"])
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([HEADER, *rows_for(world["gift"].slug, [1, 3])])
    data = {"source": "file", "file": (io.BytesIO(out.getvalue().encode("utf-8-sig")), "list.csv")}
    response = post(client, "/agency/batches/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(GiftBatch)).size == 2


def test_create_orders_runs_the_job_then_tracking_and_csv_neutralise_formulas(client, world):
    signed_in(client, world["buyer"])
    rows = rows_for(world["gift"].slug, [1, 1])
    rows[0][0] = "=HYPERLINK(1)"
    text = "\n".join(",".join(r) for r in [HEADER, *rows])
    post(client, "/agency/batches/new", {"source": "paste", "pasted": text})
    batch = db.session.scalar(select(GiftBatch))
    response = post(client, f"/agency/batches/{batch.id}/start")
    assert response.status_code == 302
    db.session.expire_all()
    batch = db.session.get(GiftBatch, batch.id)  # the job ran at once (JOBS_IMMEDIATE)
    assert batch.status == "created"
    assert batch.created_count == 2
    progress = client.get(f"/agency/batches/{batch.id}/progress.json").get_json()
    assert progress == {"status": "created", "size": 2, "created": 2, "failed": 0, "done": True}
    page = client.get(f"/agency/batches/{batch.id}").get_data(as_text=True)
    assert batch.reference in page
    exported = client.get(f"/agency/batches/{batch.id}/tracking.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in exported
    assert exported.count("OCM-") == 2


def test_another_organisation_gets_404_and_an_admin_may_look(client, world):
    batch = draft(world, [1])
    stranger = gen_user("customer")
    gen_organisation(stranger)
    admin = gen_user("admin")
    db.session.commit()
    signed_in(client, stranger)
    for path in ("", "/progress.json", "/tracking.csv"):
        assert client.get(f"/agency/batches/{batch.id}{path}").status_code == 404
    assert post(client, f"/agency/batches/{batch.id}/start").status_code == 404
    post(client, "/account/logout")
    signed_in(client, admin)
    assert client.get(f"/agency/batches/{batch.id}").status_code == 200


def test_above_the_threshold_an_approver_signs_off_then_the_orders_are_created(client, world):
    world["organisation"].approval_threshold_vnd = 100_000
    approver = add_member(world["organisation"], "approver")
    db.session.commit()
    batch = draft(world, [1])
    signed_in(client, world["buyer"])
    assert post(client, f"/agency/batches/{batch.id}/start").status_code == 302
    db.session.expire_all()
    assert db.session.get(GiftBatch, batch.id).status == "draft"
    request = services.approval_for(batch.id)
    assert request.status == "pending"
    assert request.amount_vnd > 100_000
    approvals.decide(request, approver.id, True)
    db.session.commit()
    db.session.expire_all()
    batch = db.session.get(GiftBatch, batch.id)
    assert batch.status == "created"
    assert batch.created_count == 1


# --- payment ----------------------------------------------------------------------------------


def credit(note: str, amount: int, ref: str = "FT1") -> StatementRow:
    return StatementRow(row=2, date=date(2026, 11, 29), side=CREDIT, amount_vnd=amount,
                        note=note, bank_reference=ref)  # fmt: skip


def test_one_transfer_with_the_batch_reference_pays_every_child_order(world):
    batch = draft(world, [1, 2])
    start_now(batch, world)
    run_job(batch)
    money = services.batch_money(batch.id)
    assert money.unpaid_orders == 2
    note = f"CT CONG TY QUA TANG OCOP {batch.reference.replace('-', ' ')}"
    short = bank_statement.match_statement([credit(note, money.unpaid_vnd - 1, "FT0")])
    assert [m.action for m in short] == [bank_statement.SHORT]
    matches = bank_statement.match_statement([credit(note, money.unpaid_vnd)])
    assert [m.action for m in matches] == [bank_statement.PAY]
    bank_statement.apply_statement([credit(note, money.unpaid_vnd)], admin_id=None)
    db.session.commit()
    statuses = db.session.scalars(select(Order.status).where(Order.batch_id == batch.id)).all()
    assert statuses == [OrderStatus.PAID, OrderStatus.PAID]
    # The same statement again records nothing.
    again = bank_statement.match_statement([credit(note, money.unpaid_vnd)])
    assert [m.action for m in again] == [bank_statement.DONE]
    assert bank_statement.apply_statement([credit(note, money.unpaid_vnd)], admin_id=None) == []
    assert services.batch_money(batch.id).paid_vnd == money.unpaid_vnd


def test_the_statement_import_counts_every_order_a_batch_transfer_pays(client, login_as, world):
    """One credit for a batch of 3 recipients pays 3 orders: the office is told 3, not 1."""
    import html
    import re

    batch = draft(world, [1, 2, 1])
    start_now(batch, world)
    run_job(batch)
    money = services.batch_money(batch.id)
    assert money.unpaid_orders == 3
    login_as("admin")
    statement = "\r\n".join([
        "Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung",
        f"29/11/2026;FT77;;{money.unpaid_vnd};CK OCOP {batch.reference} qua tet",
    ]).encode("utf-8-sig")  # fmt: skip
    token = csrf_token(client, "/admin/payments/bank-statement")
    page = client.post(
        "/admin/payments/bank-statement?lang=en",
        data={"csrf_token": token, "statement": (io.BytesIO(statement), "statement.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    plan = html.unescape(re.search(r'name="plan" type="hidden" value="([^"]*)"', page).group(1))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(
        "/admin/payments/bank-statement/confirm?lang=en",
        data={"csrf_token": token, "plan": plan},
    ).get_data(as_text=True)
    assert "3 order(s) paid; 0 part payment(s) recorded" in done
    statuses = db.session.scalars(select(Order.status).where(Order.batch_id == batch.id)).all()
    assert statuses == [OrderStatus.PAID] * 3


def test_a_rejected_sign_off_cancels_the_draft(world):
    world["organisation"].approval_threshold_vnd = 100_000
    approver = add_member(world["organisation"], "approver")
    db.session.commit()
    batch = draft(world, [1])
    started = services.start(batch, world["buyer"].id, total_vnd=600_000, adult_confirmed=False)
    db.session.commit()
    approvals.decide(started.approval, approver.id, False)
    db.session.commit()
    assert db.session.get(GiftBatch, batch.id).status == "cancelled"
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_the_preview_page_shows_the_shortage_and_the_progress_page_works_without_script(
    client, world
):
    world["tea"].stock = 1
    db.session.commit()
    batch = draft(world, [2])
    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert "Short by" in page
    assert world["tea"].name_vi in page
    services.transition(batch, BatchStatus.CREATING)
    db.session.commit()
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert "<progress" in page
    assert f'href="/agency/batches/{batch.id}"' in page  # the refresh link
    assert client.get(f"/agency/batches/{batch.id}/progress.json").get_json()["done"] is False


def test_a_list_pasted_with_the_file_option_selected_is_read_and_its_warnings_shown(client, world):
    signed_in(client, world["buyer"])
    row = ",".join(rows_for(world["gift"].slug, [1])[0])
    text = "\n".join([",".join(HEADER), row, row])  # the same recipient twice: a warning
    response = post(client, "/agency/batches/new?lang=en", {"source": "file", "pasted": text})
    assert response.status_code == 302
    assert db.session.scalar(select(GiftBatch)).size == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Row 3:" in page


def test_the_office_imports_a_statement_paying_a_batch_and_a_short_one_is_flagged(
    client, login_as, world
):
    from tests.payments.test_bank_transfer import _actions, _confirm, _preview, _statement

    batch = draft(world, [1, 1])
    start_now(batch, world)
    run_job(batch)
    other = draft(world, [1])
    start_now(other, world)
    run_job(other)
    owed = services.batch_money(batch.id).unpaid_vnd
    short = services.batch_money(other.id).unpaid_vnd - 1000
    login_as("admin")
    page = _preview(client, _statement(
        ("FT900", owed, f"OCOP {batch.reference}"), ("FT901", short, f"OCOP {other.reference}"),
    ))  # fmt: skip
    assert _actions(page) == ["pay", "partial"]
    assert batch.reference in page
    assert "and 1 more" in page
    assert _confirm(client, page).status_code == 200
    db.session.expire_all()
    paid = db.session.scalars(select(Order.status).where(Order.batch_id == batch.id)).all()
    assert paid == [OrderStatus.PAID, OrderStatus.PAID]
    [flagged] = db.session.scalars(select(Order).where(Order.batch_id == other.id)).all()
    assert flagged.status == OrderStatus.AWAITING_PAYMENT
    assert flagged.needs_review
