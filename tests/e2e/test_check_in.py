"""At the gate on a phone (390 × 844): the operator signs in, types a ticket code and checks
the guests in; the same code again is refused with the time of the first check-in."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from shop.catalog.models import Producer
from shop.extensions import db
from shop.tourism.rules import LOCAL_TZ
from tests.factories import DEFAULT_PASSWORD, gen_user
from tests.tourism.factories import gen_booking, gen_experience, gen_session

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def gate(live_app):
    """An operator with a session today (local time) and one paid booking on it."""
    with live_app.app_context():
        staff = gen_user("producer_staff", email="gate@ban-ven.example")
        experience = gen_experience(
            producer=db.session.get(Producer, staff.producer_id), name_vi="Bản Ven Cao Lan"
        )
        now = datetime.now(LOCAL_TZ)
        start = max(now - timedelta(hours=1), now.replace(hour=0, minute=5))
        session = gen_session(experience, day=now.date(), at=time(start.hour, start.minute))
        booking = gen_booking(session, {"adult": 2, "child": 1}, lead_name="Trần Thị Bình")
        db.session.commit()
        return {"email": staff.email, "session": session.id, "code": booking.ticket.code}


def test_the_operator_checks_a_ticket_in_on_a_phone_and_a_second_scan_is_refused(
    live_server, browser, gate
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    phone = context.new_page()
    try:
        phone.goto(live_server + "/account/login?lang=en")
        phone.get_by_label("E-mail").fill(gate["email"])
        phone.get_by_label("Password").fill(DEFAULT_PASSWORD)
        phone.get_by_role("button", name="Sign in").click()
        phone.goto(f"{live_server}/producer/check-in?session={gate['session']}")
        code_input = phone.get_by_label("Ticket code")
        box = code_input.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
        button = phone.get_by_role("button", name="Check in", exact=True)
        assert button.bounding_box()["y"] + button.bounding_box()["height"] <= PHONE["height"]
        # Typed as people do: lower case, with a space.
        code_input.fill(gate["code"][:5].lower() + " " + gate["code"][5:])
        button.click()
        result = phone.locator(".check-in-result")
        assert result.get_attribute("data-outcome") == "ok"
        assert "Checked in: Trần Thị Bình, 2 adults + 1 child" in result.inner_text()
        first = datetime.now(LOCAL_TZ).strftime("%H:%M")

        phone.get_by_label("Ticket code").fill(gate["code"])
        phone.get_by_role("button", name="Check in", exact=True).click()
        result = phone.locator(".check-in-result")
        assert result.get_attribute("data-outcome") == "refused"
        text = result.inner_text()
        match = re.search(r"Already checked in at (\d\d:\d\d)", text)
        assert match, text
        assert match.group(1) in {
            first,
            (datetime.now(LOCAL_TZ) - timedelta(minutes=1)).strftime("%H:%M"),
        }
        # No horizontal scrolling on the phone.
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
