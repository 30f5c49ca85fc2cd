"""Bank-transfer payouts: producers' bank details (entered by staff, verified by an admin),
runs skipping unverified producers, a payout's VietQR, the batch file, and statements."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.banking.vietqr import parse_payload
from shop.db import utcnow
from shop.extensions import db
from shop.payouts.bank_accounts import ProducerBankAccount, bank_account_of
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.providers import payout_reference
from shop.payouts.services import (
    NO_VERIFIED_BANK_ACCOUNT,
    approve_payout,
    mark_paid,
    mark_sent,
    run_payouts,
)
from tests.conftest import csrf_token
from tests.factories import gen_producer, gen_product, gen_user
from tests.payouts.factories import PAID_AT, bank_account, deliver, paid_order
from tests.payouts.test_runs import RUN_DAY, producers_owed


def owed(producer, price=500_000):
    deliver(paid_order([(gen_product(producer, price_vnd=price), 1)]), PAID_AT)


def payouts_in(*statuses: str, prices=(500_000,)) -> list[Payout]:
    """One payout per status (of a verified producer each), moved there through the machine."""
    producers = producers_owed(*(prices * len(statuses)))
    run_payouts(RUN_DAY)
    admin = gen_user("admin")
    result = []
    for payout, status in zip(
        db.session.scalars(select(Payout).order_by(Payout.id)), statuses, strict=True
    ):
        if status != "draft":
            approve_payout(payout, admin_id=admin.id, now=utcnow())
        if status in ("sent", "paid"):
            mark_sent(payout)
        if status == "paid":
            mark_paid(payout, provider_reference="typed-by-admin")
        result.append(payout)
    assert len(producers) == len(statuses)
    db.session.commit()
    return result


def post_bank_account(client, **data):
    token = csrf_token(client, "/producer/bank-account")
    return client.post("/producer/bank-account", data={"csrf_token": token, **data})


# --- producers' bank details ------------------------------------------------------------------


def test_staff_enter_details_in_the_legal_name_only(app, client, login_as):
    producer = gen_producer(name="HTX Chè Tân Cương")
    staff = login_as("producer_staff", producer_id=producer.id)
    response = post_bank_account(client, bank_bin="970436", account_number="0071 0008 88888",
                                 holder_name="Nguyen Van An")  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "HOP TAC XA CHE TAN CUONG" in page or "HTX CHE TAN CUONG" in page
    assert 'value="Nguyen Van An"' in page  # what was typed is kept
    assert 'aria-invalid="true"' in page
    assert bank_account_of(producer.id) is None

    response = post_bank_account(client, bank_bin="970436", account_number="0071 0008 88888",
                                 holder_name="Hợp tác xã chè Tân Cương")  # fmt: skip
    assert response.status_code == 302
    account = bank_account_of(producer.id)
    assert (account.bank_bin, account.account_number, account.holder_name) == (
        "970436", "0071000888888", "HOP TAC XA CHE TAN CUONG")  # fmt: skip
    assert account.created_by_id == staff.id
    assert not account.verified
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "bank_account.entered"))
    assert log.one().producer_id == producer.id


def test_bad_account_numbers_and_banks_are_refused(app, client, login_as):
    producer = gen_producer(name="HTX Chè Tân Cương")
    login_as("producer_staff", producer_id=producer.id)
    for data in (
        {"bank_bin": "970436", "account_number": "12345"},
        {"bank_bin": "970436", "account_number": "12345678901234567890"},
        {"bank_bin": "970436", "account_number": "12345abc"},
        {"bank_bin": "999999", "account_number": "0071000888888"},
    ):
        response = post_bank_account(client, holder_name="HTX CHE TAN CUONG", **data)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert bank_account_of(producer.id) is None


def test_an_admin_verifies_and_a_change_clears_the_verification(app, client, login_as):
    producer = gen_producer(name="HTX Chè Tân Cương")
    staff = gen_user("producer_staff", producer_id=producer.id)
    account = ProducerBankAccount(
        producer_id=producer.id,
        bank_bin="970436",
        account_number="0071000888888",
        holder_name="HTX CHE TAN CUONG",
        created_by_id=staff.id,
    )
    db.session.add(account)
    db.session.commit()
    admin = login_as("admin")
    path = f"/admin/producers/{producer.id}/bank-account"
    page = client.get(path).get_data(as_text=True)
    assert "0071000888888" in page
    token = csrf_token(client, path)
    seen = {"bank_bin": "970436", "account_number": "0071000888888",
            "holder_name": "HTX CHE TAN CUONG"}  # fmt: skip
    # Details that are no longer the current ones are not verified.
    stale = client.post(path, data={"csrf_token": token, **seen, "account_number": "1111111"})
    assert stale.status_code == 302
    db.session.refresh(account)
    assert not account.verified
    assert client.post(path, data={"csrf_token": token, **seen}).status_code == 302
    db.session.refresh(account)
    assert account.verified
    assert account.verified_by_id == admin.id

    from tests.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert sign_in(client, staff.email, DEFAULT_PASSWORD).status_code == 302
    post_bank_account(client, bank_bin="970418", account_number="0071000888888",
                      holder_name="HTX CHE TAN CUONG")  # fmt: skip
    db.session.refresh(account)
    assert account.bank_bin == "970418"
    assert not account.verified
    assert account.verified_by_id is None
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["bank_account.verified", "bank_account.changed"]


def test_one_producer_never_sees_anothers_bank_details(app, client, login_as):
    other = gen_producer(name="HTX Mật ong Bảo Ngọc")
    bank_account(other, account_number="9998887776665")
    db.session.commit()
    login_as("producer_staff")  # staff of a new producer
    page = client.get("/producer/bank-account").get_data(as_text=True)
    assert "9998887776665" not in page
    assert "BAO NGOC" not in page


# --- runs ---------------------------------------------------------------------------------------


def test_a_run_skips_bank_transfer_producers_without_verified_details(app, runner):
    app.config["PAYOUT_MINIMUM_VND"] = 100_000
    verified, unverified, none = gen_producer(), gen_producer(), gen_producer()
    bank_account(verified)
    bank_account(unverified, verified=False)
    for producer in (verified, unverified, none):
        owed(producer)
    db.session.commit()
    dry = run_payouts(RUN_DAY, dry_run=True)
    assert dry.payouts == [(verified.id, 450_000)]
    report = run_payouts(RUN_DAY)
    assert report.payouts == [(verified.id, 450_000)]
    assert report.skipped == [(unverified.id, NO_VERIFIED_BANK_ACCOUNT),
                              (none.id, NO_VERIFIED_BANK_ACCOUNT)]  # fmt: skip
    # Verified later, the producer is paid by the next run: the money kept accruing.
    account = bank_account_of(unverified.id)
    account.verified_at, account.verified_by_id = utcnow(), gen_user("admin").id
    db.session.commit()
    assert run_payouts(RUN_DAY, key="next").payouts == [(unverified.id, 450_000)]
    app.config["FIXED_TODAY"] = RUN_DAY
    result = runner.invoke(args=["payouts", "run", "--dry-run"])
    assert f"producer {none.id}: skipped (no verified bank details)" in result.output


# --- a payout's page and the batch file -------------------------------------------------------


def test_the_payout_page_shows_the_vietqr_of_an_approved_payout(app, client, login_as):
    draft, approved = payouts_in("draft", "approved")
    login_as("admin")
    page = client.get(f"/admin/payouts/{approved.id}").get_data(as_text=True)
    assert "<svg" in page
    payload = re.search(r'<code class="payload"[^>]*>([^<]+)</code>', page).group(1)
    transfer = parse_payload(payload.replace("&#39;", "'"))
    account = bank_account_of(approved.producer_id)
    assert (transfer.bin, transfer.account, transfer.amount_vnd, transfer.purpose) == (
        account.bank_bin, account.account_number, approved.amount_vnd,
        payout_reference(approved.id))  # fmt: skip
    assert "<svg" not in client.get(f"/admin/payouts/{draft.id}").get_data(as_text=True)
    assert client.get("/admin/payouts/999999").status_code == 404


def test_the_batch_file_lists_approved_payouts_safely(app, client, login_as):
    draft, approved = payouts_in("draft", "approved")
    account = bank_account_of(approved.producer_id)
    account.holder_name = "=HYPERLINK(1)"
    db.session.commit()
    login_as("admin")
    response = client.get("/admin/payouts/batch.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:] == [["970436", "Vietcombank", "0011001932418", "'=HYPERLINK(1)",
                         str(approved.amount_vnd), payout_reference(approved.id)]]  # fmt: skip


# --- statements ---------------------------------------------------------------------------------


def statement(*lines: tuple[str, int, str]) -> bytes:
    out = "Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung\n"
    for reference, amount, note in lines:
        debit, credit = (f"{amount:,}".replace(",", "."), "") if amount > 0 else ("", f"{-amount}")
        out += f"14/12/2026;{reference};{debit};{credit};{note}\n"
    return out.encode()


def upload(client, data: bytes):
    token = csrf_token(client, "/admin/payouts/bank-statement")
    return client.post(
        "/admin/payouts/bank-statement",
        data={"csrf_token": token, "statement": (io.BytesIO(data), "sao-ke.csv")},
        content_type="multipart/form-data",
    )


def confirm(client, preview_page: str):
    plan = re.search(r'name="plan" type="hidden" value="([^"]+)"', preview_page)
    token = csrf_token(client, "/admin/payouts/bank-statement")
    return client.post("/admin/payouts/bank-statement/confirm",
                       data={"csrf_token": token, "plan": plan.group(1)})  # fmt: skip


def test_a_statement_marks_sent_payouts_paid_and_paid_ones_reconciled(app, client, login_as):
    sent, paid, approved, other_amount = payouts_in("sent", "paid", "approved", "sent")
    login_as("admin")
    data = statement(
        ("FT1", sent.amount_vnd, f"CK {payout_reference(sent.id).replace(' ', '')} HTX che"),
        ("FT2", paid.amount_vnd, f"MBVCB.1.{payout_reference(paid.id).lower()}.CT tu"),
        ("FT3", approved.amount_vnd, payout_reference(approved.id)),
        ("FT4", other_amount.amount_vnd - 1, payout_reference(other_amount.id)),
        ("FT5", 100_000, "OCOP PO999999"),
        ("FT6", 200_000, "phí dịch vụ"),
        ("FT7", -sent.amount_vnd, f"hoàn tiền {payout_reference(sent.id)}"),
    )
    preview = upload(client, data)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    for text in ("Đánh dấu đã trả", "Đánh dấu đã đối soát", "Không có khoản chi trả nào",
                 "Số tiền khác", "chưa được gửi", "Tiền được trả lại"):  # fmt: skip
        assert text in page, text
    db.session.expire_all()
    assert db.session.get(Payout, sent.id).status == PayoutStatus.SENT  # a preview changes nothing

    assert confirm(client, page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Payout, sent.id).status == PayoutStatus.PAID
    assert db.session.get(Payout, sent.id).provider_reference == "FT1"
    assert db.session.get(Payout, paid.id).status == PayoutStatus.RECONCILED
    assert db.session.get(Payout, approved.id).status == PayoutStatus.APPROVED
    assert db.session.get(Payout, other_amount.id).status == PayoutStatus.SENT

    # The same statement again: nothing changes (the payout it marked paid stays paid).
    before = list(db.session.execute(select(Payout.id, Payout.status).order_by(Payout.id)))
    audit_before = db.session.scalar(select(db.func.count(AuditLog.id)))
    again = upload(client, data).get_data(as_text=True)
    assert "Đã ghi nhận" in again
    assert "Xác nhận các thay đổi" not in again
    db.session.expire_all()
    assert list(db.session.execute(select(Payout.id, Payout.status).order_by(Payout.id))) == before
    assert db.session.scalar(select(db.func.count(AuditLog.id))) == audit_before


def test_a_tampered_or_stale_preview_changes_nothing(app, client, login_as):
    (sent,) = payouts_in("sent")
    login_as("admin")
    page = upload(client, statement(("FT1", sent.amount_vnd, payout_reference(sent.id))))
    page = page.get_data(as_text=True)
    plan = re.search(r'name="plan" type="hidden" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/admin/payouts/bank-statement")
    response = client.post("/admin/payouts/bank-statement/confirm",
                           data={"csrf_token": token, "plan": plan[:-3] + "abc"})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Payout, sent.id).status == PayoutStatus.SENT


def test_a_bad_statement_lists_its_rows_and_imports_nothing(app, client, login_as):
    (sent,) = payouts_in("sent")
    login_as("admin")
    data = statement(("FT1", sent.amount_vnd, payout_reference(sent.id))) + b"32/12/2026;X;1;;y\n"
    page = upload(client, data).get_data(as_text=True)
    assert "Dòng 3" in page
    assert 'name="plan"' not in page
