"""Quotes for gift batches: the buyer asks, the office prices and sends, the organisation
accepts before ``valid_until`` — and acceptance reserves the stock of the whole batch.

Reservation: acceptance takes every product the batch needs in one write transaction, with
the conditional updates orders use (``reserve_stock``: ``stock >= wanted`` per product, in
product-id order), and records what it took in ``quote_hold``. Either every product is taken
or the transaction rolls back and the quote stays sent, so two quotes racing for the last
boxes never both win. The batch's job then creates the child orders in short transactions as
usual; each one moves its units from the quote's hold into the order (given back to stock and
taken again in the same transaction), so no one else can take them in between, and the job
gives back what is left once it finishes. Taking everything in one transaction before the job
spreads the orders (rather than creating all the orders in that transaction) keeps the write
transaction short for a 2,000-recipient batch.

Prices: each recipient's boxes are priced when the quote is requested (the batch's tier), and
the office's delivery total and discount are spread over the recipients by largest remainders
(``shop.money.allocate``), so the child orders add up to the quote's total to the đồng.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update

from shop.agencies.approvals import (
    needs_approval,
    register_subject,
    request_approval,
    withdraw_subject,
)
from shop.agencies.models import (
    ApprovalRequest,
    ApprovalStatus,
    MemberRole,
    Organisation,
    OrganisationMember,
)
from shop.agencies.signals import approval_decided
from shop.audit.services import record
from shop.batches.models import BatchStatus, GiftBatch, GiftBatchRecipient
from shop.bundles.models import Bundle
from shop.db import move_status, utcnow
from shop.errors import InvalidTransition, OutOfStock, ShopError
from shop.extensions import db
from shop.money import allocate, vat_included
from shop.quotes.models import LIVE, TRANSITIONS, Quote, QuoteHold, QuoteLine, QuoteStatus
from shop.templating import LOCAL_TZ

log = logging.getLogger(__name__)

SUBJECT = "quote"  # the approval requests' subject type
REFERENCE_PREFIX = "Q"


class QuoteError(ShopError):
    code = "quote"


class QuoteNotFound(QuoteError):
    code = "not_found"
    status = 404


class QuoteExpired(QuoteError):
    code = "expired"


class DiscountTooLarge(QuoteError):
    code = "discount_too_large"


class NotAllowed(QuoteError):
    code = "not_allowed"
    status = 404


# --- the state machine ---------------------------------------------------------------------------


def transition(quote: Quote, target: str, *, where=(), **values) -> None:
    """Move ``quote`` to ``target`` if the table allows it from its current status (a
    compare-and-set, with extra ``where`` conditions); ``InvalidTransition`` otherwise."""
    if not move_status(db.session, Quote, quote, TRANSITIONS, target, where=where, **values):
        raise InvalidTransition(f"a quote cannot become {target}", quote_id=quote.id)
    log.info("quote %s is %s", quote.reference, target)


# --- amounts -------------------------------------------------------------------------------------


def spread(amount_vnd: int, weights: list[int]) -> list[int]:
    """``amount_vnd`` over ``weights`` in whole đồng adding up exactly (equal shares when every
    weight is zero)."""
    if not weights:
        return []
    if amount_vnd == 0:
        return [0] * len(weights)
    return allocate(amount_vnd, weights if any(weights) else [1] * len(weights))


def goods_by_rate(lines: list[QuoteLine], *, discounted: bool) -> dict[int, int]:
    """The lines' goods by VAT rate, split over each gift set's parts exactly as the child
    order will be (``price_parts`` of the line's price at today's list prices), so the orders'
    amounts per rate match the quote's to the đồng."""
    from shop.bundles.allocation import price_parts

    bundles = {
        b.id: b
        for b in db.session.scalars(
            select(Bundle).where(Bundle.id.in_({line.bundle_id for line in lines}))
        )
    }
    found: dict[int, int] = defaultdict(int)
    for line in lines:
        components = bundles[line.bundle_id].components
        amount = line.goods_vnd - (line.discount_vnd if discounted else 0)
        items = [(c.list_price_vnd, c.quantity * line.quantity) for c in components]
        for part in price_parts(amount, items):
            component = components[part.component]
            rate = (
                component.product.vat_rate
                if component.product_id is not None
                else component.unit_type.vat_rate
            )
            found[rate] += part.line_total_vnd
    return dict(found)


def rates_of(lines: list[QuoteLine]) -> list[dict]:
    """Goods by VAT rate before and after the discount, the amount before VAT and the VAT."""
    before = goods_by_rate(lines, discounted=False)
    after = goods_by_rate(lines, discounted=True)
    rows = []
    for rate in sorted(before):
        amount = after.get(rate, 0)
        vat = vat_included(amount, rate)
        rows.append({"rate": rate, "goods_vnd": before[rate], "amount_vnd": amount,
                     "before_vat_vnd": amount - vat, "vat_vnd": vat})  # fmt: skip
    return rows


def end_of_local_day(day: date) -> datetime:
    """A quote valid until ``day`` is valid to the end of that day in Vietnam."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The last local day a quote valid until ``moment`` is valid on."""
    return (moment.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()


def default_valid_until(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date() + timedelta(days=current_app.config["QUOTE_VALID_DAYS"])


# --- finding -------------------------------------------------------------------------------------


def find_quote(quote_id: int, organisation_id: int | None) -> Quote:
    """The quote of this organisation (None: any, for the office)."""
    query = select(Quote).where(Quote.id == quote_id)
    if organisation_id is not None:
        query = query.where(Quote.organisation_id == organisation_id)
    quote = db.session.scalar(query)
    if quote is None:
        raise QuoteNotFound("no such quote")
    return quote


def live_quote(batch_id: int) -> Quote | None:
    return db.session.scalar(
        select(Quote).where(Quote.batch_id == batch_id, Quote.status.in_(LIVE))
    )


def latest_quote(batch_id: int) -> Quote | None:
    return db.session.scalar(
        select(Quote).where(Quote.batch_id == batch_id).order_by(Quote.id.desc()).limit(1)
    )


def replacement_of(quote_id: int) -> Quote | None:
    """The revised quote sent in place of this one, if any."""
    return db.session.scalar(select(Quote).where(Quote.replaces_id == quote_id))


def quotes_for_office(status: str | None) -> list[Quote]:
    query = select(Quote).order_by(Quote.requested_at.desc(), Quote.id.desc()).limit(200)
    if status:
        query = query.where(Quote.status == status)
    return list(db.session.scalars(query))


def approval_for(quote_id: int) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.subject_type == SUBJECT, ApprovalRequest.subject_id == quote_id
        )
    )


@dataclass(frozen=True)
class GiftSetLine:
    """The quote's lines per gift set, for its page and PDF."""

    bundle_id: int
    name: str
    unit_price_vnd: int
    quantity: int
    recipients: int

    @property
    def amount_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


def gift_set_lines(quote: Quote) -> list[GiftSetLine]:
    grouped: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for line in quote.lines:
        key = (line.bundle_id, line.unit_price_vnd)
        grouped[key][0] += line.quantity
        grouped[key][1] += 1
    names = dict(
        db.session.execute(
            select(Bundle.id, Bundle.name_vi).where(Bundle.id.in_({k[0] for k in grouped}))
        ).all()
    )
    return [
        GiftSetLine(bundle_id, names.get(bundle_id, "?"), price, quantity, recipients)
        for (bundle_id, price), (quantity, recipients) in sorted(grouped.items())
    ]


# --- requesting ----------------------------------------------------------------------------------


def _new_quote(
    batch, *, po_number, requested_by_id: int, requested_at, lines: list[dict], now, **more
) -> Quote:
    """A requested quote of ``batch`` with these recipients' ``lines`` (their boxes' prices
    and planned delivery; no discount yet), its totals their sums and its VAT by rate, and its
    reference. Flushes."""
    goods = sum(line["goods_vnd"] for line in lines)
    delivery = sum(line["delivery_vnd"] for line in lines)
    quote = Quote(
        reference=f"TMP-{batch.id}-{int(now.timestamp())}",
        batch_id=batch.id,
        organisation_id=batch.organisation_id,
        status=QuoteStatus.REQUESTED,
        po_number=po_number,
        recipients=len(lines),
        boxes=sum(line["quantity"] for line in lines),
        goods_vnd=goods,
        delivery_vnd=delivery,
        discount_vnd=0,
        total_vnd=goods + delivery,
        vat_rates=[],
        requested_by_id=requested_by_id,
        requested_at=requested_at,
        **more,
    )
    db.session.add(quote)
    db.session.flush()
    quote.reference = f"{REFERENCE_PREFIX}-{now.year}-{quote.id:06d}"
    db.session.execute(
        insert(QuoteLine), [{"quote_id": quote.id, "discount_vnd": 0, **line} for line in lines]
    )
    db.session.flush()
    db.session.refresh(quote)
    quote.vat_rates = rates_of(
        list(db.session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id)))
    )
    db.session.flush()
    return quote


def request_quote(
    batch: GiftBatch, user_id: int, preview, *, po_number: str | None, now: datetime
) -> Quote:
    """The buyer asks for a quote of a draft batch whose every recipient can be ordered
    (``preview`` is ``shop.batches.services.preview`` of it). Prices every recipient's boxes
    now; the office may then change the delivery and add a discount. Flushes."""
    if batch.status != BatchStatus.DRAFT:
        raise InvalidTransition("only a draft batch gets a quote", batch_id=batch.id)
    if preview.problems or not preview.rows:
        raise QuoteError("some recipients cannot be ordered")
    if live_quote(batch.id) is not None:
        raise InvalidTransition("the batch has a quote already", batch_id=batch.id)
    po_number = (po_number or "").strip() or batch.po_number
    quote = _new_quote(
        batch,
        po_number=po_number,
        requested_by_id=user_id,
        requested_at=now,
        lines=[
            {
                "recipient_id": row.recipient.id,
                "bundle_id": row.recipient.bundle_id,
                "quantity": row.recipient.quantity,
                "unit_price_vnd": row.goods_vnd // row.recipient.quantity,
                "goods_vnd": row.goods_vnd,
                "delivery_vnd": row.delivery_vnd,
            }
            for row in preview.rows
        ],
        now=now,
    )
    if po_number != batch.po_number:
        batch.po_number = po_number
        db.session.flush()
    record(user_id, "quote.request", "quote", quote.id, {},
           {"batch_id": batch.id, "total_vnd": quote.total_vnd})  # fmt: skip
    return quote


def withdraw(quote: Quote, user_id: int) -> None:
    transition(quote, QuoteStatus.WITHDRAWN, closed_at=utcnow())
    record(user_id, "quote.withdraw", "quote", quote.id, {"status": "requested"},
           {"status": "withdrawn"})  # fmt: skip


def decline(quote: Quote, user_id: int) -> None:
    """The organisation says no to a sent quote (a request not yet sent is withdrawn)."""
    if quote.status == QuoteStatus.REQUESTED:
        withdraw(quote, user_id)
        return
    transition(quote, QuoteStatus.DECLINED, closed_at=utcnow())
    withdraw_subject(SUBJECT, quote.id)  # a sign-off waiting for it is moot
    record(user_id, "quote.decline", "quote", quote.id, {"status": "sent"},
           {"status": "declined"})  # fmt: skip


def close_for_batch(batch_id: int, user_id: int) -> None:
    """The batch was cancelled: its requested or sent quote is withdrawn or declined."""
    quote = live_quote(batch_id)
    if quote is not None and quote.status in (QuoteStatus.REQUESTED, QuoteStatus.SENT):
        decline(quote, user_id)


# --- sending -------------------------------------------------------------------------------------


def _units_per_box(bundle_ids: set[int]) -> dict[int, int]:
    bundles = db.session.scalars(select(Bundle).where(Bundle.id.in_(bundle_ids))).all()
    return {b.id: sum(c.quantity for c in b.components) for b in bundles}


def price(quote: Quote, *, delivery_vnd: int, discount_vnd: int) -> None:
    """Set the quote's delivery total and discount, spread over its recipients (delivery in
    proportion to each recipient's planned fee, the discount to each one's goods). Every
    order line keeps a price of at least 1 đồng a unit: a discount that would leave a
    recipient fewer đồng than units is ``DiscountTooLarge``."""
    if delivery_vnd < 0 or discount_vnd < 0:
        raise QuoteError("amounts are never negative")
    if discount_vnd > quote.goods_vnd:
        raise DiscountTooLarge("the discount is larger than the goods")
    lines = list(quote.lines)
    deliveries = spread(delivery_vnd, [line.delivery_vnd for line in lines])
    discounts = spread(discount_vnd, [line.goods_vnd for line in lines])
    units = _units_per_box({line.bundle_id for line in lines})
    for line, delivery, discount in zip(lines, deliveries, discounts, strict=True):
        if line.goods_vnd - discount < units.get(line.bundle_id, 1) * line.quantity:
            raise DiscountTooLarge("the discount leaves a recipient's boxes without a price")
        line.delivery_vnd = delivery
        line.discount_vnd = discount
    quote.vat_rates = rates_of(lines)
    quote.delivery_vnd = delivery_vnd
    quote.discount_vnd = discount_vnd
    quote.total_vnd = quote.goods_vnd + delivery_vnd - discount_vnd
    db.session.flush()


def send(
    quote: Quote,
    admin_id: int,
    *,
    delivery_vnd: int,
    discount_vnd: int,
    valid_until: date,
    now: datetime,
) -> None:
    """The office prices a requested quote and sends it: the prices are locked until the end
    of ``valid_until`` (local day), and the buyer gets an e-mail once this commits."""
    if quote.status != QuoteStatus.REQUESTED:
        raise InvalidTransition("only a requested quote is sent", quote_id=quote.id)
    until = end_of_local_day(valid_until)
    if until <= now:
        raise QuoteError("the validity must end in the future")
    price(quote, delivery_vnd=delivery_vnd, discount_vnd=discount_vnd)
    transition(quote, QuoteStatus.SENT, sent_by_id=admin_id, sent_at=now, valid_until=until)
    record(admin_id, "quote.send", "quote", quote.id, {"status": "requested"},
           {"status": "sent", "total_vnd": quote.total_vnd,
            "discount_vnd": discount_vnd, "delivery_vnd": delivery_vnd,
            "valid_until": valid_until.isoformat()})  # fmt: skip
    from shop.quotes.emails import send_quote_email

    send_quote_email(quote)


def revise(
    quote: Quote,
    admin_id: int,
    *,
    delivery_vnd: int,
    discount_vnd: int,
    valid_until: date,
    now: datetime,
) -> Quote:
    """The office sends a sent quote again with another delivery, discount or validity (the
    boxes keep the prices they were quoted at). A new quote takes its place, naming it; the old
    one is superseded first, by a compare-and-set from ``sent``, so of a revision and an
    acceptance racing one only succeeds. A sign-off waiting for the old quote is withdrawn (the
    new total is approved afresh). Returns the new quote, sent; flushes."""
    if quote.status != QuoteStatus.SENT:
        raise InvalidTransition("only a sent quote is revised", quote_id=quote.id)
    if end_of_local_day(valid_until) <= now:
        raise QuoteError("the validity must end in the future")
    old_lines = list(quote.lines)
    transition(quote, QuoteStatus.SUPERSEDED, closed_at=now)
    withdraw_subject(SUBJECT, quote.id)
    revised = _new_quote(
        db.session.get(GiftBatch, quote.batch_id),
        po_number=quote.po_number,
        requested_by_id=quote.requested_by_id,
        requested_at=quote.requested_at,
        lines=[
            {
                "recipient_id": line.recipient_id,
                "bundle_id": line.bundle_id,
                "quantity": line.quantity,
                "unit_price_vnd": line.unit_price_vnd,
                "goods_vnd": line.goods_vnd,
                # The delivery is spread again in proportion to these shares.
                "delivery_vnd": line.delivery_vnd,
            }
            for line in old_lines
        ],
        now=now,
        replaces_id=quote.id,
    )
    record(admin_id, "quote.revise", "quote", quote.id, {"status": "sent"},
           {"status": "superseded", "replaced_by": revised.reference})  # fmt: skip
    send(
        revised,
        admin_id,
        delivery_vnd=delivery_vnd,
        discount_vnd=discount_vnd,
        valid_until=valid_until,
        now=now,
    )
    return revised


# --- accepting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    approval: ApprovalRequest | None  # a sign-off was asked for instead of accepting


def expire_if_due(quote: Quote, now: datetime) -> bool:
    """Mark a sent quote past its validity expired (in the caller's transaction)."""
    if quote.status != QuoteStatus.SENT or not quote.expired_at(now):
        return False
    try:
        transition(quote, QuoteStatus.EXPIRED, where=(Quote.valid_until <= now,), closed_at=now)
    except InvalidTransition:
        return False
    return True


def expire_due_quotes(now: datetime) -> int:
    """The sweep (a periodic job): every sent quote past its validity becomes expired."""
    done = db.session.execute(
        update(Quote)
        .where(Quote.status == QuoteStatus.SENT, Quote.valid_until <= now)
        .values(status=QuoteStatus.EXPIRED, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done


def _role(user_id: int, organisation_id: int) -> str | None:
    member = db.session.scalar(
        select(OrganisationMember).where(OrganisationMember.user_id == user_id)
    )
    if member is None or member.organisation_id != organisation_id:
        return None
    return member.role


def accept(quote: Quote, user_id: int, *, now: datetime, adult_confirmed: bool) -> Accepted:
    """A buyer or approver of the organisation accepts a sent quote before its validity ends.
    A buyer accepting a total above the organisation's threshold asks an approver first
    (acceptance follows their approval). Otherwise reserves the stock now (``reserve``);
    ``OutOfStock`` when it is gone (the caller rolls back), ``QuoteExpired`` once the
    validity is over (the caller commits the quote's expiry)."""
    role = _role(user_id, quote.organisation_id)
    if role not in (MemberRole.BUYER, MemberRole.APPROVER):
        raise NotAllowed("only the organisation's buyers and approvers accept")
    if expire_if_due(quote, now):
        raise QuoteExpired("the quote's validity is over")
    if quote.status != QuoteStatus.SENT:
        raise InvalidTransition("only a sent quote is accepted", quote_id=quote.id)
    organisation = db.session.get(Organisation, quote.organisation_id)
    if adult_confirmed:
        db.session.execute(
            update(GiftBatch).where(GiftBatch.id == quote.batch_id).values(adult_confirmed=True)
        )
    if role == MemberRole.BUYER and needs_approval(organisation, quote.total_vnd):
        request = request_approval(organisation.id, SUBJECT, quote.id, quote.total_vnd, user_id)
        if request.status == ApprovalStatus.PENDING:
            return Accepted(approval=request)
        if request.status != ApprovalStatus.APPROVED:
            raise InvalidTransition("the sign-off was refused", quote_id=quote.id)
    reserve(quote, user_id, now=now)
    return Accepted(approval=None)


def stock_wanted(quote: Quote) -> dict[int, int]:
    """Units of each product the quote's boxes take (today's composition of each set)."""
    boxes: dict[int, int] = defaultdict(int)
    for line in quote.lines:
        boxes[line.bundle_id] += line.quantity
    wanted: dict[int, int] = defaultdict(int)
    for bundle in db.session.scalars(select(Bundle).where(Bundle.id.in_(boxes))):
        for component in bundle.components:
            if component.product_id is not None:
                wanted[component.product_id] += component.quantity * boxes[bundle.id]
    return dict(wanted)


def reserve(quote: Quote, user_id: int, *, now: datetime) -> None:
    """sent → accepted (only while valid), every product of the batch taken from stock and
    held for the quote, and the batch's job started after commit. All in the caller's write
    transaction: ``OutOfStock`` leaves nothing taken once the caller rolls back."""
    from shop.batches.services import begin_creation
    from shop.orders.services import reserve_stock

    transition(
        quote,
        QuoteStatus.ACCEPTED,
        where=(Quote.valid_until > now,),
        accepted_by_id=user_id,
        accepted_at=now,
    )
    wanted = stock_wanted(quote)
    reserve_stock(wanted, now)  # OutOfStock: the caller rolls back the whole acceptance
    if wanted:
        db.session.execute(
            insert(QuoteHold),
            [{"quote_id": quote.id, "product_id": p, "quantity": q} for p, q in wanted.items()],
        )
    batch = db.session.get(GiftBatch, quote.batch_id)
    begin_creation(batch)
    record(user_id, "quote.accept", "quote", quote.id, {"status": "sent"},
           {"status": "accepted", "total_vnd": quote.total_vnd})  # fmt: skip


@approval_decided.connect
def _on_decision(request: ApprovalRequest, approved: bool, **_extra) -> None:
    """An approver's decision on a buyer's acceptance: approved accepts the quote now (if
    it is still valid and the stock is there; else the quote stays as it is and the buyer
    sees why when accepting again); rejected declines it."""
    if request.subject_type != SUBJECT:
        return
    quote = db.session.get(Quote, request.subject_id)
    if quote is None or quote.status != QuoteStatus.SENT:
        return
    now = utcnow()
    if not approved:
        transition(quote, QuoteStatus.DECLINED, closed_at=now)
        return
    if expire_if_due(quote, now):
        return
    try:
        with db.session.begin_nested():
            reserve(quote, request.requested_by_id, now=now)
    except (OutOfStock, InvalidTransition) as error:
        db.session.expire(quote)
        log.info("quote %s approved but not accepted: %s", request.subject_id, error.code)


# --- the job's side: locked prices and held stock ------------------------------------------------


@dataclass(frozen=True)
class Locked:
    """A recipient's child order as the quote priced it."""

    goods_vnd: int  # after the discount: the bundle line's price
    delivery_vnd: int


def locked_prices(batch_id: int) -> tuple[int | None, dict[int, Locked]]:
    """The accepted quote of a batch and its prices by recipient id (none: priced as of now)."""
    quote_id = db.session.scalar(
        select(Quote.id).where(Quote.batch_id == batch_id, Quote.status == QuoteStatus.ACCEPTED)
    )
    if quote_id is None:
        return None, {}
    rows = db.session.execute(
        select(
            QuoteLine.recipient_id,
            QuoteLine.goods_vnd - QuoteLine.discount_vnd,
            QuoteLine.delivery_vnd,
        ).where(QuoteLine.quote_id == quote_id)
    )
    return quote_id, {r: Locked(int(g), int(d)) for r, g, d in rows}


def take_from_hold(quote_id: int, wanted: dict[int, int]) -> dict[int, int]:
    """Move ``wanted`` out of the quote's hold (per product, only when the hold has enough):
    what was moved, for the caller to give back to stock just before the order takes it."""
    moved = {}
    for product_id in sorted(wanted):
        done = db.session.execute(
            update(QuoteHold)
            .where(
                QuoteHold.quote_id == quote_id,
                QuoteHold.product_id == product_id,
                QuoteHold.quantity >= wanted[product_id],
            )
            .values(quantity=QuoteHold.quantity - wanted[product_id])
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            moved[product_id] = wanted[product_id]
    return moved


def release_hold(quote_id: int) -> None:
    """Give back to stock what the quote still holds (the job finished)."""
    from shop.orders.services import return_stock

    left = dict(
        db.session.execute(
            select(QuoteHold.product_id, QuoteHold.quantity).where(
                QuoteHold.quote_id == quote_id, QuoteHold.quantity > 0
            )
        ).all()
    )
    if not left:
        return
    db.session.execute(
        update(QuoteHold)
        .where(QuoteHold.quote_id == quote_id)
        .values(quantity=0)
        .execution_options(synchronize_session=False)
    )
    return_stock(left)


def held(quote_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(QuoteHold.quantity), 0)).where(
                QuoteHold.quote_id == quote_id
            )
        )
    )


# --- the approval list's label -------------------------------------------------------------------


def _label(subject_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from flask import url_for
    from flask_babel import gettext, ngettext

    from shop.money import format_vnd

    found = {}
    rows = db.session.execute(
        select(Quote.id, Quote.reference, Quote.recipients, Quote.total_vnd, Quote.batch_id).where(
            Quote.id.in_(subject_ids)
        )
    )
    for quote_id, reference, recipients, total, batch_id in rows:
        text = " · ".join(
            (
                gettext("Quote %(reference)s", reference=reference),
                ngettext("%(num)d recipient", "%(num)d recipients", recipients),
                format_vnd(total),
            )
        )
        found[quote_id] = (text, url_for("gift_batches.batch", batch_id=batch_id))
    return found


register_subject(SUBJECT, _label)


def recipients_of_quote(quote: Quote) -> list[GiftBatchRecipient]:
    return list(
        db.session.scalars(
            select(GiftBatchRecipient)
            .where(GiftBatchRecipient.batch_id == quote.batch_id)
            .order_by(GiftBatchRecipient.row)
        )
    )
