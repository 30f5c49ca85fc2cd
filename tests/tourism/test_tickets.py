"""The ticket page and its PDF voucher: what they show, in the booking's language, and that
they are private (no-store, noindex, rate-limited)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from shop.extensions import db, limiter
from shop.tourism.models import BookingStatus
from shop.tourism.services import issue_ticket, transition_booking
from tests.tourism.factories import gen_booking, gen_experience, gen_session


def html(response) -> str:
    return response.get_data(as_text=True)


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def booking(app):
    experience = gen_experience(meeting_lat=21.5, meeting_lng=106.2)
    session = gen_session(experience)
    booking = gen_booking(session, {"adult": 2, "child": 1}, lead_name="Trần Thị Bình")
    db.session.commit()
    return booking


def test_ticket_page_shows_the_booking_in_its_language(client, booking):
    code = booking.ticket.code
    response = client.get(f"/tickets/{code}")
    body = html(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert '<html lang="vi">' in body
    assert "Một ngày ở Bản Ven" in body
    assert "Thứ Bảy, 05/12/2026" in body  # 06:00 local on the 5th, stored as 23:00 on the 4th
    assert "06:00" in body
    assert "Nhà văn hoá thôn Bản Ven, xã Xuân Lương" in body
    assert "2 người lớn + 1 trẻ em" in body
    assert "Trần Thị Bình" in body
    assert "Còn hiệu lực" in body
    assert code in body
    assert "<svg" in body
    assert f"http://127.0.0.1:5000/tickets/{code}" in body
    assert f"/tickets/{code}.pdf?lang=vi" in body


def test_ticket_page_in_english_for_an_english_booking_and_lang_still_works(client, app):
    session = gen_session(gen_experience())
    booking = gen_booking(session, {"adult": 1}, locale="en")
    db.session.commit()
    code = booking.ticket.code
    body = html(client.get(f"/tickets/{code}"))
    assert '<html lang="en">' in body
    assert "Saturday 5 December 2026" in body
    assert "1 adult" in body
    assert "Valid" in body
    assert "Free cancellation (full refund) until Wed 2 Dec 06:00." in body
    assert "50 % back until Fri 4 Dec 06:00." in body
    assert "No refund after that." in body
    vietnamese = html(client.get(f"/tickets/{code}?lang=vi"))
    assert '<html lang="vi">' in vietnamese
    assert "1 người lớn" in vietnamese


def test_ticket_states_checked_in_cancelled_replaced(client, booking):
    old = booking.ticket.code
    booking.ticket.checked_in_at = datetime(2026, 12, 5, 0, 12, tzinfo=UTC)  # 07:12 local
    db.session.commit()
    assert "Đã check-in lúc 07:12" in html(client.get(f"/tickets/{old}"))

    booking.ticket.checked_in_at = None
    new = issue_ticket(booking, datetime(2026, 11, 29, tzinfo=UTC)).code
    db.session.commit()
    replaced = html(client.get(f"/tickets/{old}"))
    assert "Đã được thay bằng vé mới hơn" in replaced
    assert "Còn hiệu lực" in html(client.get(f"/tickets/{new}"))

    transition_booking(booking, BookingStatus.CANCELLED)
    db.session.commit()
    assert "Đã huỷ" in html(client.get(f"/tickets/{new}"))


def test_unknown_or_malformed_codes_are_not_found_and_typing_is_forgiven(client, booking):
    code = booking.ticket.code
    assert client.get("/tickets/ABCDEFGHJK").status_code == 404
    assert client.get("/tickets/short").status_code == 404
    assert client.get(f"/tickets/{code}X").status_code == 404
    typed = f"{code[:5].lower()}-{code[5:]}"
    response = client.get(f"/tickets/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/tickets/{code}"


def test_ticket_pages_are_rate_limited(client, booking):
    limiter.reset()
    statuses = [client.get("/tickets/ABCDEFGHJK").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429
    limiter.reset()


def test_pdf_voucher_embeds_a_font_with_every_vietnamese_diacritic(client, booking):
    code = booking.ticket.code
    response = client.get(f"/tickets/{code}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response)
    for expected in (
        code,
        "Một ngày ở Bản Ven",
        "Nhà văn hoá thôn Bản Ven, xã Xuân Lương",
        "Hướng dẫn đường đi",
        "Thứ Bảy, 05/12/2026",
        "06:00",
        "2 người lớn + 1 trẻ em",
        "Trần Thị Bình",
        "Huỷ miễn phí (hoàn toàn bộ) đến",
        "Không hoàn tiền sau thời điểm đó.",
    ):
        assert expected in text, expected
    fonts = PdfReader(io.BytesIO(response.get_data())).pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert any("BeVietnamPro" in name for name in names)


def test_pdf_voucher_in_english(client, app):
    booking = gen_booking(gen_session(gen_experience()), {"adult": 2}, locale="en")
    db.session.commit()
    text = pdf_text(client.get(f"/tickets/{booking.ticket.code}.pdf"))
    assert "A day at Bản Ven" in text
    assert "Bản Ven village hall, Xuân Lương commune" in text
    assert "2 adults" in text
    assert "How to get there" in text
    assert "Saturday 5 December 2026" in text


def test_after_check_in_the_ticket_offers_to_send_home_what_was_tasted(client, booking):
    from tests.factories import gen_product

    tea = gen_product(
        producer=booking.session.experience.producer, name_vi="Chè xanh Bản Ven", stock=5
    )
    elsewhere = gen_product(name_vi="Mật ong nơi khác", stock=5)
    elsewhere.producer.commune = "Phường Khác"
    db.session.commit()
    code = booking.ticket.code
    before = html(client.get(f"/tickets/{code}?lang=en"))
    assert "Send home what you tasted" not in before  # not before the visit
    booking.ticket.checked_in_at = datetime(2026, 12, 5, 0, 12, tzinfo=UTC)
    transition_booking(booking, BookingStatus.CHECKED_IN)
    db.session.commit()
    after = html(client.get(f"/tickets/{code}?lang=en"))
    assert 'id="send-home"' in after
    assert tea.name_en in after
    assert elsewhere.name_en not in after
    assert 'action="/cart/add"' in after


def test_a_ticket_redirect_carries_only_the_language(client, booking):
    code = booking.ticket.code
    response = client.get(
        f"/tickets/{code.lower()}.pdf?_external=1&_scheme=javascript&lang=en",
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"/tickets/{code}.pdf?lang=en"
