"""Quotes for gift batches: the model's constraints, requesting, the office's pricing (the
delivery and discount spread over the recipients to the đồng), sending with its e-mail,
acceptance reserving the stock of the whole batch or nothing, the job pricing the child orders
from the quote, expiry with a frozen clock, an approver's sign-off above the threshold with a
readable label, and the PDF in both languages with its VietQR."""

from __future__ import annotations

import io
from datetime import UTC, date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.agencies.models import ApprovalRequest
from shop.banking.vietqr import parse_payload
from shop.batches import services as batches
from shop.batches.models import BatchStatus, GiftBatch
from shop.db import utcnow
from shop.errors import InvalidTransition, OutOfStock
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.outbox.models import OutboxMessage
from shop.quotes import services
from shop.quotes.models import Quote, QuoteHold, QuoteLine, QuoteStatus
from tests.agencies.factories import add_member
from tests.batches.test_batches import draft, post, run_job, signed_in, world  # noqa: F401
from tests.conftest import DEMO_TODAY
from tests.factories import gen_user

BIN, ACCOUNT, HOLDER = "970436", "0011001234567", "CONG TY OCOP MARKET"


def requested(world, quantities: list[int], *, po: str | None = None) -> Quote:  # noqa: F811
    batch = draft(world, quantities)
    preview = batches.preview(batch, today=DEMO_TODAY, now=utcnow())
    quote = services.request_quote(batch, world["buyer"].id, preview, po_number=po, now=utcnow())
    db.session.commit()
    return quote


def sent(world, quantities, *, delivery=None, discount=0, days=14) -> Quote:  # noqa: F811
    quote = requested(world, quantities)
    admin = gen_user("admin")
    services.send(
        quote,
        admin.id,
        delivery_vnd=quote.delivery_vnd if delivery is None else delivery,
        discount_vnd=discount,
        valid_until=utcnow().date() + timedelta(days=days),
        now=utcnow(),
    )
    db.session.commit()
    return quote


# --- model ---------------------------------------------------------------------------------------


def test_constraints_refuse_a_discount_above_the_goods_a_wrong_total_and_two_live_quotes(world):  # noqa: F811
    quote = requested(world, [1])
    for values in (
        {"discount_vnd": quote.goods_vnd + 1, "total_vnd": quote.delivery_vnd - 1},
        {"total_vnd": quote.total_vnd + 1},
        {"discount_vnd": -1, "total_vnd": quote.total_vnd + 1},
        {"status": "accepted"},  # accepted without who and when
        {"status": "sent"},  # sent without validity
        {"status": "lost"},
    ):
        with pytest.raises(IntegrityError):
            db.session.execute(
                Quote.__table__.update().where(Quote.id == quote.id).values(**values)
            )
        db.session.rollback()
    second = Quote(
        reference="Q-X", batch_id=quote.batch_id, organisation_id=quote.organisation_id,
        status="requested", recipients=1, boxes=1, goods_vnd=1, delivery_vnd=0, discount_vnd=0,
        total_vnd=1, vat_rates=[], requested_by_id=quote.requested_by_id,
    )  # fmt: skip
    db.session.add(second)
    with pytest.raises(IntegrityError):  # one live quote per batch
        db.session.flush()
    db.session.rollback()
    line = db.session.scalars(select(QuoteLine)).first()
    line.goods_vnd += 1  # no longer unit price × quantity
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_request_locks_each_recipients_boxes_at_the_batch_tier(world):  # noqa: F811
    quote = requested(world, [5, 4, 1], po="PO-2026/17")
    assert quote.reference == f"Q-{quote.requested_at.year}-{quote.id:06d}"
    assert (quote.status, quote.recipients, quote.boxes, quote.po_number) == (
        "requested", 3, 10, "PO-2026/17"
    )  # fmt: skip
    assert [line.unit_price_vnd for line in quote.lines] == [470_000] * 3  # the 10+ tier
    assert quote.goods_vnd == 10 * 470_000
    assert quote.total_vnd == quote.goods_vnd + quote.delivery_vnd
    assert [r["rate"] for r in quote.vat_rates] == [5, 10]
    assert sum(r["amount_vnd"] for r in quote.vat_rates) == quote.goods_vnd
    batch = db.session.get(GiftBatch, quote.batch_id)
    with pytest.raises(InvalidTransition):  # the batch is priced by its quote now
        batches.start(batch, world["buyer"].id, total_vnd=1, adult_confirmed=False)


def test_the_discount_and_delivery_are_spread_to_the_dong(world):  # noqa: F811
    quote = sent(world, [1, 1, 1], delivery=100_000, discount=100_001)
    lines = quote.lines
    assert sum(line.discount_vnd for line in lines) == 100_001
    assert sorted(line.discount_vnd for line in lines) == [33_333, 33_334, 33_334]
    assert sum(line.delivery_vnd for line in lines) == 100_000
    assert sum(line.total_vnd for line in lines) == quote.total_vnd
    assert quote.total_vnd == 3 * 500_000 + 100_000 - 100_001
    assert sum(r["amount_vnd"] for r in quote.vat_rates) == quote.goods_vnd - 100_001
    assert all(r["before_vat_vnd"] + r["vat_vnd"] == r["amount_vnd"] for r in quote.vat_rates)
    # Sent: the e-mail to the buyer is in the outbox with the same transaction.
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"quote-sent-{quote.id}")
    )
    assert message is not None
    assert message.payload["to"] == world["buyer"].email


def test_cancelling_the_batch_closes_its_quote(world):  # noqa: F811
    quote = sent(world, [1])
    batches.cancel(db.session.get(GiftBatch, quote.batch_id), world["buyer"].id)
    db.session.commit()
    assert db.session.get(Quote, quote.id).status == QuoteStatus.DECLINED
    with pytest.raises(InvalidTransition):
        services.accept(quote, world["buyer"].id, now=utcnow(), adult_confirmed=False)
    db.session.rollback()


def test_a_discount_leaving_a_box_without_a_price_is_refused(world):  # noqa: F811
    quote = requested(world, [1, 1])
    with pytest.raises(services.DiscountTooLarge):
        services.price(quote, delivery_vnd=0, discount_vnd=quote.goods_vnd)
    db.session.rollback()


# --- acceptance and the job ----------------------------------------------------------------------


@pytest.fixture
def job_held(monkeypatch):
    """The batch job is not started on commit: the test runs it."""
    monkeypatch.setattr(batches, "_enqueue", lambda batch_id: None)


def test_acceptance_reserves_the_whole_batch_and_the_orders_add_up_to_the_quote(world, job_held):  # noqa: F811
    quote = sent(world, [2, 1, 1], delivery=50_001, discount=77_777)
    honey_before, tea_before = world["honey"].stock, world["tea"].stock
    services.accept(quote, world["buyer"].id, now=utcnow(), adult_confirmed=False)
    db.session.commit()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.accepted_by_id == world["buyer"].id
    db.session.refresh(world["honey"])
    db.session.refresh(world["tea"])
    assert world["honey"].stock == honey_before - 8  # 4 boxes × 2 honeys, taken at acceptance
    assert world["tea"].stock == tea_before - 4
    holds = dict(db.session.execute(select(QuoteHold.product_id, QuoteHold.quantity)).all())
    assert holds == {world["honey"].id: 8, world["tea"].id: 4}
    batch = db.session.get(GiftBatch, quote.batch_id)
    assert batch.status == BatchStatus.CREATING
    # Prices change after the quote: the orders keep the quote's.
    world["gift"].price_vnd = 999_000
    db.session.commit()
    report = run_job(batch)
    assert report.created == 3
    orders = db.session.scalars(
        select(Order).where(Order.batch_id == batch.id).order_by(Order.id)
    ).all()
    assert sum(o.total_vnd for o in orders) == quote.total_vnd
    assert sum(o.delivery_vnd for o in orders) == 50_001
    assert sum(o.subtotal_vnd for o in orders) == quote.goods_vnd - 77_777
    by_recipient = {line.recipient_id: line for line in quote.lines}
    for recipient in batches.recipients_of(batch.id):
        order = db.session.get(Order, recipient.order_id)
        locked = by_recipient[recipient.id]
        assert order.total_vnd == locked.total_vnd
        assert order.delivery_vnd == sum(p.delivery_vnd for p in order.producer_orders)
        lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        assert sum(line.line_total_vnd for line in lines) == order.subtotal_vnd
    # VAT per rate: the orders' lines (each rounded on its own) are within a đồng a line of
    # the quote's, and their amounts match exactly.
    all_lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders]))
    ).all()
    for rate in quote.vat_rates:
        at_rate = [line for line in all_lines if line.vat_rate == rate["rate"]]
        assert sum(line.line_total_vnd for line in at_rate) == rate["amount_vnd"]
        assert abs(sum(line.vat_vnd for line in at_rate) - rate["vat_vnd"]) <= len(at_rate)
    # Every held unit went to an order: nothing more, nothing less was taken.
    db.session.refresh(world["honey"])
    assert world["honey"].stock == honey_before - 8
    assert services.held(quote.id) == 0


def test_what_no_order_took_goes_back_to_stock_when_the_job_ends(world, job_held):  # noqa: F811
    quote = sent(world, [1, 1])
    honey_before = world["honey"].stock
    services.accept(quote, world["buyer"].id, now=utcnow(), adult_confirmed=False)
    db.session.commit()
    world["gift"].active = False  # taken off sale after acceptance: both recipients fail
    db.session.commit()
    report = run_job(db.session.get(GiftBatch, quote.batch_id))
    assert (report.created, report.failed) == (0, 2)
    db.session.refresh(world["honey"])
    assert world["honey"].stock == honey_before
    assert services.held(quote.id) == 0


def test_acceptance_takes_all_or_nothing_when_stock_is_short(world):  # noqa: F811
    quote = sent(world, [3, 3])
    world["tea"].stock = 5  # six teas needed
    db.session.commit()
    honey_before = world["honey"].stock
    with pytest.raises(OutOfStock):
        services.accept(quote, world["buyer"].id, now=utcnow(), adult_confirmed=False)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == QuoteStatus.SENT
    assert db.session.get(type(world["honey"]), world["honey"].id).stock == honey_before
    assert db.session.scalar(select(func.count()).select_from(QuoteHold)) == 0
    assert db.session.get(GiftBatch, quote.batch_id).status == BatchStatus.DRAFT


def test_an_expired_quote_cannot_be_accepted_and_the_sweep_marks_it(world):  # noqa: F811
    quote = sent(world, [1], days=3)
    end = (
        quote.valid_until.replace(tzinfo=UTC)
        if quote.valid_until.tzinfo is None
        else quote.valid_until
    )
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        assert not quote.expired_at(utcnow())
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        with pytest.raises(services.QuoteExpired):
            services.accept(quote, world["buyer"].id, now=utcnow(), adult_confirmed=False)
        db.session.commit()
    assert db.session.get(Quote, quote.id).status == QuoteStatus.EXPIRED
    other = sent(world, [1], days=1)
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        assert services.expire_due_quotes(utcnow()) == 1
    assert db.session.get(Quote, other.id).status == QuoteStatus.EXPIRED


def test_only_members_who_decide_accept(world):  # noqa: F811
    quote = sent(world, [1])
    accountant = add_member(world["organisation"], "accountant")
    with pytest.raises(services.NotAllowed):
        services.accept(quote, accountant.id, now=utcnow(), adult_confirmed=False)
    with pytest.raises(services.NotAllowed):
        services.accept(quote, gen_user("customer").id, now=utcnow(), adult_confirmed=False)
    db.session.rollback()


# --- pages ---------------------------------------------------------------------------------------


def test_request_send_and_accept_through_the_pages(client, world):  # noqa: F811
    batch = draft(world, [1, 2])
    batch_id = batch.id
    signed_in(client, world["buyer"])
    page = client.get(f"/agency/batches/{batch_id}?lang=en").get_data(as_text=True)
    assert "Request a quote" in page
    response = post(client, f"/agency/batches/{batch_id}/quote", {"po_number": "PO-77"})
    assert response.status_code == 302
    quote = db.session.scalar(select(Quote))
    assert (quote.status, quote.po_number) == ("requested", "PO-77")
    page = client.get(f"/agency/batches/{batch_id}?lang=en").get_data(as_text=True)
    assert quote.reference in page
    assert "Create orders" not in page

    admin = gen_user("admin")
    db.session.commit()
    signed_in(client, admin)
    listing = client.get("/admin/quotes?status=requested").get_data(as_text=True)
    assert quote.reference in listing
    assert quote.reference not in client.get("/admin/quotes?status=sent").get_data(as_text=True)
    too_much = quote.goods_vnd + 1
    response = post(
        client,
        f"/admin/quotes/{quote.id}/send?lang=en",
        {"delivery_vnd": "60000", "discount_vnd": str(too_much), "valid_until": "2030-01-31"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'value="{too_much}"' in page
    assert "At most the goods" in page
    response = post(
        client,
        f"/admin/quotes/{quote.id}/send?lang=en",
        {"delivery_vnd": "60000", "discount_vnd": "abc", "valid_until": "2030-01-31"},
    )
    assert response.status_code == 400
    assert 'value="abc"' in response.get_data(as_text=True)
    response = post(
        client,
        f"/admin/quotes/{quote.id}/send",
        {"delivery_vnd": "60000", "discount_vnd": "10000", "valid_until": "2030-01-31"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    assert (quote.status, quote.total_vnd) == ("sent", quote.goods_vnd + 60_000 - 10_000)
    assert quote.valid_until_day == date(2030, 1, 31)

    signed_in(client, world["buyer"])
    response = post(client, f"/agency/quotes/{quote.id}/accept")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "accepted"
    # The job ran once the acceptance committed: the orders add up to the quote.
    assert db.session.get(GiftBatch, batch_id).status == BatchStatus.CREATED
    orders = db.session.scalars(select(Order).where(Order.batch_id == batch_id)).all()
    assert sum(o.total_vnd for o in orders) == quote.total_vnd


def test_a_buyer_above_the_threshold_waits_for_an_approver_with_a_readable_label(client, world):  # noqa: F811
    world["organisation"].approval_threshold_vnd = 100_000
    approver = add_member(world["organisation"], "approver")
    db.session.commit()
    quote = sent(world, [1, 1])
    signed_in(client, world["buyer"])
    post(client, f"/agency/quotes/{quote.id}/accept")
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "sent"
    request = db.session.scalar(select(ApprovalRequest))
    assert (request.subject_type, request.subject_id) == ("quote", quote.id)

    signed_in(client, approver)
    page = client.get("/agency/approvals?lang=en").get_data(as_text=True)
    assert f"Quote {quote.reference} · 2 recipients · " in page
    assert "quote #" not in page
    response = post(client, f"/agency/approvals/{request.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    assert quote.status == "accepted"
    assert quote.accepted_by_id == world["buyer"].id
    assert db.session.get(GiftBatch, quote.batch_id).status == BatchStatus.CREATED
    assert (
        db.session.scalar(select(func.count(Order.id)).where(Order.batch_id == quote.batch_id)) == 2
    )


def test_declining_withdraws_the_sign_off_it_waited_for(client, world):  # noqa: F811
    world["organisation"].approval_threshold_vnd = 100_000
    db.session.commit()
    quote = sent(world, [1])
    signed_in(client, world["buyer"])
    post(client, f"/agency/quotes/{quote.id}/accept")
    post(client, f"/agency/quotes/{quote.id}/decline")
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "declined"
    assert db.session.scalar(select(ApprovalRequest.status)) == "withdrawn"


def test_an_expired_quote_says_so_on_accepting(client, world):  # noqa: F811
    quote = sent(world, [1], days=1)
    signed_in(client, world["buyer"])
    with time_machine.travel(utcnow() + timedelta(days=4), tick=False):
        response = post(client, f"/agency/quotes/{quote.id}/accept?lang=en", follow_redirects=True)
    assert "This quote expired" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "expired"


# --- the PDF -------------------------------------------------------------------------------------


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return text.replace("\xa0", " ")


def _pdf_qr(body: bytes) -> str:
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    for page in PdfReader(io.BytesIO(body)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            # fpdf stores the PNG's pixels; scale up for the reader.
            picture = picture.resize((picture.width * 4, picture.height * 4), Image.NEAREST)
            found = zxingcpp.read_barcodes(picture)
            if found:
                return found[0].text
    raise AssertionError("no QR code in the PDF")


def test_the_pdf_in_both_languages_with_totals_diacritics_and_vietqr(app, client, world):  # noqa: F811
    from shop.money import format_vnd as vnd

    def format_vnd(amount: int) -> str:  # the PDF's text has plain spaces
        return vnd(amount).replace("\xa0", " ")

    app.config.update(SHOP_BANK_BIN=BIN, SHOP_BANK_ACCOUNT=ACCOUNT, SHOP_BANK_HOLDER=HOLDER)
    quote = sent(world, [2, 1], delivery=45_000, discount=12_345)
    batch = db.session.get(GiftBatch, quote.batch_id)
    signed_in(client, world["buyer"])
    vi = client.get(f"/agency/quotes/{quote.id}/quote.pdf?lang=vi")
    assert vi.status_code == 200
    assert vi.mimetype == "application/pdf"
    text = _pdf_text(vi.data)
    assert "Báo giá" in text
    assert "Người mua" in text
    assert world["organisation"].legal_name in text  # "Công ty Thử nghiệm …"
    assert world["organisation"].tax_code in text
    assert format_vnd(quote.total_vnd) in text
    assert format_vnd(quote.discount_vnd) in text
    for rate in quote.vat_rates:
        assert format_vnd(rate["vat_vnd"]) in text
    assert batch.reference in text
    en = _pdf_text(client.get(f"/agency/quotes/{quote.id}/quote.pdf?lang=en").data)
    assert "Quote" in en
    assert "Valid until" in en
    assert "Amount before VAT" in en
    assert format_vnd(quote.total_vnd) in en
    transfer = parse_payload(_pdf_qr(vi.data))
    assert transfer.amount_vnd == quote.total_vnd
    assert (transfer.bin, transfer.account) == (BIN, ACCOUNT)
    assert transfer.purpose == f"OCOP {batch.reference}"


def test_another_organisation_and_the_office(client, world):  # noqa: F811
    from tests.agencies.factories import gen_organisation

    quote = sent(world, [1])
    stranger = gen_user("customer")
    gen_organisation(stranger)
    admin = gen_user("admin")
    db.session.commit()
    signed_in(client, stranger)
    assert client.get(f"/agency/quotes/{quote.id}/quote.pdf").status_code == 404
    assert post(client, f"/agency/quotes/{quote.id}/accept").status_code == 404
    signed_in(client, admin)
    assert client.get(f"/agency/quotes/{quote.id}/quote.pdf").status_code == 200
    assert client.get(f"/admin/quotes/{quote.id}").status_code == 200
    assert db.session.get(Quote, quote.id).status == "sent"
