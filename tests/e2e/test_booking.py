"""An English-speaking tourist books 2 adults + 1 child on a Bản Ven session, pays with the demo
provider, opens the ticket and its PDF; the operator, on a phone, checks that ticket in, and a
second check-in is refused with the time of the first."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.tourism.models import Experience, UnitType
from shop.tourism.rules import LOCAL_TZ, utc_from_local
from tests.factories import DEFAULT_PASSWORD, gen_session, gen_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SLUG = "ban-ven-cao-lan-eco-village-day"


@pytest.fixture(scope="module")
def trip(live_app):
    """A Bản Ven session ten days from now (real time: cut-offs are real) and a staff
    account of its operator."""
    with live_app.app_context():
        experience = db.session.scalar(select(Experience).where(Experience.slug == SLUG))
        day = (datetime.now(LOCAL_TZ) + timedelta(days=10)).date()
        session = gen_session(experience, starts_at=utc_from_local(day, time(7, 15)), capacity=30)
        units = {
            u.code: u.id
            for u in db.session.scalars(
                select(UnitType).where(UnitType.experience_id == experience.id)
            )
        }
        producer = db.session.scalar(select(Producer).where(Producer.slug == "htx-than-truong"))
        staff = gen_user(
            "producer_staff", email="gate@than-truong.example", producer_id=producer.id
        )
        db.session.commit()
        return {
            "session": session.id,
            "day": day,
            "starts_at": utc_from_local(day, time(7, 15)),
            "units": units,
            "staff": staff.email,
        }


def test_a_tourist_books_pays_gets_a_ticket_and_is_checked_in(live_app, live_server, browser, trip):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        day = trip["day"]
        page.goto(
            f"{live_server}/experiences/{SLUG}?lang=en&month={day:%Y-%m}&day={day.isoformat()}"
        )
        session_id = trip["session"]
        page.locator(f"#unit-{session_id}-{trip['units']['adult']}").fill("2")
        page.locator(f"#unit-{session_id}-{trip['units']['child']}").fill("1")
        page.locator(f"#unit-{session_id}-{trip['units']['adult']}").locator(
            "xpath=ancestor::form"
        ).get_by_role("button").click()
        page.wait_for_url(re.compile(r"/cart"))
        cart = page.locator("main").inner_text()
        assert "2 × Adult" in cart
        assert "1 × Child" in cart
        page.get_by_role("link", name="Check out").click()

        assert page.locator('select[name="province"]').count() == 0  # no address asked
        assert "free cancellation until" in page.locator("main").inner_text()
        page.get_by_label("E-mail", exact=True).fill("emma@example.com")
        page.get_by_label("Phone", exact=True).fill("+44 20 7946 0958")
        page.get_by_label("Your name").fill("Emma Clarke")
        page.get_by_label("Demo payment").check()
        page.get_by_label(re.compile("I agree to the terms")).check()
        page.get_by_role("button", name="Place order").click()

        page.get_by_role("button", name=re.compile(r"^Pay ")).click()
        page.wait_for_url(re.compile(r"/orders/OCM-"))
        main = page.locator("main").inner_text()
        assert "Paid" in main
        assert "If you cancel now you would get" in main
        ticket = page.locator(".ticket-link a")
        code = ticket.inner_text().strip()
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
        ticket.click()
        page.wait_for_url(re.compile(rf"/tickets/{code}"))
        assert page.locator(".ticket-qr svg").count() == 1
        assert "Emma Clarke" in page.locator("main").inner_text()
        pdf_url = page.get_by_role("link", name="Download PDF ticket").get_attribute("href")
        pdf = page.request.get(live_server + pdf_url)
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body()[:5] == b"%PDF-"
    finally:
        context.close()

    # The day of the visit, at the meeting point, 07:20 local.
    traveller = time_machine.travel(trip["starts_at"] + timedelta(minutes=5), tick=True)
    traveller.start()
    fixed_today = live_app.config["FIXED_TODAY"]
    live_app.config["FIXED_TODAY"] = None  # the gate's "today" is the day of the visit
    gate = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    phone = gate.new_page()
    try:
        phone.goto(live_server + "/account/login?lang=en")
        phone.get_by_label("E-mail", exact=True).fill(trip["staff"])
        phone.get_by_label("Password").fill(DEFAULT_PASSWORD)
        phone.get_by_role("button", name="Sign in").click()
        phone.goto(f"{live_server}/producer/check-in?session={trip['session']}")
        phone.get_by_label("Ticket code").fill(code)
        phone.get_by_role("button", name="Check in", exact=True).click()
        result = phone.locator(".check-in-result")
        assert result.get_attribute("data-outcome") == "ok", result.inner_text()
        assert "Checked in: Emma Clarke, 2 adults + 1 child" in result.inner_text()
        first = datetime.now(LOCAL_TZ)
        phone.get_by_label("Ticket code").fill(code)
        phone.get_by_role("button", name="Check in", exact=True).click()
        result = phone.locator(".check-in-result")
        assert result.get_attribute("data-outcome") == "refused"
        match = re.search(r"Already checked in at (\d\d:\d\d)", result.inner_text())
        assert match
        assert match.group(1) in {
            first.strftime("%H:%M"),
            (first - timedelta(minutes=1)).strftime("%H:%M"),
        }
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        gate.close()
        traveller.stop()
        live_app.config["FIXED_TODAY"] = fixed_today
