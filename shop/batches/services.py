"""Gift batches: save a checked recipient list as a draft, preview its prices, totals and
stock, then create one child order per recipient in a background job.

The job never holds one write transaction for the whole batch: each recipient's order is
planned, its stock reserved with the conditional updates ``place_order`` uses and written in a
short transaction of its own; a refusal (out of stock, a gift set taken off sale) marks that
recipient failed with the reason and the job goes on. A recipient moves pending → created |
failed once (a compare under the row's lock), so running the job again, or on two workers,
creates no second order.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, insert, select, update

from shop.accounts.models import User
from shop.addresses.services import commune as commune_by_code
from shop.addresses.services import province as province_by_code
from shop.agencies.approvals import needs_approval, register_subject, request_approval
from shop.agencies.models import ApprovalRequest, ApprovalStatus, Organisation
from shop.agencies.signals import approval_decided
from shop.audit.services import record
from shop.batches.models import (
    TRANSITIONS,
    BatchStatus,
    GiftBatch,
    GiftBatchRecipient,
    RecipientStatus,
)
from shop.batches.recipients import Recipient
from shop.bundles.models import Bundle
from shop.catalog.models import Producer, Product
from shop.db import begin_write_transaction, move_status, utcnow
from shop.errors import InvalidTransition, OutOfStock, ShopError
from shop.extensions import db
from shop.notify import after_commit
from shop.orders.models import Order, OrderStatus, PaymentMethod, ProducerOrderStatus
from shop.orders.services import (
    Contact,
    LineRequest,
    OrderPlan,
    OrderRules,
    lapsed_holds,
    place_order,
    plan_order,
    return_stock,
)
from shop.payments.bank_statement import register_order_group

if TYPE_CHECKING:
    from shop.quotes.services import Locked

log = logging.getLogger(__name__)

SUBJECT = "gift_batch"  # the approval requests' subject type
REFERENCE_PREFIX = "GIFT"


class BatchError(ShopError):
    code = "batch"


class BatchNotFound(BatchError):
    code = "not_found"
    status = 404


# --- the state machine ---------------------------------------------------------------------------


def transition(batch: GiftBatch, target: str, **values) -> None:
    """Move ``batch`` to ``target`` if the table allows it from its current status (a
    compare-and-set on the status read now); ``InvalidTransition`` otherwise."""
    if not move_status(db.session, GiftBatch, batch, TRANSITIONS, target, **values):
        raise InvalidTransition(f"a batch cannot become {target}", batch_id=batch.id)
    log.info("gift batch %s is %s", batch.reference, target)


# --- saving a draft ----------------------------------------------------------------------------


def batch_reference(batch_id: int, year: int) -> str:
    """``GIFT-2026-000042``: ASCII, at most 25 characters with the ``OCOP`` transfer prefix."""
    return f"{REFERENCE_PREFIX}-{year}-{batch_id:06d}"


def save_draft(
    organisation_id: int,
    user_id: int,
    recipients: list[Recipient],
    *,
    billing_entity_id: int | None = None,
    po_number: str | None = None,
    claim_by: date | None = None,
    now: datetime | None = None,
) -> GiftBatch:
    """A draft batch of checked recipients (``shop.batches.recipients``). Flushes. Recipients
    who choose their own address wait for it (each with its link's random key) until
    ``claim_by``."""
    if not recipients:
        raise BatchError("a batch needs at least one recipient")
    now = now or utcnow()
    batch = GiftBatch(
        reference=f"TMP-{secrets.token_hex(8)}",  # the real one needs the id
        organisation_id=organisation_id,
        billing_entity_id=billing_entity_id,
        created_by_id=user_id,
        status=BatchStatus.DRAFT,
        po_number=(po_number or "").strip() or None,
        size=len(recipients),
        created_count=0,
        failed_count=0,
        created_at=now,
        claim_by=claim_by if any(r.by_link for r in recipients) else None,
    )
    if any(r.by_link for r in recipients) and claim_by is None:
        raise BatchError("recipient links need a claim-by date")
    db.session.add(batch)
    db.session.flush()
    batch.reference = batch_reference(batch.id, now.year)
    # One multi-row INSERT (executemany), not one statement per recipient.
    db.session.execute(
        insert(GiftBatchRecipient),
        [
            {
                "batch_id": batch.id,
                "row": r.row,
                "name": r.name,
                "phone": r.phone,
                "email": r.email,
                "province_code": r.province.code if r.province else None,
                "commune_code": r.commune.code if r.commune else None,
                "street": r.street or None,
                "bundle_id": r.gift_set.id,
                "quantity": r.quantity,
                "message": r.message or None,
                "deliver_on": r.deliver_on,
                "note": r.note or None,
                "status": (RecipientStatus.WAITING if r.by_link else RecipientStatus.PENDING).value,
                "by_link": r.by_link,
                "link_key": secrets.token_hex(16) if r.by_link else None,
            }
            for r in recipients
        ],
    )
    db.session.flush()
    record(user_id, "gift_batch.draft", "gift_batch", batch.id, {}, {"size": batch.size})
    return batch


def find_batch(batch_id: int, organisation_id: int | None) -> GiftBatch:
    """The batch of this organisation (None: any organisation's, for the office)."""
    query = select(GiftBatch).where(GiftBatch.id == batch_id)
    if organisation_id is not None:
        query = query.where(GiftBatch.organisation_id == organisation_id)
    batch = db.session.scalar(query)
    if batch is None:
        raise BatchNotFound("no such batch")
    return batch


def batches_of(organisation_id: int) -> list[GiftBatch]:
    return list(
        db.session.scalars(
            select(GiftBatch)
            .where(GiftBatch.organisation_id == organisation_id)
            .order_by(GiftBatch.id.desc())
        )
    )


def recipients_of(batch_id: int) -> list[GiftBatchRecipient]:
    return list(
        db.session.scalars(
            select(GiftBatchRecipient)
            .where(GiftBatchRecipient.batch_id == batch_id)
            .order_by(GiftBatchRecipient.row)
        )
    )


# --- planning ------------------------------------------------------------------------------------


def order_rules() -> OrderRules:
    config = current_app.config
    return OrderRules(
        standard_fee_vnd=config["DELIVERY_STANDARD_FEE_VND"],
        chilled_fee_vnd=config["DELIVERY_CHILLED_FEE_VND"],
        payment_ttl=timedelta(minutes=config["ORDER_PAYMENT_TTL_MINUTES"]),
        max_line_quantity=config["MAX_LINE_QUANTITY"],
    )


def tier_quantities(batch_id: int) -> dict[int, int]:
    """Boxes of each gift set in the whole batch: every recipient's boxes are priced at the
    volume tier of this number."""
    rows = db.session.execute(
        select(GiftBatchRecipient.bundle_id, func.sum(GiftBatchRecipient.quantity))
        .where(GiftBatchRecipient.batch_id == batch_id)
        .group_by(GiftBatchRecipient.bundle_id)
    )
    return {bundle_id: int(total) for bundle_id, total in rows}


@dataclass(frozen=True)
class Sender:
    """Who sends a batch's orders, as plain values (the job's transactions come and go)."""

    batch_id: int
    reference: str
    buyer_id: int
    buyer_email: str


def sender_of(batch: GiftBatch) -> Sender:
    buyer = db.session.get(User, batch.created_by_id)
    return Sender(batch.id, batch.reference, buyer.id, buyer.email)


def _order_note(recipient: GiftBatchRecipient, sender: Sender) -> str:
    parts = [f"{sender.reference} #{recipient.row}"]
    if recipient.deliver_on:
        parts.append(f"Giao ngày / deliver on {recipient.deliver_on:%d/%m/%Y}")
    if recipient.message:
        parts.append(f"Lời nhắn / message: {recipient.message}")
    if recipient.note:
        parts.append(f"Ghi chú / note: {recipient.note}")
    return "\n".join(parts)


def plan_recipient(
    recipient: GiftBatchRecipient,
    sender: Sender,
    *,
    tiers: dict[int, int],
    rules: OrderRules,
    today: date,
    now: datetime,
    adult_confirmed: bool,
    stand_in: tuple[int, int] | None = None,
    locked: Locked | None = None,
) -> OrderPlan:
    """The child order of one recipient: the gift set (or, chosen by the recipient, its
    alcohol-free variant) at the batch's tier, delivered to the recipient, paid by bank
    transfer by the buyer. ``stand_in`` (province, commune codes) prices a recipient link
    whose address is not known yet. With ``locked`` (an accepted quote's prices) the boxes
    cost the quote's price after its discount and the delivery its share of the quote's
    delivery, spread over the parcels."""
    province_code, commune_code = recipient.province_code, recipient.commune_code
    if province_code is None and stand_in is not None:
        province_code, commune_code = stand_in
    place = commune_by_code(commune_code) if commune_code else None
    region = province_by_code(province_code) if province_code else None
    contact = Contact(
        email=sender.buyer_email,
        phone=recipient.phone or "",
        recipient_name=recipient.name,
        province=region.name if region else None,
        commune=place.name if place else None,
        street=recipient.street or "",
        province_code=province_code,
        commune_code=commune_code,
        locale="vi",
        note=_order_note(recipient, sender),
    )
    bundle_id = recipient.bundle_id
    if recipient.alcohol_free:
        variant = db.session.scalar(
            select(Bundle.alcohol_free_variant_id).where(Bundle.id == recipient.bundle_id)
        )
        bundle_id = variant or bundle_id
    line = LineRequest.bundle(
        bundle_id,
        recipient.quantity,
        tier_quantity=tiers.get(recipient.bundle_id),
        price_vnd=locked.goods_vnd if locked else None,
    )
    plan = plan_order(
        [line],
        contact,
        payment_method=PaymentMethod.BANK_TRANSFER,
        rules=rules,
        today=today,
        adult_confirmed=adult_confirmed,
        now=now,
    )
    if locked is None:
        return plan
    from shop.quotes.services import spread

    fees = spread(locked.delivery_vnd, [parcel.delivery_vnd for parcel in plan.parcels])
    parcels = tuple(
        dataclasses.replace(parcel, delivery_vnd=fee)
        for parcel, fee in zip(plan.parcels, fees, strict=True)
    )
    return dataclasses.replace(plan, parcels=parcels)


def error_text(error: ShopError) -> str:
    """What a failed recipient records: the error's code, and for missing stock the product
    (shown translated by ``shop.batches.labels``)."""
    if isinstance(error, OutOfStock):
        product = db.session.get(Product, error.details.get("product_id"))
        return f"{error.code}:{product.name_vi if product else ''}"
    return error.code


@dataclass
class PreviewRow:
    recipient: GiftBatchRecipient
    gift_set: str
    unit_price_vnd: int = 0
    goods_vnd: int = 0
    delivery_vnd: int = 0
    producers: int = 0
    ships_from: date | None = None
    error: str | None = None

    @property
    def total_vnd(self) -> int:
        return self.goods_vnd + self.delivery_vnd


@dataclass
class ProducerTotal:
    name: str
    goods_vnd: int = 0
    delivery_vnd: int = 0
    parcels: int = 0

    @property
    def total_vnd(self) -> int:
        return self.goods_vnd + self.delivery_vnd


@dataclass
class VatTotal:
    rate: int
    amount_vnd: int = 0  # VAT included
    vat_vnd: int = 0


@dataclass(frozen=True)
class Shortage:
    product: str
    wanted: int
    available: int

    @property
    def short(self) -> int:
        return self.wanted - self.available


@dataclass
class BatchPreview:
    rows: list[PreviewRow] = field(default_factory=list)
    producers: list[ProducerTotal] = field(default_factory=list)
    vat: list[VatTotal] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)
    adult_only: bool = False

    @property
    def goods_vnd(self) -> int:
        return sum(r.goods_vnd for r in self.rows)

    @property
    def delivery_vnd(self) -> int:
        return sum(r.delivery_vnd for r in self.rows)

    @property
    def total_vnd(self) -> int:
        return self.goods_vnd + self.delivery_vnd

    @property
    def boxes(self) -> int:
        return sum(r.recipient.quantity for r in self.rows)

    @property
    def problems(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.error]


def _adult_only(bundle_ids: set[int]) -> bool:
    bundles = db.session.scalars(select(Bundle).where(Bundle.id.in_(bundle_ids))).all()
    return any(c.product.adult_only for b in bundles for c in b.goods)


def preview(batch: GiftBatch, *, today: date, now: datetime) -> BatchPreview:
    """Each recipient's child order as it would be placed now (nothing is written), the totals
    by producer and by VAT rate, and every product the batch needs more of than is free.

    Plans are shared between recipients of the same gift set, quantity and province (the
    price, parcels and fees are the same), so a 2,000-row batch plans a few dozen orders."""
    sender = sender_of(batch)
    rules = order_rules()
    tiers = tier_quantities(batch.id)
    recipients = recipients_of(batch.id)
    names = dict(
        db.session.execute(
            select(Bundle.id, Bundle.name_vi).where(
                Bundle.id.in_({r.bundle_id for r in recipients})
            )
        ).all()
    )
    result = BatchPreview(adult_only=_adult_only(set(names)))
    # A recipient link is priced as if delivered to the organisation's own province (the fee
    # does not depend on the province; a fresh set's reach is checked again at the claim).
    organisation = db.session.get(Organisation, batch.organisation_id)
    stand_in = (organisation.invoice_province_code, organisation.invoice_commune_code)
    plans: dict[tuple, OrderPlan | str] = {}
    producers: dict[int, ProducerTotal] = {}
    vat: dict[int, VatTotal] = {}
    wanted: dict[int, int] = defaultdict(int)
    for recipient in recipients:
        row = PreviewRow(recipient=recipient, gift_set=names.get(recipient.bundle_id, "?"))
        result.rows.append(row)
        key = (recipient.bundle_id, recipient.quantity, recipient.province_code)
        if key not in plans:
            try:
                plans[key] = plan_recipient(
                    recipient, sender, tiers=tiers, rules=rules, today=today, now=now,
                    adult_confirmed=True, stand_in=stand_in,
                )  # fmt: skip
            except ShopError as error:
                plans[key] = error.code
        plan = plans[key]
        if isinstance(plan, str):
            row.error = plan
            continue
        row.goods_vnd = plan.subtotal_vnd
        row.delivery_vnd = plan.delivery_vnd
        row.unit_price_vnd = plan.subtotal_vnd // recipient.quantity
        row.producers = len(plan.parcels)
        ships = [p.ships_from for p in plan.parcels if p.ships_from]
        row.ships_from = max(ships) if ships else None
        for parcel in plan.parcels:
            total = producers.setdefault(parcel.producer_id, ProducerTotal(name=""))
            total.goods_vnd += parcel.subtotal_vnd
            total.delivery_vnd += parcel.delivery_vnd
            total.parcels += 1
        for line in plan.lines:
            rate = vat.setdefault(line.vat_rate, VatTotal(rate=line.vat_rate))
            rate.amount_vnd += line.line_total_vnd
            rate.vat_vnd += line.vat_vnd
        for product_id, quantity in plan.stock_wanted.items():
            wanted[product_id] += quantity
    if producers:
        for producer_id, name in db.session.execute(
            select(Producer.id, Producer.name).where(Producer.id.in_(producers))
        ):
            producers[producer_id].name = name
    result.producers = sorted(producers.values(), key=lambda p: p.name)
    # Delivery fees carry the standard VAT rate of the service; shown apart from the goods.
    result.vat = sorted(vat.values(), key=lambda v: v.rate)
    if wanted:
        back = lapsed_holds(list(wanted), now)
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(wanted)).order_by(Product.id)
        ):
            available = product.stock + back.get(product.id, 0)
            if wanted[product.id] > available:
                result.shortages.append(
                    Shortage(
                        product=product.name_vi, wanted=wanted[product.id], available=available
                    )
                )
    return result


# --- starting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    approval: ApprovalRequest | None  # a sign-off was asked for instead of starting


def approval_for(batch_id: int) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.subject_type == SUBJECT, ApprovalRequest.subject_id == batch_id
        )
    )


def start(batch: GiftBatch, user_id: int, *, total_vnd: int, adult_confirmed: bool) -> Started:
    """ "Create orders": start the job, or, when the organisation's spending rule wants a
    sign-off for ``total_vnd``, ask for it (the job starts when an approver approves). Runs
    in the caller's write transaction; the job is enqueued once it commits."""
    organisation = db.session.get(Organisation, batch.organisation_id)
    if batch.status != BatchStatus.DRAFT:
        raise InvalidTransition("the batch was started already", batch_id=batch.id)
    from shop.quotes.services import live_quote

    if live_quote(batch.id) is not None:  # accept or decline the quote instead
        raise InvalidTransition("the batch has a quote", batch_id=batch.id)
    values = {"adult_confirmed": adult_confirmed}
    if needs_approval(organisation, total_vnd):
        request = request_approval(organisation.id, SUBJECT, batch.id, total_vnd, user_id)
        if request.status == ApprovalStatus.PENDING:
            db.session.execute(update(GiftBatch).where(GiftBatch.id == batch.id).values(**values))
            return Started(approval=request)
        if request.status != ApprovalStatus.APPROVED:
            raise InvalidTransition("the sign-off was refused", batch_id=batch.id)
    begin_creation(batch, **values)
    record(user_id, "gift_batch.start", "gift_batch", batch.id, {"status": "draft"},
           {"status": "creating", "total_vnd": total_vnd})  # fmt: skip
    return Started(approval=None)


def begin_creation(batch: GiftBatch, **values) -> None:
    """draft → creating; the job is enqueued once the caller's transaction commits."""
    transition(batch, BatchStatus.CREATING, started_at=utcnow(), **values)
    batch_id = batch.id
    after_commit(db.session(), lambda: _enqueue(batch_id))


def _enqueue(batch_id: int) -> None:
    from shop.jobs import create_batch_orders

    create_batch_orders(batch_id)


def cancel(batch: GiftBatch, user_id: int) -> None:
    from shop.quotes.services import close_for_batch

    transition(batch, BatchStatus.CANCELLED, finished_at=utcnow())
    close_for_batch(batch.id, user_id)
    record(user_id, "gift_batch.cancel", "gift_batch", batch.id, {"status": "draft"},
           {"status": "cancelled"})  # fmt: skip


@approval_decided.connect
def _on_decision(request: ApprovalRequest, approved: bool, **_extra) -> None:
    """A sign-off for a batch: approved starts the creation (after the decision commits);
    rejected cancels the draft."""
    if request.subject_type != SUBJECT:
        return
    batch = db.session.get(GiftBatch, request.subject_id)
    if batch is None or batch.status != BatchStatus.DRAFT:
        return
    if approved:
        begin_creation(batch)
    else:
        transition(batch, BatchStatus.CANCELLED, finished_at=utcnow())


# --- the job ---------------------------------------------------------------------------------


@dataclass
class CreationReport:
    created: int = 0
    failed: int = 0
    skipped: int = 0


def create_orders(
    batch_id: int, *, today: date | None = None, recipient_id: int | None = None
) -> CreationReport:
    """The job: one child order per pending recipient (or only ``recipient_id``'s, a claimed
    recipient link), each in its own short write transaction (commits). Safe to run again,
    or on two workers: a recipient is taken under its row's lock and only while pending; the
    first run e-mails the recipient links; the batch waits for its links' claims (claiming),
    then ends created or partly created once no recipient is pending or waiting."""
    from shop.templating import local_today

    report = CreationReport()
    batch = db.session.get(GiftBatch, batch_id)
    if batch is None or batch.status not in (BatchStatus.CREATING, BatchStatus.CLAIMING):
        db.session.rollback()
        return report
    sender = sender_of(batch)
    tiers = tier_quantities(batch_id)
    rules = order_rules()
    today = today or local_today()
    query = select(GiftBatchRecipient.id).where(
        GiftBatchRecipient.batch_id == batch_id,
        GiftBatchRecipient.status == RecipientStatus.PENDING,
    )
    if recipient_id is not None:
        query = query.where(GiftBatchRecipient.id == recipient_id)
    pending = list(db.session.scalars(query.order_by(GiftBatchRecipient.row)))
    adult_confirmed = bool(batch.adult_confirmed)
    first_run = batch.status == BatchStatus.CREATING and recipient_id is None
    from shop.quotes.services import locked_prices

    quote_id, locked = locked_prices(batch_id)
    db.session.rollback()  # no transaction stays open across recipients
    for pending_id in pending:
        outcome = _create_one(
            pending_id, sender, tiers=tiers, rules=rules, today=today,
            adult_confirmed=adult_confirmed, quote_id=quote_id, locked=locked.get(pending_id),
        )  # fmt: skip
        setattr(report, outcome, getattr(report, outcome) + 1)
    if first_run:
        from shop.batches.claims import send_links

        send_links(batch_id)
    _finish(batch_id)
    log.info(
        "gift batch %s: %d created, %d failed, %d skipped",
        batch_id, report.created, report.failed, report.skipped,
    )  # fmt: skip
    return report


def _create_one(
    recipient_id: int,
    sender: Sender,
    *,
    tiers: dict[int, int],
    rules: OrderRules,
    today: date,
    adult_confirmed: bool,
    quote_id: int | None = None,
    locked: Locked | None = None,
) -> str:
    now = utcnow()
    begin_write_transaction(db.session)
    recipient = db.session.scalars(
        select(GiftBatchRecipient)
        .where(GiftBatchRecipient.id == recipient_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if recipient.status != RecipientStatus.PENDING:
        db.session.rollback()
        return "skipped"
    counter = GiftBatch.created_count
    try:
        with db.session.begin_nested():
            plan = plan_recipient(
                recipient, sender, tiers=tiers, rules=rules, today=today, now=now,
                adult_confirmed=adult_confirmed, locked=locked,
            )  # fmt: skip
            if quote_id is not None:  # the units the quote reserved go to this order
                from shop.quotes.services import take_from_hold

                return_stock(take_from_hold(quote_id, plan.stock_wanted))
            order = place_order(plan, now=now, user_id=sender.buyer_id, batch_id=sender.batch_id)
    except ShopError as error:
        reason = error_text(error)  # before the change (its lookup may flush)
        recipient.status = RecipientStatus.FAILED
        recipient.error = reason
        counter = GiftBatch.failed_count
        outcome = "failed"
    else:
        recipient.status = RecipientStatus.CREATED
        recipient.order_id = order.id
        recipient.error = None
        outcome = "created"
    db.session.execute(
        update(GiftBatch)
        .where(GiftBatch.id == sender.batch_id)
        .values({counter: counter + 1})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return outcome


def _finish(batch_id: int) -> None:
    """No recipient pending: the batch waits for its links' claims (claiming), or, none
    waiting either, is created or partly created. Commits."""
    begin_write_transaction(db.session)
    batch = db.session.scalars(
        select(GiftBatch).where(GiftBatch.id == batch_id).execution_options(populate_existing=True)
    ).one()
    left = dict(
        db.session.execute(
            select(GiftBatchRecipient.status, func.count())
            .where(
                GiftBatchRecipient.batch_id == batch_id,
                GiftBatchRecipient.status.in_([RecipientStatus.PENDING, RecipientStatus.WAITING]),
            )
            .group_by(GiftBatchRecipient.status)
        ).all()
    )
    if batch.status not in (BatchStatus.CREATING, BatchStatus.CLAIMING) or left.get(
        RecipientStatus.PENDING
    ):
        db.session.rollback()
        return
    if left.get(RecipientStatus.WAITING):
        target = BatchStatus.CLAIMING
        if batch.status == target:
            db.session.rollback()
            return
    else:
        target = BatchStatus.PARTLY_CREATED if batch.failed_count else BatchStatus.CREATED
    try:
        transition(batch, target, finished_at=utcnow())
    except InvalidTransition:  # another worker finished it
        db.session.rollback()
        return
    from shop.quotes.services import locked_prices, release_hold

    quote_id, _locked = locked_prices(batch_id)
    if quote_id is not None:  # what no child order took goes back to stock
        release_hold(quote_id)
    db.session.commit()


# --- following it ----------------------------------------------------------------------------

PENDING = "pending"
SHIPPED = "shipped"
DELIVERED = "delivered"
FAILED = "failed"
TRACKING_STATES = (PENDING, SHIPPED, DELIVERED, FAILED)


@dataclass(frozen=True)
class Tracked:
    recipient: GiftBatchRecipient
    order: Order | None
    state: str  # one of TRACKING_STATES
    reason: str | None  # why it failed (a code, see ``shop.batches.labels``)


def tracking_state(recipient: GiftBatchRecipient, order: Order | None) -> tuple[str, str | None]:
    """pending / shipped / delivered / failed, from the recipient and its order's producer
    orders: delivered when every parcel is, shipped when every parcel left, failed when the
    order could not be created or was cancelled, expired or failed to be paid."""
    if recipient.status == RecipientStatus.FAILED:
        return FAILED, recipient.error
    if order is None:
        return PENDING, None
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED):
        return FAILED, f"order_{order.status}"
    parcels = [p.status for p in order.producer_orders if p.status != ProducerOrderStatus.CANCELLED]
    if parcels and all(s == ProducerOrderStatus.DELIVERED for s in parcels):
        return DELIVERED, None
    if parcels and all(
        s in (ProducerOrderStatus.SHIPPED, ProducerOrderStatus.DELIVERED) for s in parcels
    ):
        return SHIPPED, None
    return PENDING, None


def tracking(batch_id: int) -> list[Tracked]:
    from sqlalchemy.orm import selectinload

    recipients = recipients_of(batch_id)
    orders = {
        o.id: o
        for o in db.session.scalars(
            select(Order)
            .where(Order.batch_id == batch_id)
            .options(selectinload(Order.producer_orders))
        )
    }
    tracked = []
    for recipient in recipients:
        order = orders.get(recipient.order_id) if recipient.order_id else None
        state, reason = tracking_state(recipient, order)
        tracked.append(Tracked(recipient, order, state, reason))
    return tracked


@dataclass(frozen=True)
class BatchMoney:
    total_vnd: int  # the child orders' totals
    paid_vnd: int
    unpaid_vnd: int  # what the orders still waiting for the transfer need
    unpaid_orders: int
    due_at: datetime | None = None  # the earliest deadline of the unpaid orders


def batch_money(batch_id: int) -> BatchMoney:
    """Sums over the child orders (the batch has no amounts of its own)."""
    total, paid = db.session.execute(
        select(
            func.coalesce(func.sum(Order.total_vnd), 0), func.coalesce(func.sum(Order.paid_vnd), 0)
        ).where(Order.batch_id == batch_id)
    ).one()
    unpaid, count, due_at = db.session.execute(
        select(
            func.coalesce(func.sum(Order.total_vnd), 0),
            func.count(Order.id),
            func.min(Order.expires_at),
        ).where(
            Order.batch_id == batch_id,
            Order.status == OrderStatus.AWAITING_PAYMENT,
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
        )
    ).one()
    return BatchMoney(int(total), int(paid), int(unpaid), int(count), due_at)


def unpaid_orders(batch_id: int) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(
                Order.batch_id == batch_id,
                Order.status == OrderStatus.AWAITING_PAYMENT,
                Order.payment_method == PaymentMethod.BANK_TRANSFER,
            )
            .order_by(Order.id)
        )
    )


def gift_set_names(batch_id: int) -> dict[int, str]:
    ids = select(GiftBatchRecipient.bundle_id).where(GiftBatchRecipient.batch_id == batch_id)
    return dict(
        db.session.execute(select(Bundle.id, Bundle.name_vi).where(Bundle.id.in_(ids))).all()
    )


def address_text(recipient: GiftBatchRecipient) -> str:
    place = commune_by_code(recipient.commune_code) if recipient.commune_code else None
    region = province_by_code(recipient.province_code) if recipient.province_code else None
    return ", ".join(
        part
        for part in (recipient.street, place.name if place else "", region.name if region else "")
        if part
    )


def _batch_orders(references: list[str]) -> dict[str, list[Order]]:
    """The child orders of the batches with these references (for the bank statement)."""
    found: dict[str, list[Order]] = defaultdict(list)
    rows = db.session.execute(
        select(GiftBatch.reference, Order)
        .join(Order, Order.batch_id == GiftBatch.id)
        .where(GiftBatch.reference.in_(references))
        .order_by(Order.id)
    )
    for reference, order in rows:
        found[reference].append(order)
    return dict(found)


register_order_group(REFERENCE_PREFIX, _batch_orders)


def _label(subject_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """The approval lists' label of a batch: its reference and number of recipients."""
    from flask import url_for
    from flask_babel import gettext, ngettext

    rows = db.session.execute(
        select(GiftBatch.id, GiftBatch.reference, GiftBatch.size).where(
            GiftBatch.id.in_(subject_ids)
        )
    )
    return {
        batch_id: (
            " · ".join(
                (
                    gettext("Gift batch %(reference)s", reference=reference),
                    ngettext("%(num)d recipient", "%(num)d recipients", size),
                )
            ),
            url_for("gift_batches.batch", batch_id=batch_id),
        )
        for batch_id, reference, size in rows
    }


register_subject(SUBJECT, _label)
