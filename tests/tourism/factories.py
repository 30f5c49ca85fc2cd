"""Builders for experiences, sessions, bookings and tickets, made directly in the database.

A booking belongs to an order and its producer order, with one seats line per unit type (the
lines carry the quantities the ticket and the participant list show). The order is built as
checkout would leave it for experiences only: no delivery address, paid when the booking is
confirmed.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, time

from shop.catalog.models import Producer
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus, ProducerOrder, ProducerOrderStatus
from shop.tourism.models import (
    HOLDS_SEATS,
    Booking,
    BookingStatus,
    Experience,
    ExperienceSession,
    Guest,
    UnitType,
)
from shop.tourism.rules import utc_from_local
from shop.tourism.services import issue_ticket, session_cutoff
from tests.factories import gen_experience as base_gen_experience
from tests.factories import gen_session as base_gen_session
from tests.factories import unit

_seq = itertools.count(1)
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

DEFAULT_RULES = [{"hours": 72, "percent": 100}, {"hours": 24, "percent": 50}]


def gen_experience(producer: Producer | None = None, **fields) -> Experience:
    """``tests.factories.gen_experience`` with a meeting point, directions and a packing list
    in both languages, adult (450k) and child 6–11 (250k) unit types, and 100 % back until
    72 hours before, 50 % until 24 hours before."""
    n = next(_seq)
    values = {
        "slug": f"ban-ven-{n}",
        "name_vi": f"Một ngày ở Bản Ven {n}",
        "name_en": f"A day at Bản Ven {n}",
        "summary_vi": "Du lịch cộng đồng.",
        "meeting_point_vi": "Nhà văn hoá thôn Bản Ven, xã Xuân Lương",
        "meeting_point_en": "Bản Ven village hall, Xuân Lương commune",
        "directions_vi": "Từ Hà Nội đi xe khách đến Bố Hạ.",
        "directions_en": "From Hà Nội take the bus to Bố Hạ.",
        "bring_vi": "Giày đi bộ\nMũ",
        "bring_en": "Walking shoes\nHat",
        "cancellation_rules": DEFAULT_RULES,
        "commune": "Xuân Lương",
        **fields,
    }
    values.setdefault(
        "unit_types",
        [
            UnitType(code="adult", name_vi="Người lớn", name_en="Adult", price_vnd=450_000,
                     position=0),
            UnitType(code="child", name_vi="Trẻ em 6–11 tuổi", name_en="Child 6–11", age_min=6,
                     age_max=11, price_vnd=250_000, position=1),
        ],
    )  # fmt: skip
    experience = base_gen_experience(producer, **values)
    db.session.refresh(experience)
    return experience


def gen_session(
    experience: Experience,
    *,
    day: date = date(2026, 12, 5),
    at: time = time(6, 0),
    capacity: int = 20,
    status: str = "open",
    **fields,
) -> ExperienceSession:
    """``tests.factories.gen_session`` on a local day and time (06:00 on 5 December)."""
    starts_at = fields.pop("starts_at", None) or utc_from_local(day, at)
    session = base_gen_session(
        experience, starts_at=starts_at, capacity=capacity, status=status, **fields
    )
    db.session.refresh(session)
    return session


def gen_booking(
    session: ExperienceSession,
    units: dict[str, int] | None = None,
    *,
    status: str = BookingStatus.CONFIRMED,
    lead_name: str = "Nguyễn Thị Hương",
    lead_phone: str = "+84912345678",
    locale: str = "vi",
    guests: list[dict] | None = None,
    now: datetime = NOW,
) -> Booking:
    """A booking of ``units`` (``{"adult": 2, "child": 1}``) on ``session``, with its order,
    producer order and seats lines; seats are taken from the pool; a confirmed booking gets
    its ticket."""
    experience = db.session.get(Experience, session.experience_id)
    units = units or {"adult": 2, "child": 1}
    priced = [(unit(experience, code), qty) for code, qty in units.items()]
    subtotal = sum(u.price_vnd * qty for u, qty in priced)
    seats = sum(u.seats * qty for u, qty in priced)
    paid = status != BookingStatus.HELD
    order = Order(
        reference=f"OCM-2026-9{next(_seq):05d}",
        email="tourist@example.com",
        phone=lead_phone,
        locale=locale,
        recipient_name=lead_name,
        subtotal_vnd=subtotal,
        delivery_vnd=0,
        total_vnd=subtotal,
        paid_vnd=subtotal if paid else 0,
        payment_method="demo",
        status=OrderStatus.PAID if paid else OrderStatus.AWAITING_PAYMENT,
        access_token=secrets.token_urlsafe(24),
    )
    db.session.add(order)
    db.session.flush()
    parcel = ProducerOrder(
        order_id=order.id,
        producer_id=experience.producer_id,
        status=ProducerOrderStatus.NEW if paid else ProducerOrderStatus.PENDING,
        delivery_method="none",
        subtotal_vnd=subtotal,
        delivery_vnd=0,
    )
    db.session.add(parcel)
    db.session.flush()
    booking = Booking(
        order_id=order.id,
        producer_order_id=parcel.id,
        session_id=session.id,
        experience_id=experience.id,
        status=BookingStatus.HELD,
        seats=seats,
        locale=locale,
        lead_name=lead_name,
        lead_phone=lead_phone,
        cancellation_rules=list(experience.cancellation_rules or []),
        cutoff_at=session_cutoff(session, experience),
    )
    db.session.add(booking)
    db.session.flush()
    for unit_type, qty in priced:
        total = unit_type.price_vnd * qty
        db.session.add(
            OrderLine(
                order_id=order.id,
                producer_order_id=parcel.id,
                kind="seats",
                session_id=session.id,
                unit_type_id=unit_type.id,
                booking_id=booking.id,
                name=experience.name_vi,
                unit_label=unit_type.name_vi,
                unit_price_vnd=unit_type.price_vnd,
                quantity=qty,
                vat_rate=unit_type.vat_rate,
                line_total_vnd=total,
                vat_vnd=total * unit_type.vat_rate // (100 + unit_type.vat_rate),
            )
        )
    for guest in guests or []:
        db.session.add(Guest(booking_id=booking.id, consent_at=now, **guest))
    if status in HOLDS_SEATS:
        session.seats_taken += seats
    booking.status = status
    if status != BookingStatus.HELD:
        booking.confirmed_at = now
    db.session.flush()
    if status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED):
        issue_ticket(booking, now)
    db.session.refresh(booking)
    return booking
