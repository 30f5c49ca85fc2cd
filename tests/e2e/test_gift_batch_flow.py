"""A gift batch from upload to payment, in the browser: the agency's buyer uploads a 50-row
recipient list with 3 mistakes, reads them by row and column, fixes the file and previews the
batch, then requests a quote; the office prices and sends it; the agency's approver accepts it
(the total is above the organisation's sign-off threshold, which binds the buyer, not the
approver); the batch's orders are created, its page shows one VietQR for the whole batch —
decoded back from the screen: the batch's amount and ``OCOP GIFT-…`` reference — and the
office's bank-statement import of that one transfer marks every order of the batch paid."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from shop.banking.vietqr import parse_payload
from shop.batches.models import BatchStatus, GiftBatch
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.quotes.models import Quote

pytestmark = pytest.mark.browser

ADMIN = ("admin@ocop.example", "demo-admin-2026")
BUYER = ("muahang@ocop.example", "demo-agency-2026")
APPROVER = ("pheduyet@ocop.example", "demo-agency-2026")
BIN, ACCOUNT, HOLDER = "970436", "0011001234567", "Cong ty OCOP Market"
# Screenshots of the batch and quote pages (390 and 1366 px wide) go here when it is set.
SHOTS = os.environ.get("E2E_SHOTS_DIR", "")

# Real two-level addresses of the 2025 list (the template's examples).
ADDRESSES = (
    ("Hà Nội", "Phường Hoàn Kiếm", "Phố Tràng Tiền"),
    ("Bắc Ninh", "Phường Chũ", "Đường Thân Nhân Trung"),
)
# Sets of goods sold all year, no rice wine; the demo's stock covers 30 + 20 boxes
# (Mộc Sơn rice cakes: 100, two a box of the first; Trường Thọ cordyceps: 25, one a box).
NOODLE_SET, HEALTH_SET = "my-chu-gift-set", "health-gift-set"
NOODLE_BOXES, HEALTH_BOXES = 30, 20
HEADER = ["Tên người nhận", "Điện thoại", "E-mail", "Tỉnh/thành", "Xã/phường", "Địa chỉ",
          "Hộp quà", "Số lượng", "Lời chúc", "Ngày giao", "Ghi chú", "Link"]  # fmt: skip


def recipient_rows() -> list[list[str]]:
    rows = []
    for i in range(NOODLE_BOXES + HEALTH_BOXES):
        province, commune, street = ADDRESSES[i % 2]
        rows.append([
            f"Nguyễn Văn Khách {i + 1:02d}",
            f"0912 345 {i:03d}",
            "",
            province,
            commune,
            f"{i + 1} {street}",
            NOODLE_SET if i < NOODLE_BOXES else HEALTH_SET,
            "1",
            "Chúc mừng năm mới!",
            "",
            "",
            "",
        ])  # fmt: skip
    return rows


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture(scope="module")
def shop(live_app, live_server):
    """The demo with its gift sets on sale (the CLI seeds them after the demo) and the shop's
    receiving account for transfers."""
    from shop.batches.recipients import header_labels
    from shop.bundles.demo import seed_bundles

    live_app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    with live_app.app_context():
        seed_bundles()
        db.session.commit()
        header = header_labels("vi")
    return {"url": live_server, "header": header}


def sign_in(browser, base: str, who: tuple[str, str], width: int = 1366):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/account/login?lang=en")
    page.get_by_label("E-mail").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/account/login" not in page.url, page.locator("main").inner_text()
    return context, page


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def money_facts(page) -> dict[str, int]:
    """The batch page's payment facts as the user reads them: label → đồng."""
    box = page.locator("section[aria-labelledby=money-h] > dl.facts")
    labels = box.locator("dt").all_inner_texts()
    values = box.locator("dd").all_inner_texts()
    return {label: digits(value) for label, value in zip(labels, values, strict=True)}


def upload(page, base: str, data: bytes, po: str = "") -> None:
    page.goto(base + "/agency/batches/new?lang=en")
    page.get_by_label("Upload a file (CSV or Excel)", exact=False).first.check()
    page.locator("input[type=file]").set_input_files(
        {"name": "nguoi-nhan.csv", "mimeType": "text/csv", "buffer": data}
    )
    if po:
        page.get_by_label("Purchase order number", exact=False).fill(po)
    page.get_by_role("button", name="Check the recipients").click()
    page.wait_for_load_state()


def screenshots(browser, base: str, who, path: str, name: str) -> None:
    if not SHOTS:
        return
    directory = Path(SHOTS)
    directory.mkdir(parents=True, exist_ok=True)
    for width in (390, 1366):
        context, page = sign_in(browser, base, who, width=width)
        try:
            page.goto(base + path)
            page.screenshot(path=str(directory / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()


def test_a_gift_batch_from_a_faulty_file_to_a_paid_bank_transfer(browser, live_app, shop):
    import zxingcpp
    from PIL import Image

    base, header = shop["url"], shop["header"]
    rows = recipient_rows()

    # 1. The buyer uploads the list with three mistakes: each is listed with its row and column.
    buyer_context, buyer = sign_in(browser, base, BUYER)
    faulty = [list(r) for r in rows]
    faulty[4][4] = "Phường Chũ"  # a Bắc Ninh ward, the row says Hà Nội
    faulty[19][1] = "12345"  # not a phone number
    faulty[41][6] = "hop-qua-khong-co"  # no such gift set
    upload(buyer, base, as_csv(header, faulty))
    main = buyer.locator("main")
    assert "Nothing was saved: correct these 3 problem(s)" in main.inner_text()
    problems = buyer.locator("table.data-table tbody tr")
    assert problems.count() == 3
    found = [
        (int(problems.nth(i).locator("td").nth(0).inner_text()),
         problems.nth(i).locator("td").nth(1).inner_text())
        for i in range(3)
    ]  # fmt: skip
    # Row numbers as the spreadsheet shows them: the header is row 1.
    assert found == [(6, header[4]), (21, header[1]), (43, header[6])], found
    with live_app.app_context():
        assert db.session.scalar(select(GiftBatch).limit(1)) is None  # nothing saved

    # Fixed and sent again: the preview's totals, then a quote with a PO number.
    upload(buyer, base, as_csv(header, rows))
    assert re.search(r"/agency/batches/\d+$", buyer.url), buyer.url
    batch_url = buyer.url.split("?")[0]
    batch_id = int(batch_url.rsplit("/", 1)[1])
    preview_total = digits(buyer.locator("#batch-total").inner_text())
    assert "50" in buyer.locator("#recipients-h .count").inner_text()
    with live_app.app_context():
        batch = db.session.get(GiftBatch, batch_id)
        assert (batch.status, batch.size) == (BatchStatus.DRAFT, 50)
        reference = batch.reference
    assert preview_total > 20_000_000  # above the organisation's sign-off threshold
    buyer.locator("#quote-po").fill("PO-UBND-2027-015")
    buyer.get_by_role("button", name="Request a quote").click()
    buyer.wait_for_load_state()
    quote_box = buyer.locator("#quote")
    assert "PO PO-UBND-2027-015" in quote_box.inner_text()
    with live_app.app_context():
        quote = db.session.scalar(select(Quote).where(Quote.batch_id == batch_id))
        quote_id, goods, quote_ref = quote.id, quote.goods_vnd, quote.reference

    # 2. The office prices the quote and sends it.
    admin_context, admin = sign_in(browser, base, ADMIN)
    admin.goto(base + "/admin/quotes?lang=en")
    admin.get_by_role("link", name=quote_ref).first.click()
    admin.wait_for_load_state()
    assert f"/admin/quotes/{quote_id}" in admin.url
    admin.get_by_label("Delivery", exact=False).fill("1500000")
    admin.get_by_label("Discount", exact=False).fill("500000")
    admin.get_by_label("Valid until", exact=False).fill("2027-01-15")
    admin.get_by_role("button", name="Send the quote").click()
    admin.wait_for_load_state()
    assert "The quote is sent" in admin.locator("main").inner_text()
    total = goods + 1_500_000 - 500_000

    # The buyer sees the sent quote, priced (the total is above the organisation's sign-off
    # threshold: a buyer's acceptance would wait for an approver).
    buyer.goto(batch_url + "?lang=en")
    assert digits(buyer.locator("#quote-total").inner_text()) == total
    assert "Quote sent" in buyer.locator("#quote .lead").inner_text()

    # 3. The approver accepts it: directly, the stock reserved and the orders created.
    approver_context, approver = sign_in(browser, base, APPROVER)
    approver.goto(batch_url + "?lang=en")
    approver.locator("#quote").get_by_role("button", name="Accept the quote").click()
    approver.wait_for_load_state()
    assert "Quote accepted" in approver.locator("main").inner_text()
    with live_app.app_context():
        from shop.quotes.services import approval_for

        assert db.session.get(Quote, quote_id).status == "accepted"
        assert approval_for(quote_id) is None  # no sign-off asked of anyone
    approver_context.close()

    # 4. The orders exist (the job runs inline in the tests); the buyer's VietQR asks for the
    # quote's total with the batch's reference.
    with live_app.app_context():
        batch = db.session.get(GiftBatch, batch_id)
        if not batch.orders_made:
            from shop.batches.services import create_orders

            create_orders(batch_id)
            db.session.commit()
            batch = db.session.get(GiftBatch, batch_id)
        assert batch.status == BatchStatus.CREATED, batch.status
        orders = list(db.session.scalars(select(Order).where(Order.batch_id == batch_id)))
        assert len(orders) == 50
        assert sum(o.total_vnd for o in orders) == total
        assert all(o.status == OrderStatus.AWAITING_PAYMENT for o in orders)
    buyer.goto(batch_url + "?lang=en")
    assert money_facts(buyer) == {"Orders' total": total, "Paid": 0, "Still to pay": total}
    transfer_box = buyer.locator("#bank-transfer")
    assert f"OCOP {reference}" == transfer_box.locator("[data-field=reference]").inner_text()
    qr = transfer_box.locator(".vietqr svg")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(decoded) == 1
    transfer = parse_payload(decoded[0].text)
    assert (transfer.amount_vnd, transfer.purpose) == (total, f"OCOP {reference}")
    assert (transfer.bin, transfer.account) == (BIN, ACCOUNT)
    screenshots(browser, base, BUYER, f"/agency/batches/{batch_id}?lang=en", "gift-batch-to-pay")

    # 5. The office imports the statement with that one transfer and confirms it.
    statement = "\r\n".join([
        "Sao kê tài khoản 0011001234567", "",
        "Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung",
        f"{datetime.now(UTC):%d/%m/%Y};FT26339001;;{total:,};".replace(",", ".")
        + f"UBND TINH BAC NINH CK OCOP {reference} qua tet",
    ]).encode("utf-8-sig")  # fmt: skip
    admin.goto(base + "/admin/payments/bank-statement?lang=en")
    admin.locator("input[type=file]").set_input_files(
        {"name": "sao-ke.csv", "mimeType": "text/csv", "buffer": statement}
    )
    admin.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    admin.wait_for_load_state()
    assert admin.locator("[data-action]").first.get_attribute("data-action") == "pay"
    admin.locator("form[action*='/bank-statement/confirm'] button[type=submit]").click()
    admin.wait_for_load_state()
    assert "50 order(s) paid; 0 part payment(s) recorded" in admin.locator("main").inner_text()
    admin_context.close()

    buyer.goto(batch_url + "?lang=en")
    facts = money_facts(buyer)
    assert facts == {"Orders' total": total, "Paid": total, "Still to pay": 0}, facts
    assert buyer.locator("#bank-transfer").count() == 0  # nothing left to transfer
    with live_app.app_context():
        statuses = set(db.session.scalars(select(Order.status).where(Order.batch_id == batch_id)))
        assert statuses == {OrderStatus.PAID}
    buyer_context.close()

    # With E2E_SHOTS_DIR: the batch page and the quote page, narrow and wide (not asserted on).
    screenshots(browser, base, BUYER, f"/agency/batches/{batch_id}?lang=en", "gift-batch-paid")
    screenshots(browser, base, ADMIN, f"/admin/quotes/{quote_id}?lang=en", "quote")
