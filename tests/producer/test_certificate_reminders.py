"""Certificate expiry reminders: 90, 60 and 30 days before a certificate's last valid day (dates
in Vietnam), the smallest threshold reached and only once, to the producer's admins in their
language or to its contact address in Vietnamese, from the daily job or the command."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.models import CertificateStatus, Producer
from shop.extensions import db
from shop.jobs import remind_certificates
from shop.outbox.models import OutboxMessage
from shop.producer.reminders import REMINDER_DAYS, due_threshold, send_certificate_reminders
from shop.templating import LOCAL_TZ, local_today
from tests.conftest import run_threads
from tests.factories import gen_certificate, gen_experience, gen_producer, gen_product, gen_user

LAST_DAY = date(2027, 6, 5)  # the certificates' last valid day: "5 Jun 2027", "05/06/2027"


def local(day: date, at: time = time(0, 10)) -> datetime:
    """A moment on ``day`` in Vietnam (00:10 is when the daily job runs: 17:10 UTC)."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def days_before(days: int) -> date:
    return LAST_DAY - timedelta(days=days)


def run_job(days_left: int) -> int | None:
    """The daily job on the day ``days_left`` days before the last valid day."""
    db.session.commit()  # the job has a session of its own
    with time_machine.travel(local(days_before(days_left)), tick=False):
        return remind_certificates.call_local()


def send_certificate_reminders_now() -> int:
    """The service as the command runs it, on today's date in Vietnam by the (frozen) clock."""
    run = send_certificate_reminders(local_today())
    db.session.commit()
    return run.emails


def reminders() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like("certificate-reminder-%"))
            .order_by(OutboxMessage.id)
        )
    )


def keys() -> list[str]:
    return [message.idempotency_key for message in reminders()]


@pytest.fixture
def clock(app):
    """The frozen clock (time_machine) gives today's date, not the suite's fixed demo date."""
    app.config["FIXED_TODAY"] = None
    return app


def certified(producer=None, *, valid_until: date = LAST_DAY, **fields):
    product = gen_product(
        producer or gen_producer(), name_vi="Vải thiều sấy", name_en="Dried lychee"
    )
    certificate = gen_certificate(product, decision_date=date(2024, 6, 6), **fields)
    certificate.valid_until = valid_until
    db.session.flush()
    return certificate


def admin(producer, locale: str = "vi", **fields):
    return gen_user(
        Role.PRODUCER_STAFF, producer_id=producer.id, producer_admin=True, locale=locale, **fields
    )


def test_the_due_threshold_is_the_smallest_reached():
    assert REMINDER_DAYS == (90, 60, 30)
    cases = {91: None, 90: 90, 75: 90, 61: 90, 60: 60, 45: 60, 31: 60, 30: 30, 1: 30, 0: 30}
    assert {days: due_threshold(days) for days in cases} == cases
    assert due_threshold(-1) is None


def test_reminders_at_90_60_and_30_days_each_once(clock):
    producer = gen_producer()
    admin(producer)
    certificate = certified(producer)
    prefix = f"certificate-reminder-{certificate.id}"

    assert run_job(95) == 0
    assert run_job(91) == 0
    assert keys() == []
    assert run_job(90) == 1
    assert keys() == [f"{prefix}-90-vi"]
    assert run_job(89) == 0  # the next day: nothing more
    assert run_job(61) == 0
    assert run_job(60) == 1
    assert run_job(59) == 0
    assert run_job(30) == 1
    assert run_job(29) == 0
    assert run_job(0) == 0
    assert run_job(-1) == 0  # expired
    assert keys() == [f"{prefix}-90-vi", f"{prefix}-60-vi", f"{prefix}-30-vi"]


def test_a_job_that_skipped_days_sends_only_the_reminder_due(clock):
    producer = gen_producer()
    admin(producer)
    certificate = certified(producer)
    late = certified(producer)  # first seen by the job 20 days before its end

    assert run_job(91) == 0
    assert run_job(45) == 2  # 91 → 45 days: the 60-day reminder of each, not the 90-day one
    assert keys() == [
        f"certificate-reminder-{certificate.id}-60-vi",
        f"certificate-reminder-{late.id}-60-vi",
    ]
    assert run_job(44) == 0
    assert run_job(20) == 2  # straight to the 30-day reminders
    assert [key.rsplit("-", 2)[1] for key in keys()] == ["60", "60", "30", "30"]


def test_days_left_are_counted_in_dates_of_vietnam(clock):
    producer = gen_producer()
    admin(producer)
    certified(producer)
    db.session.commit()
    # 23:59 in Vietnam 91 days before: still 91 days left, though it is already that day in UTC
    # (16:59 UTC) and 90 days by the UTC date of the next morning's run would be wrong.
    with time_machine.travel(local(days_before(91), time(23, 59)), tick=False):
        assert send_certificate_reminders_now() == 0
    with time_machine.travel(local(days_before(90), time(0, 1)), tick=False):  # 17:01 UTC
        assert send_certificate_reminders_now() == 1
    assert len(keys()) == 1


def test_expired_revoked_replaced_and_switched_off_certificates_get_nothing(clock):
    producer = gen_producer()
    admin(producer)
    certified(producer, valid_until=days_before(61))  # a day before the run: expired
    expired = certified(producer, valid_until=days_before(61))
    expired.status = CertificateStatus.EXPIRED
    certified(producer, status=CertificateStatus.REVOKED)
    replaced = certified(producer)  # re-evaluated: a new certificate runs three more years
    new = gen_certificate(replaced.product, score=92, decision_date=days_before(70))
    off = gen_producer(active=False)  # the OCOP office switched this producer off
    admin(off)
    certified(off)
    due = certified(producer)

    assert run_job(60) == 1
    assert keys() == [f"certificate-reminder-{due.id}-60-vi"]
    assert new.valid_until > LAST_DAY


def test_two_runs_on_the_same_day_write_one_reminder(clock, runner):
    producer = gen_producer()
    admin(producer)
    certificate = certified(producer)
    db.session.commit()

    with time_machine.travel(local(days_before(90)), tick=False):
        assert remind_certificates.call_local() == 1
        assert remind_certificates.call_local() is None  # the same tick: another worker had it
        first = runner.invoke(args=["ocop", "remind-certificates"])
        second = runner.invoke(args=["ocop", "remind-certificates"])
    assert first.exit_code == 0, first.output
    assert first.output == "0 certificate reminder(s) sent in 0 e-mail(s).\n"
    assert second.output == first.output
    assert keys() == [f"certificate-reminder-{certificate.id}-90-vi"]


def test_the_command_sends_what_is_due_and_says_how_many(clock, runner):
    producer = gen_producer()
    admin(producer, locale="en")
    admin(producer, locale="vi")
    certified(producer)
    certified(producer)
    certified(gen_producer(contact_email=None))  # no admin account, no contact address
    db.session.commit()

    with time_machine.travel(local(days_before(60)), tick=False):
        result = runner.invoke(args=["ocop", "remind-certificates"])
        again = runner.invoke(args=["ocop", "remind-certificates"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2 certificate reminder(s) sent in 4 e-mail(s).",
        "1 reminder(s) due for producers with no admin account and no contact e-mail.",
    ]
    assert again.output.splitlines()[0] == "0 certificate reminder(s) sent in 0 e-mail(s)."
    assert len(keys()) == 4


def test_each_admin_gets_it_in_their_own_language(clock, outbox):
    producer = gen_producer(name="HTX Vải thiều Phượng Hoàng", contact_email="htx@example.vn")
    english = admin(producer, "en", email="lan@example.com")
    first = admin(producer, "vi", email="an@example.vn")
    second = admin(producer, "vi", email="binh@example.vn")
    gen_user(Role.PRODUCER_STAFF, producer_id=producer.id, email="staff@example.vn")  # not admin
    admin(producer, "en", email="gone@example.com", active=False)
    certificate = certified(producer, certificate_number="CN-2024-017", score=80)

    assert run_job(90) == 2
    by_language = {m.idempotency_key.rsplit("-", 1)[1]: m.payload for m in reminders()}
    assert by_language.keys() == {"vi", "en"}

    en = by_language["en"]
    assert en["to"] == english.email
    assert en["subject"] == "OCOP certificate of Dried lychee: 90 days left"
    text = en["text_body"]
    assert (
        "The OCOP 4★ certificate CN-2024-017 of the product Dried lychee "
        "(HTX Vải thiều Phượng Hoàng) expires soon." in text
    )
    assert (
        "expires soon.\nIts last valid day is 5 Jun 2027, 90 days from today.\n"
        "After that day its star badge disappears from OCOP Market.\n" in text
    )
    assert "apply for re-evaluation with the provincial OCOP office" in text
    assert "http://127.0.0.1:5000/producer/?lang=en#cert-h" in text
    assert 'href="http://127.0.0.1:5000/producer/?lang=en#cert-h"' in en["html_body"]
    assert "5 Jun 2027, 90 days from today." in en["html_body"]

    vi = by_language["vi"]
    assert vi["to"] == f"{first.email}, {second.email}"
    assert vi["subject"] == "Giấy chứng nhận OCOP của Vải thiều sấy: còn 90 ngày"
    text = vi["text_body"]
    assert (
        "Giấy chứng nhận OCOP 4★ số CN-2024-017 của sản phẩm Vải thiều sấy "
        "(HTX Vải thiều Phượng Hoàng) sắp hết hạn." in text
    )
    assert "Ngày hiệu lực cuối cùng là 05/06/2027, còn 90 ngày kể từ hôm nay." in text
    assert "đánh giá lại tại văn phòng OCOP tỉnh" in text
    assert "http://127.0.0.1:5000/producer/?lang=vi#cert-h" in text
    assert "htx@example.vn" not in {en["to"], vi["to"]}  # admins have accounts: not the contact

    # Delivered after the commit (the tests deliver at once), one e-mail per language.
    delivered = {message["To"]: message for message in outbox()}
    assert set(delivered) == {english.email, f"{first.email}, {second.email}"}
    assert delivered[english.email]["Subject"] == en["subject"]
    assert delivered[english.email]["Message-ID"].startswith(
        f"<certificate-reminder-{certificate.id}-90-en@"
    )


def test_a_producer_without_an_admin_gets_it_at_its_contact_address_in_vietnamese(clock):
    producer = gen_producer(name="HTX Bản Ven", contact_email="banven@example.vn")
    gen_user(Role.PRODUCER_STAFF, producer_id=producer.id, locale="en")  # staff, not an admin
    experience = gen_experience(producer, name_vi="Một ngày ở Bản Ven", name_en="A day in Ban Ven")
    certificate = gen_certificate(
        None, experience_id=experience.id, decision_date=date(2024, 6, 6), score=72
    )
    certificate.valid_until = LAST_DAY

    assert run_job(30) == 1
    [message] = reminders()
    assert message.idempotency_key == f"certificate-reminder-{certificate.id}-30-vi"
    payload = message.payload
    assert payload["to"] == "banven@example.vn"
    assert payload["subject"] == "Giấy chứng nhận OCOP của Một ngày ở Bản Ven: còn 30 ngày"
    assert (
        "4★ số " + certificate.certificate_number + " của trải nghiệm Một ngày ở Bản Ven"
        in (payload["text_body"])
    )
    assert (
        "Ngày hiệu lực cuối cùng là 05/06/2027, còn 30 ngày kể từ hôm nay."
        in (payload["text_body"])
    )


def test_a_certificate_recorded_on_its_last_day_says_so(clock):
    producer = gen_producer()
    admin(producer, "en")
    certified(producer)
    assert run_job(0) == 1
    [message] = reminders()
    assert message.payload["subject"] == "OCOP certificate of Dried lychee: last valid day today"
    assert "Today, 5 Jun 2027, is its last valid day." in message.payload["text_body"]


@pytest.mark.postgres
def test_two_runs_at_once_write_each_reminder_once(pg_app):
    pg_app.config["FIXED_TODAY"] = days_before(60)
    producer = gen_producer()
    admin(producer, "vi")
    admin(producer, "en")
    for _ in range(3):
        certified(producer)
    db.session.commit()

    def worker(_: int) -> int:
        with pg_app.app_context():
            try:
                run = send_certificate_reminders(days_before(60))
                db.session.commit()
                return run.emails
            finally:
                db.session.remove()

    results = run_threads(2, worker)
    assert sorted(results) == [0, 6]  # the second waited for the first's locks, then found all
    assert len(keys()) == 6


def test_the_link_opens_the_portal_page_that_shows_the_certificate(clock, client, login_as):
    with time_machine.travel(local(days_before(60), time(9, 0)), tick=False):
        user = login_as(Role.PRODUCER_STAFF, producer_admin=True, locale="en")
        certified(db.session.get(Producer, user.producer_id), certificate_number="CN-2024-017")
        assert send_certificate_reminders_now() == 1
        [message] = reminders()
        link = re.search(r"http://127\.0\.0\.1:5000(\S+)", message.payload["text_body"])[1]
        assert link == "/producer/?lang=en#cert-h"
        page = client.get(link.split("#")[0]).get_data(as_text=True)
    section = page[page.index('id="cert-h"') :]
    assert "Vải thiều sấy" in section
    assert "OCOP 4★, valid until 5 Jun 2027" in section
