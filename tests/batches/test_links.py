"""Recipient links: a recipient added by name and e-mail only chooses the address through a
private link; the order is created when the link is claimed, once; unclaimed links expire
after the batch's claim-by date and are never charged; the batch's transfer asks for what the
created orders owe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.batches import claims, services
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.models import BatchStatus, GiftBatch, GiftBatchRecipient, RecipientStatus
from shop.batches.recipients import validate_table
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from tests.batches.test_batches import HEADER, post, signed_in
from tests.conftest import DEMO_TODAY, run_threads
from tests.factories import gen_product
from tests.giftsets.factories import gen_gift_set, put_on_sale

LINK_HEADER = [*HEADER, "E-mail", "Người nhận tự chọn địa chỉ", "Lời nhắn", "Ngày giao"]
BIN, ACCOUNT, HOLDER = "970436", "0011001234567", "Công ty OCOP Market"


def address_row(slug: str, n: int = 1) -> list[str]:
    return [f"Người nhận {n}", f"09123456{n:02d}", "Bắc Ninh", "Phường Kinh Bắc",
            f"{n} Lý Thái Tổ", slug, "1", "", "", "", ""]  # fmt: skip


def link_row(slug: str, name: str = "Chị Hoa", email: str = "hoa@example.vn", **cells) -> list:
    return [name, cells.get("phone", ""), cells.get("province", ""), cells.get("commune", ""),
            cells.get("street", ""), slug, "1", email, cells.get("link", "x"),
            cells.get("message", "Chúc mừng năm mới!"), cells.get("deliver_on", "")]  # fmt: skip


def check(rows):
    with current_app.test_request_context("/?lang=en"):
        return validate_table(
            [LINK_HEADER, *rows], today=DEMO_TODAY, gift_set_lookup=lookup_gift_set
        )


@pytest.fixture
def world(app, outbox):
    from tests.agencies.factories import add_member, gen_organisation
    from tests.factories import gen_producer, gen_user

    app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    buyer = gen_user("customer")
    organisation = gen_organisation(legal_name="Công ty Quà Tết Kinh Bắc")
    add_member(organisation, "buyer", buyer)
    honey = gen_product(producer=gen_producer(), price_vnd=150_000, stock=50, vat_rate=5)
    wine = gen_product(producer=gen_producer(), price_vnd=250_000, stock=50, adult_only=True)
    tea = gen_product(producer=gen_producer(), price_vnd=200_000, stock=50, vat_rate=10)
    gift = gen_gift_set([(honey, 1)], tiers=[(1, 150_000)], price_vnd=150_000)
    dry = gen_gift_set([(honey, 1), (tea, 1)], tiers=[(1, 350_000)], price_vnd=350_000)
    wet = gen_gift_set([(honey, 1), (wine, 1)], tiers=[(1, 400_000)], price_vnd=400_000)
    wet.alcohol_free_variant = dry
    put_on_sale(wet)
    db.session.commit()
    return {"buyer": buyer, "organisation": organisation, "gift": gift, "wet": wet,
            "dry": dry, "wine": wine, "outbox": outbox}  # fmt: skip


def draft(world, rows, claim_by=None):
    result = check(rows)
    assert result.ok, result.errors
    deadline = claims.claim_deadline(result.rows, DEMO_TODAY, claim_by)
    batch = services.save_draft(
        world["organisation"].id, world["buyer"].id, result.rows, claim_by=deadline.value
    )
    db.session.commit()
    return batch


def start(batch) -> None:
    services.transition(batch, BatchStatus.CREATING)
    db.session.commit()
    services.create_orders(batch.id, today=DEMO_TODAY)
    db.session.expire_all()


def recipients(batch):
    return services.recipients_of(batch.id)


def orders_of(batch) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.batch_id == batch.id)))


ADDRESS = {
    "recipient_name": "Trần Thị Hoa",
    "phone": "0987 654 321",
    "province": "24",
    "commune": "Phường Kinh Bắc",
    "street": "5 Nguyễn Trãi",
}


def claim_page(client, recipient, data=None, lang="en"):
    url = f"/gifts/{claims.link_token(recipient)}?lang={lang}"
    if data is None:
        return client.get(url)
    return post(client, url, data)


# --- the list ------------------------------------------------------------------------------------


def test_a_link_recipient_needs_only_a_name_and_an_email_or_a_phone(world):
    slug = world["gift"].slug
    result = check([link_row(slug), link_row(slug, name="Anh Nam", email="", phone="0912345679")])
    assert result.errors == []
    hoa, nam = result.rows
    assert (hoa.by_link, hoa.province, hoa.street, hoa.phone) == (True, None, "", None)
    assert (nam.by_link, nam.phone, nam.email) == (True, "+84912345679", None)

    result = check([link_row(slug, email=""), link_row(slug, link="maybe"), address_row(slug, 2)])
    found = {(e.row, e.column) for e in result.errors}
    assert {(2, "E-mail"), (3, "Người nhận tự chọn địa chỉ")} <= found
    assert not any(row == 4 for row, _column in found)  # the row with an address is fine
    # An address given with a link is checked (the recipient is offered it to confirm).
    result = check([link_row(slug, province="Bắc Ninh", commune="Phường Chũ Xa", street="1")])
    assert [e.column for e in result.errors] == ["Xã/Phường"]


def test_claim_by_defaults_to_14_days_and_never_passes_the_latest_delivery_date(world):
    slug = world["gift"].slug
    rows = check([link_row(slug), address_row(slug)]).rows
    assert claims.claim_deadline(rows, DEMO_TODAY, None).value == DEMO_TODAY + timedelta(days=14)
    soon = (DEMO_TODAY + timedelta(days=5)).strftime("%d/%m/%Y")
    rows = check([link_row(slug, deliver_on=soon)]).rows
    assert claims.claim_deadline(rows, DEMO_TODAY, None).value == DEMO_TODAY + timedelta(days=5)
    with current_app.test_request_context("/?lang=en"):
        late = claims.claim_deadline(rows, DEMO_TODAY, DEMO_TODAY + timedelta(days=6))
    assert late.value is None
    assert "latest delivery date" in late.error
    assert claims.claim_deadline(check([address_row(slug)]).rows, DEMO_TODAY, None).value is None


def test_the_new_batch_form_refuses_a_claim_by_after_the_delivery_date_and_keeps_it(client, world):
    signed_in(client, world["buyer"])
    soon = (DEMO_TODAY + timedelta(days=5)).strftime("%d/%m/%Y")
    text = "\n".join(
        ",".join(r) for r in [LINK_HEADER, link_row(world["gift"].slug, deliver_on=soon)]
    )
    late = (DEMO_TODAY + timedelta(days=9)).isoformat()
    response = post(
        client, "/agency/batches/new?lang=en", {"source": "paste", "pasted": text, "claim_by": late}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Links must close by the latest delivery date" in page
    assert f'value="{late}"' in page
    assert db.session.scalar(select(func.count(GiftBatch.id))) == 0
    ok = (DEMO_TODAY + timedelta(days=4)).isoformat()
    response = post(
        client, "/agency/batches/new?lang=en", {"source": "paste", "pasted": text, "claim_by": ok}
    )
    assert response.status_code == 302
    batch = db.session.scalar(select(GiftBatch))
    assert batch.claim_by.isoformat() == ok
    [recipient] = recipients(batch)
    assert (recipient.status, recipient.by_link, recipient.province_code) == ("waiting", True, None)
    assert "Recipient chooses the address" in client.get(
        f"/agency/batches/{batch.id}?lang=en"
    ).get_data(as_text=True)


def test_the_database_refuses_an_order_without_an_address_and_a_waiting_non_link(world):
    batch = draft(world, [address_row(world["gift"].slug)])
    [row] = recipients(batch)
    base = {"batch_id": batch.id, "name": "A", "email": "a@example.vn", "bundle_id": row.bundle_id,
            "quantity": 1}  # fmt: skip
    for values in (
        {"row": 7, "status": "pending", "by_link": True, "link_key": "k1"},  # no address
        {"row": 8, "status": "waiting", "phone": "+84912345678", "province_code": 24,
         "commune_code": 9187, "street": "1"},  # waiting, yet no link
        {"row": 9, "status": "waiting", "by_link": True},  # a link without its key
        {"row": 10, "status": "waiting", "by_link": True, "link_key": "k2", "email": None},
    ):  # fmt: skip
        db.session.add(GiftBatchRecipient(**{**base, **values}))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# --- the batch -----------------------------------------------------------------------------------


def test_starting_creates_the_addressed_orders_mails_the_links_and_waits_for_claims(client, world):
    slug = world["gift"].slug
    batch = draft(world, [address_row(slug), link_row(slug), link_row(slug, name="Anh Nam",
                  email="", phone="0912345679")])  # fmt: skip
    start(batch)
    batch = db.session.get(GiftBatch, batch.id)
    assert (batch.status, batch.created_count, batch.failed_count) == ("claiming", 1, 0)
    assert [r.status for r in recipients(batch)] == ["created", "waiting", "waiting"]
    # Only the recipient with an e-mail gets it; the link in it opens the claim page.
    [mail] = [m for m in world["outbox"]() if m["To"] == "hoa@example.vn"]
    assert "Công ty Quà Tết Kinh Bắc" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    link = re.search(r"/gifts/([^?\s]+)\?lang=vi", body)
    assert link is not None
    hoa = recipients(batch)[1]
    assert claims.read_link(link.group(1)).id == hoa.id
    services.create_orders(batch.id, today=DEMO_TODAY)  # again: no second e-mail, no order
    assert len([m for m in world["outbox"]() if m["To"] == "hoa@example.vn"]) == 1
    assert len(orders_of(batch)) == 1

    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert page.count('data-link-state="open"') == 2
    assert claims.link_token(hoa) in page  # the buyer can copy the link
    assert "grows as links are claimed" in page
    # The transfer asks for the one created order, not for the links.
    [order] = orders_of(batch)
    assert services.batch_money(batch.id).unpaid_vnd == order.total_vnd
    assert re.search(r"<dt>Amount</dt><dd><strong class=\"price\">([^<]+)<", page).group(1) == (
        f"{order.total_vnd:,}".replace(",", ".") + "\xa0₫"
    )


def test_a_recipient_claims_the_link_once_and_gets_the_only_order(client, world):
    slug = world["gift"].slug
    batch = draft(world, [address_row(slug), link_row(slug)])
    start(batch)
    hoa = recipients(batch)[1]

    page = claim_page(client, hoa).get_data(as_text=True)  # no sign-in
    assert "A gift from Công ty Quà Tết Kinh Bắc" in page
    assert world["gift"].name_vi in page or (world["gift"].name_en or "") in page
    assert "Chúc mừng năm mới!" in page

    # A commune of another province: a message next to the field, what was typed kept.
    response = claim_page(client, hoa, {**ADDRESS, "commune": "Phường Hoàn Kiếm"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="commune-error"' in page
    assert 'value="5 Nguyễn Trãi"' in page
    assert 'value="Trần Thị Hoa"' in page
    assert len(orders_of(batch)) == 1

    response = claim_page(client, hoa, ADDRESS)
    assert response.status_code == 302  # the job ran at once (JOBS_IMMEDIATE)
    db.session.expire_all()
    hoa = db.session.get(GiftBatchRecipient, hoa.id)
    assert hoa.status == RecipientStatus.CREATED
    assert (hoa.name, hoa.phone, hoa.street) == ("Trần Thị Hoa", "+84987654321", "5 Nguyễn Trãi")
    order = db.session.get(Order, hoa.order_id)
    assert (order.recipient_name, order.commune, order.batch_id) == (
        "Trần Thị Hoa", "Phường Kinh Bắc", batch.id
    )  # fmt: skip
    batch = db.session.get(GiftBatch, batch.id)
    assert (batch.status, batch.created_count) == ("created", 2)
    assert services.batch_money(batch.id).unpaid_vnd == sum(o.total_vnd for o in orders_of(batch))

    again = claim_page(client, hoa, {**ADDRESS, "street": "9 Khác"})
    assert again.status_code == 200
    assert "This link has been used" in again.get_data(as_text=True)
    assert len(orders_of(batch)) == 2
    assert db.session.get(GiftBatchRecipient, hoa.id).street == "5 Nguyễn Trãi"
    page = claim_page(client, hoa, lang="vi").get_data(as_text=True)
    assert "Cảm ơn bạn: chúng tôi đã nhận địa chỉ" in page


def test_a_wrong_a_forged_or_a_drafts_link_is_a_404(client, world):
    slug = world["gift"].slug
    batch = draft(world, [link_row(slug)])
    [hoa] = recipients(batch)
    assert claim_page(client, hoa).status_code == 404  # not sent yet: the batch is a draft
    start(batch)
    token = claims.link_token(hoa)
    assert client.get(f"/gifts/{token}").status_code == 200
    for bad in (token[:-2] + "xx", "nothing", "a" * 500, token + "."):
        assert client.get(f"/gifts/{bad}").status_code == 404
        assert post(client, f"/gifts/{bad}", ADDRESS).status_code == 404
    hoa.link_key = "0" * 32  # a new key revokes the old link
    db.session.commit()
    assert client.get(f"/gifts/{token}").status_code == 404


def test_an_unclaimed_link_expires_after_claim_by_and_is_not_charged(client, world):
    slug = world["gift"].slug
    batch = draft(world, [address_row(slug), link_row(slug)])
    start(batch)
    hoa = recipients(batch)[1]
    claim_by = db.session.get(GiftBatch, batch.id).claim_by
    assert claims.expire_links(claim_by) == 0  # the last day still counts
    assert claim_page(client, hoa).status_code == 200
    # The day after: the page says so before the job has run, and a claim is refused.
    client.application.config["FIXED_TODAY"] = claim_by + timedelta(days=1)
    response = claim_page(client, hoa)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert claim_page(client, hoa, ADDRESS).status_code == 410
    assert claims.expire_links() == 1
    assert claims.expire_links() == 0
    db.session.expire_all()
    hoa = db.session.get(GiftBatchRecipient, hoa.id)
    assert (hoa.status, hoa.error, hoa.order_id) == ("failed", "not_claimed", None)
    batch = db.session.get(GiftBatch, batch.id)
    assert (batch.status, batch.created_count, batch.failed_count) == ("partly_created", 1, 1)
    assert len(orders_of(batch)) == 1
    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert 'data-link-state="expired"' in page
    assert "Not claimed: the recipient did not give an address in time." in page


def test_a_recipient_of_a_set_with_rice_wine_may_choose_the_alcohol_free_variant(client, world):
    batch = draft(world, [link_row(world["wet"].slug), link_row(world["wet"].slug, name="B",
                  email="b@example.vn")])  # fmt: skip
    batch.adult_confirmed = True
    db.session.commit()
    start(batch)
    hoa, other = recipients(batch)
    page = claim_page(client, hoa).get_data(as_text=True)
    assert "The alcohol-free variant" in page
    # Keeping the wine needs the recipient's own age confirmation.
    response = claim_page(client, hoa, {**ADDRESS, "variant": "as_is"})
    assert response.status_code == 400
    assert "Confirm you are 18 or over" in response.get_data(as_text=True)
    assert claim_page(client, hoa, {**ADDRESS, "variant": "alcohol_free"}).status_code == 302
    assert claim_page(client, other, {**ADDRESS, "variant": "as_is",
                                      "adult_confirmed": "y"}).status_code == 302  # fmt: skip
    db.session.expire_all()
    lines = {
        recipient.id: {
            line.product_id
            for line in db.session.scalars(
                select(OrderLine).where(OrderLine.order_id == recipient.order_id)
            )
        }
        for recipient in recipients(batch)
    }
    assert world["wine"].id not in lines[hoa.id]
    assert world["wine"].id in lines[other.id]
    assert db.session.get(GiftBatchRecipient, hoa.id).alcohol_free is True


@pytest.mark.postgres
def test_two_claims_at_once_give_one_order(pg_app):
    from tests.agencies.factories import add_member, gen_organisation
    from tests.factories import gen_user

    buyer = gen_user("customer")
    organisation = gen_organisation()
    add_member(organisation, "buyer", buyer)
    gift = gen_gift_set([(gen_product(stock=20), 1)], tiers=[(1, 150_000)], price_vnd=150_000)
    db.session.commit()
    world = {"buyer": buyer, "organisation": organisation}
    batch = draft(world, [link_row(gift.slug)])
    start(batch)
    [hoa] = recipients(batch)
    token, batch_id = claims.link_token(hoa), batch.id

    def submit(i: int) -> int:
        client = pg_app.test_client()
        with pg_app.app_context():
            try:
                return post(
                    client, f"/gifts/{token}", {**ADDRESS, "street": f"{i} Ngõ"}
                ).status_code
            finally:
                db.session.remove()

    codes = sorted(run_threads(4, submit))
    assert codes.count(302) == 1
    assert set(codes) <= {302, 200, 409}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id)).where(Order.batch_id == batch_id)) == 1
    batch = db.session.get(GiftBatch, batch_id)
    assert (batch.status, batch.created_count) == ("created", 1)


def test_a_claim_whose_order_cannot_be_made_fails_that_recipient_and_says_so(client, world):
    from shop.catalog.models import Product

    slug = world["gift"].slug
    batch = draft(world, [link_row(slug)])
    start(batch)
    [hoa] = recipients(batch)
    for product in db.session.scalars(select(Product)):
        product.stock = 0
    db.session.commit()
    assert claim_page(client, hoa, ADDRESS).status_code == 302
    db.session.expire_all()
    hoa = db.session.get(GiftBatchRecipient, hoa.id)
    assert hoa.status == "failed"
    assert hoa.error.startswith("out_of_stock")
    page = claim_page(client, hoa).get_data(as_text=True)
    assert "the gift could not be prepared" in page
    batch = db.session.get(GiftBatch, batch.id)
    assert (batch.status, batch.failed_count) == ("partly_created", 1)
    assert orders_of(batch) == []


def test_the_expiry_also_runs_as_a_command(app, world):
    batch = draft(world, [link_row(world["gift"].slug)])
    start(batch)
    app.config["FIXED_TODAY"] = db.session.get(GiftBatch, batch.id).claim_by + timedelta(days=1)
    result = app.test_cli_runner().invoke(args=["batches", "expire-links"])
    assert result.output.strip() == "1 recipient link(s) expired."
    db.session.expire_all()
    assert db.session.get(GiftBatch, batch.id).status == "partly_created"
