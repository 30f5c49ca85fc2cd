"""Experience seats: withheld as services, payable the day after the session ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from shop.extensions import db
from shop.orders.services import complete_booking_parts, mark_paid
from shop.payouts.ledger import balance
from tests.factories import gen_booking_order, gen_experience, gen_producer, gen_session, unit
from tests.payouts.factories import amounts


def test_seats_are_withheld_as_services_and_payable_the_day_after_the_session(app):
    household = gen_producer(legal_type="household")
    experience = gen_experience(household)
    # 08:00–16:00 on 10 December, Vietnam time.
    session = gen_session(experience, starts_at=datetime(2026, 12, 10, 1, 0, tzinfo=UTC))
    order = gen_booking_order([(session, unit(experience, "adult"), 2)])
    with time_machine.travel(datetime(2026, 11, 28, 3, 5, tzinfo=UTC), tick=False):
        mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    line = order.lines[0]
    assert amounts(order_line_id=line.id) == {
        "sale": 600_000,
        "commission": -60_000,
        "withholding:vat": -30_000,
        "withholding:pit": -12_000,
    }
    assert balance(household.id, date(2026, 12, 10)).available_vnd == 0
    assert balance(household.id, date(2026, 12, 11)).available_vnd == 498_000
    # The part counts as delivered when the session is over; its own date stays.
    complete_booking_parts(datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    db.session.flush()
    assert balance(household.id, date(2026, 12, 11)).available_vnd == 498_000
    assert balance(household.id, date(2026, 12, 10)).pending_vnd == 498_000
