"""The operator's side of the producer portal, CSRF on: the sessions calendar, creating one or
repeating sessions, capacity, close / reopen, cancelling with refunds, participant lists (HTML,
CSV, PDF), the check-in matrix, and that an operator reaches only its own sessions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.payments.bookings import CancelledBooking
from shop.tourism.models import Booking, BookingStatus, ExperienceSession
from shop.tourism.rules import local
from shop.tourism.services import issue_ticket, transition_booking
from tests.conftest import csrf_token
from tests.tourism.factories import NOW, gen_booking, gen_experience, gen_session


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.fixture(autouse=True)
def frozen():
    """The demo calendar's morning: 28 Nov 2026, 10:00 in Việt Nam (the clock moves on)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def staff(client, login_as):
    client.get("/?lang=en")
    user = login_as("producer_staff")
    return user, db.session.get(Producer, user.producer_id)


@pytest.fixture
def tour(staff):
    _user, mine = staff
    experience = gen_experience(producer=mine, name_vi="Bản Ven Cao Lan", duration_minutes=480)
    session = gen_session(experience, day=date(2026, 12, 5), at=time(6, 0), capacity=20)
    db.session.commit()
    return experience, session


# --- calendar and creation ------------------------------------------------------------------


def test_calendar_lists_own_upcoming_sessions_in_local_time(client, tour):
    experience, session = tour
    gen_session(experience, day=date(2026, 11, 20), at=time(6, 0))  # over: not listed
    other = gen_experience(name_vi="Vườn vải của người khác")
    gen_session(other)
    gen_booking(session, {"adult": 2, "child": 1})
    db.session.commit()
    body = html(client.get("/producer/sessions"))
    assert "Bản Ven Cao Lan" in body
    assert "Sat 5 Dec" in body
    assert "06:00–14:00" in body
    assert "3 of 20" in body
    assert "Open for booking" in body
    assert "20 Nov" not in body
    assert "Vườn vải của người khác" not in body


def test_create_one_session_and_a_duplicate_is_refused(client, tour):
    experience, _session = tour
    path = f"/producer/experiences/{experience.id}/sessions/new"
    form = {"kind": "one", "one-day": "2026-12-12", "one-start": "06:00", "one-capacity": "15"}
    response = post(client, path, form)
    assert response.status_code == 302
    made = db.session.scalar(
        select(ExperienceSession).where(
            ExperienceSession.starts_at == datetime(2026, 12, 11, 23, 0, tzinfo=UTC)
        )
    )
    assert made is not None
    assert made.capacity == 15
    assert "Session added: Sat 12 Dec · 06:00–14:00." in html(client.get("/producer/sessions"))
    again = post(client, path, form)
    assert again.status_code == 409
    assert "A session of this experience already starts at that time." in html(again)


def test_create_repeating_sessions_skips_existing(client, tour):
    experience, _session = tour
    response = post(
        client,
        f"/producer/experiences/{experience.id}/sessions/new",
        {
            "kind": "rule",
            "rule-weekdays": ["5", "6"],
            "rule-first_day": "2026-12-05",
            "rule-last_day": "2026-12-13",
            "rule-start": "06:00",
            "rule-capacity": "25",
        },
        follow_redirects=True,
    )
    body = html(response)
    assert "3 sessions added." in body
    assert "1 skipped: it already existed or had passed." in body
    days = [
        local(s.starts_at).date().isoformat()
        for s in db.session.scalars(
            select(ExperienceSession)
            .where(ExperienceSession.experience_id == experience.id)
            .order_by(ExperienceSession.starts_at)
        )
    ]
    assert days == ["2026-12-05", "2026-12-06", "2026-12-12", "2026-12-13"]


def test_a_rule_without_weekdays_shows_the_error_next_to_the_field(client, tour):
    experience, _session = tour
    response = post(
        client,
        f"/producer/experiences/{experience.id}/sessions/new",
        {
            "kind": "rule",
            "rule-first_day": "2026-12-05",
            "rule-last_day": "2026-12-13",
            "rule-start": "06:00",
            "rule-capacity": "25",
        },
    )
    assert response.status_code == 400
    assert "Choose at least one day of the week." in html(response)


# --- one session ----------------------------------------------------------------------------


def test_capacity_cannot_go_below_seats_taken_with_a_message_next_to_the_field(client, tour):
    _experience, session = tour
    gen_booking(session, {"adult": 5})
    db.session.commit()
    path = f"/producer/sessions/{session.id}/capacity"
    below = post(client, path, {"cap-capacity": "4"})
    assert below.status_code == 409
    body = html(below)
    assert 'class="form-field has-error"' in body
    assert "5 seats are already taken: the capacity cannot be lower." in body
    assert fresh(ExperienceSession, session.id).capacity == 20
    ok = post(client, path, {"cap-capacity": "5"}, follow_redirects=True)
    assert "Capacity changed to 5 seats." in html(ok)
    assert fresh(ExperienceSession, session.id).capacity == 5


def test_close_and_reopen_sales(client, tour):
    _experience, session = tour
    closed = post(client, f"/producer/sessions/{session.id}/close", follow_redirects=True)
    assert "Sales closed: the bookings already made stand." in html(closed)
    assert fresh(ExperienceSession, session.id).status == "closed"
    twice = post(client, f"/producer/sessions/{session.id}/close", follow_redirects=True)
    assert "Sales cannot be closed now: the session is “Sales closed”." in html(twice)
    post(client, f"/producer/sessions/{session.id}/reopen")
    assert fresh(ExperienceSession, session.id).status == "open"


@pytest.fixture
def refunds(monkeypatch):
    """``shop.payments.bookings.cancel_booking`` recorded (the real one is tested end to end
    below)."""
    calls = []

    def cancel_booking(booking_id, *, percent, actor, actor_id, reason, now):
        calls.append((booking_id, percent, actor, actor_id, reason))
        booking = db.session.get(Booking, booking_id)
        transition_booking(booking, BookingStatus.CANCELLED, cancelled_at=now)
        return CancelledBooking(booking_id, percent, 100_000, None)

    monkeypatch.setattr("shop.producer.sessions.cancel_booking", cancel_booking)
    return calls


def test_cancel_needs_a_reason_then_refunds_every_booking_once(client, staff, tour, refunds):
    user, _mine = staff
    _experience, session = tour
    first, second = gen_booking(session), gen_booking(session, status=BookingStatus.HELD)
    gen_booking(session, status=BookingStatus.CANCELLED)
    db.session.commit()
    path = f"/producer/sessions/{session.id}/cancel"
    missing = post(client, path, {"cancel-reason": "  "})
    assert missing.status_code == 400
    assert "Say why the session is cancelled: the guests will read it." in html(missing)
    assert fresh(ExperienceSession, session.id).status == "open"

    done = post(client, path, {"cancel-reason": "Heavy rain: path closed"}, follow_redirects=True)
    body = html(done)
    assert "2 bookings cancelled and 200.000" in body
    assert "Cancelled: Heavy rain: path closed" in body
    assert refunds == [
        (first.id, 100, "producer", user.id, "Heavy rain: path closed"),
        (second.id, 100, "producer", user.id, "Heavy rain: path closed"),
    ]
    again = post(client, path, {"cancel-reason": "other words"}, follow_redirects=True)
    assert "It had no bookings to refund." in html(again)
    assert len(refunds) == 2
    assert fresh(ExperienceSession, session.id).cancel_reason == "Heavy rain: path closed"


def test_a_failed_refund_leaves_the_booking_to_retry(client, tour, monkeypatch):
    _experience, session = tour
    booking = gen_booking(session)
    db.session.commit()

    def failing(booking_id, **_kwargs):
        raise RuntimeError("provider unreachable")

    monkeypatch.setattr("shop.producer.sessions.cancel_booking", failing)
    body = html(
        post(
            client,
            f"/producer/sessions/{session.id}/cancel",
            {"cancel-reason": "Flood"},
            follow_redirects=True,
        )
    )
    assert "1 booking could not be refunded yet." in body
    assert "1 booking still has to be refunded." in body
    assert fresh(Booking, booking.id).status == BookingStatus.CONFIRMED
    assert fresh(ExperienceSession, session.id).status == "cancelled"


# --- participants ---------------------------------------------------------------------------


@pytest.fixture
def homestay(staff):
    _user, mine = staff
    stay = gen_experience(
        producer=mine,
        name_vi="Homestay Hướng dẫn viên Xuân Lương",
        overnight=True,
        duration_minutes=22 * 60,
    )
    session = gen_session(stay, day=date(2026, 12, 5), at=time(14, 0), capacity=10)
    gen_booking(
        session,
        {"adult": 2},
        lead_name="Anna Schmidt",
        lead_phone="+4915112345678",
        guests=[
            {
                "full_name": "Anna Schmidt",
                "nationality": "DE",
                "date_of_birth": date(1990, 4, 2),
                "passport_number": "C01X00T47",
            },
            {
                "full_name": "Jonas Müller",
                "nationality": "DE",
                "date_of_birth": date(1988, 7, 9),
                "passport_number": "C77Y11Z02",
            },
        ],
    )
    gen_booking(session, {"adult": 1, "child": 2}, lead_name="Lê Văn Đức")
    db.session.commit()
    return session


def test_participant_list_with_passport_data_for_an_overnight_stay(client, homestay):
    body = html(client.get(f"/producer/sessions/{homestay.id}/participants"))
    assert "Anna Schmidt" in body
    assert "+4915112345678" in body
    assert "1 adult + 2 children" in body
    assert "2 bookings · 5 of 10 seats · 0 checked in" in body
    assert "3 adults + 2 children" in body
    assert "Foreign guests (police residence declaration)" in body
    assert "C01X00T47" in body
    assert "Jonas Müller" in body


def test_no_passport_section_for_a_day_trip(client, tour):
    _experience, session = tour
    gen_booking(
        session,
        guests=[
            {
                "full_name": "X",
                "nationality": "FR",
                "date_of_birth": date(1990, 1, 1),
                "passport_number": "SECRET123",
            }
        ],
    )
    db.session.commit()
    body = html(client.get(f"/producer/sessions/{session.id}/participants"))
    assert "police" not in body
    assert "SECRET123" not in body


def test_participant_csv_is_utf8_with_bom_and_neutralises_formulas(client, homestay):
    response = client.get(f"/producer/sessions/{homestay.id}/participants.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "Ticket",
        "Lead guest",
        "Phone",
        "Adult",
        "Child 6–11",
        "Seats",
        "Status",
        "Checked in",
    ]
    by_name = {row[1]: row for row in rows[1:3]}
    assert by_name["Lê Văn Đức"][3:7] == ["1", "2", "3", "Confirmed"]
    assert by_name["Anna Schmidt"][2] == "'+4915112345678"
    assert ["Foreign guests (police residence declaration)"] in rows
    assert any(row[1:] == ["Jonas Müller", "DE", "1988-07-09", "C77Y11Z02"] for row in rows)


def test_participant_pdf_keeps_vietnamese_diacritics(client, homestay):
    response = client.get(f"/producer/sessions/{homestay.id}/participants.pdf?lang=vi")
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    for expected in (
        "Homestay Hướng dẫn viên Xuân Lương",
        "Lê Văn Đức",
        "Anna Schmidt",
        "C01X00T47",
        "Thứ Bảy, 05/12/2026",
    ):
        assert expected in text, expected


def test_passport_data_never_reaches_the_logs(client, homestay, caplog):
    caplog.set_level("DEBUG")
    for suffix in ("", ".csv", ".pdf"):
        client.get(f"/producer/sessions/{homestay.id}/participants{suffix}")
    assert "C01X00T47" not in caplog.text
    assert "Jonas" not in caplog.text


# --- authorisation --------------------------------------------------------------------------


def test_another_producers_sessions_are_not_found(client, staff, refunds):
    theirs = gen_session(gen_experience())
    booking = gen_booking(theirs)
    db.session.commit()
    for path in (
        f"/producer/sessions/{theirs.id}",
        f"/producer/sessions/{theirs.id}/participants",
        f"/producer/sessions/{theirs.id}/participants.csv",
        f"/producer/sessions/{theirs.id}/participants.pdf",
        f"/producer/experiences/{theirs.experience_id}/sessions/new",
        f"/producer/check-in?session={theirs.id}",
    ):
        status = client.get(path).status_code
        assert status == (200 if "check-in" in path else 404), path
    for action, data in (
        ("capacity", {"cap-capacity": "1"}),
        ("close", {}),
        ("reopen", {}),
        ("cancel", {"cancel-reason": "x"}),
        ("refund-remaining", {}),
    ):
        assert post(client, f"/producer/sessions/{theirs.id}/{action}", data).status_code == 404
    assert (
        post(
            client, "/producer/check-in", {"session_id": theirs.id, "code": booking.ticket.code}
        ).status_code
        == 404
    )
    assert fresh(ExperienceSession, theirs.id).status == "open"
    assert refunds == []


@pytest.mark.parametrize("role", ["customer", "admin", None])
def test_only_producer_staff_reach_the_operator_pages(client, login_as, role):
    session = gen_session(gen_experience())
    db.session.commit()
    if role:
        login_as(role)
    for path in ("/producer/sessions", f"/producer/sessions/{session.id}", "/producer/check-in"):
        response = client.get(path)
        assert response.status_code == (404 if role else 302), path


# --- check-in -------------------------------------------------------------------------------


def check_in(client, session_id, code, attempt=None):
    page = html(client.get(f"/producer/check-in?session={session_id}"))
    token = csrf_token(client, f"/producer/check-in?session={session_id}")
    if attempt is None:
        marker = 'name="attempt" type="hidden" value="'
        attempt = page.split(marker, 1)[1].split('"', 1)[0] if marker in page else ""
    return client.post(
        "/producer/check-in",
        data={"csrf_token": token, "session_id": session_id, "code": code, "attempt": attempt},
    )


@pytest.fixture
def gate(staff, tour):
    _experience, session = tour
    booking = gen_booking(session, {"adult": 2, "child": 1}, lead_name="Trần Thị Bình")
    db.session.commit()
    return session, booking


def test_check_in_valid_then_twice_shows_the_time_of_the_first(client, gate):
    session, booking = gate
    code = booking.ticket.code
    with time_machine.travel(datetime(2026, 12, 5, 0, 12, tzinfo=UTC), tick=False):  # 07:12
        ok = check_in(client, session.id, code.lower())
        assert ok.status_code == 200
        assert "Checked in: Trần Thị Bình, 2 adults + 1 child" in html(ok)
    assert fresh(Booking, booking.id).status == BookingStatus.CHECKED_IN
    with time_machine.travel(datetime(2026, 12, 5, 0, 30, tzinfo=UTC), tick=False):
        twice = check_in(client, session.id, code)
    assert twice.status_code == 409
    assert "Already checked in at 07:12" in html(twice)


def test_check_in_sends_the_send_home_e_mail_once(client, gate, outbox):
    from tests.factories import gen_product

    session, booking = gate
    gen_product(producer=session.experience.producer, name_vi="Chè xanh Bản Ven", stock=5)
    db.session.commit()
    code = booking.ticket.code
    with time_machine.travel(datetime(2026, 12, 5, 0, 12, tzinfo=UTC), tick=False):
        check_in(client, session.id, code)
        check_in(client, session.id, code)  # refused: already checked in, nothing sent
    sent = [m for m in outbox() if "Send home" in m["Subject"] or "Gửi về" in m["Subject"]]
    assert len(sent) == 1
    body = sent[0].get_body().get_content()
    assert "Chè xanh Bản Ven" in body
    assert f"/tickets/{code}" in body


def test_the_same_form_sent_twice_checks_in_once_and_says_so_twice(client, gate):
    session, booking = gate
    page = html(client.get(f"/producer/check-in?session={session.id}"))
    attempt = page.split('name="attempt" type="hidden" value="', 1)[1].split('"', 1)[0]
    first = check_in(client, session.id, booking.ticket.code, attempt=attempt)
    second = check_in(client, session.id, booking.ticket.code, attempt=attempt)
    assert first.status_code == second.status_code == 200
    assert "Checked in: Trần Thị Bình" in html(second)
    assert fresh(Booking, booking.id).status == BookingStatus.CHECKED_IN


def test_a_pasted_ticket_address_is_accepted(client, gate):
    session, booking = gate
    url = f"http://127.0.0.1:5000/tickets/{booking.ticket.code}"
    assert "Checked in: Trần Thị Bình" in html(check_in(client, session.id, url))


def test_check_in_refusals(client, staff, gate):
    _user, mine = staff
    session, booking = gate
    experience = db.session.get(ExperienceSession, session.id).experience
    later = gen_session(experience, day=date(2026, 12, 6), at=time(6, 0))
    elsewhere = gen_booking(later, {"adult": 1})
    cancelled = gen_booking(session, {"adult": 1})
    transition_booking(cancelled, BookingStatus.CANCELLED)
    old_code = booking.ticket.code
    new_code = issue_ticket(booking, NOW).code
    theirs = gen_booking(gen_session(gen_experience()), {"adult": 1})
    db.session.commit()
    cases = [
        (
            elsewhere.ticket.code,
            "Wrong session",
            "This ticket is for the session of Sunday 6 December 2026 at 06:00.",
        ),
        (cancelled.tickets[0].code, "Cancelled ticket", "This booking was cancelled."),
        (old_code, "Replaced ticket", "replaced by a newer ticket"),
        (theirs.ticket.code, "Not your ticket", "another operator"),
        ("ZZZZZ22222", "Unknown code", "No ticket has this code."),
    ]
    for code, title, detail in cases:
        response = check_in(client, session.id, code)
        body = html(response)
        assert response.status_code == 409, code
        assert title in body, code
        assert detail in body, code
        assert 'data-outcome="refused"' in body
    ok = check_in(client, session.id, new_code)
    assert "Checked in: Trần Thị Bình" in html(ok)
    assert fresh(Booking, elsewhere.id).status == BookingStatus.CONFIRMED
    assert fresh(Booking, theirs.id).status == BookingStatus.CONFIRMED


def test_check_in_defaults_to_todays_session(client, staff):
    _user, mine = staff
    experience = gen_experience(producer=mine)
    gen_session(experience, day=date(2026, 11, 27), at=time(6))
    today = gen_session(experience, day=date(2026, 11, 28), at=time(8))
    gen_session(experience, day=date(2026, 11, 30), at=time(6))
    db.session.commit()
    body = html(client.get("/producer/check-in"))
    assert f'<option selected value="{today.id}">' in body
    assert 'src="/static/js/check-in.js' in body
    assert "<script>" not in body


def test_cancelling_a_session_refunds_paid_bookings_in_full_and_emails_each_in_its_language(
    client, staff, outbox
):
    """End to end with the real refund flow: bookings placed and paid through checkout's
    services, then the session cancelled from the portal."""
    from shop.orders.models import Order
    from shop.payments.models import Refund
    from shop.payments.services import payment_succeeded
    from shop.tourism.models import Ticket
    from tests.factories import gen_booking_order, gen_contact
    from tests.factories import gen_experience as lead_experience
    from tests.factories import gen_session as lead_session
    from tests.factories import unit as lead_unit
    from tests.payments.attempts import start_attempt

    _user, mine = staff
    experience = lead_experience(producer=mine, name_vi="Bản Ven", name_en="Ban Ven day")
    session = lead_session(experience, starts_at=datetime(2026, 12, 11, 23, 0, tzinfo=UTC))
    orders = []
    for locale in ("en", "vi"):
        contact = gen_contact(
            province=None,
            commune=None,
            street=None,
            province_code=0,
            commune_code=0,
            locale=locale,
            email=f"{locale}@example.com",
        )
        order = gen_booking_order(
            [(session, lead_unit(experience, "adult"), 2)], contact=contact, now=NOW
        )
        payment = start_attempt(order)
        payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
        orders.append(order)
    db.session.commit()
    assert fresh(ExperienceSession, session.id).seats_taken == 4
    outbox_before = len(outbox())

    response = post(
        client,
        f"/producer/sessions/{session.id}/cancel",
        {"cancel-reason": "Mưa lớn / heavy rain"},
        follow_redirects=True,
    )
    assert "2 bookings cancelled and 1.200.000" in html(response)
    db.session.expire_all()
    assert db.session.get(ExperienceSession, session.id).seats_taken == 0
    for order in orders:
        assert db.session.get(Order, order.id).refunded_vnd == 600_000
    assert {r.status for r in db.session.scalars(select(Refund))} == {"succeeded"}
    assert set(db.session.scalars(select(Ticket.status))) == {"void"}
    mails = outbox()[outbox_before:]
    to: dict[str, str] = {}
    for mail in mails:
        to[str(mail["To"])] = to.get(str(mail["To"]), "") + mail.get_body(("plain",)).get_content()
    assert "Mưa lớn / heavy rain" in to["en@example.com"]
    assert "Mưa lớn / heavy rain" in to["vi@example.com"]
    assert to["en@example.com"].startswith("Hello")
    assert "cancelled" in to["en@example.com"]
    assert to["vi@example.com"].startswith("Chào")  # in the booking's language


def test_a_bookings_only_order_offers_no_shipping_to_its_operator(client, gate):
    _session, booking = gate
    page = html(client.get(f"/producer/orders/{booking.producer_order_id}?lang=en"))
    assert "Bookings only: nothing to send" in page
    assert "Mark shipped" not in page
    assert "Address" not in page
