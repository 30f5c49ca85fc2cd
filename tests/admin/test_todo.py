"""The office's home: each to-do number equals an independent count of what its link lists."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, text

from shop.catalog.models import OcopCertificate
from shop.extensions import db
from shop.templating import local_today
from tests.conftest import count_queries
from tests.factories import gen_certificate, gen_order, gen_producer, gen_product


def html(response) -> str:
    return response.get_data(as_text=True)


def _todo(page: str) -> dict[str, tuple[int, str]]:
    found = re.findall(
        r'<a href="([^"]+)"><span class="todo-count">(\d+)</span> <span class="todo-label">([^<]+)',
        page,
    )
    return {label: (int(count), href.replace("&amp;", "&")) for href, count, label in found}


def test_every_number_equals_its_list(client, login_as):
    today = local_today()
    for days_left in (5, 25, 45, 80, 200):  # last valid day this many days ahead
        gen_certificate(
            gen_product(), score=80,
            decision_date=today - timedelta(days=3 * 365) + timedelta(days=days_left),
        )  # fmt: skip
    revoked = gen_certificate(gen_product(), score=80,
                              decision_date=today - timedelta(days=3 * 365 - 10))  # fmt: skip
    revoked.status = "revoked"
    gen_producer(status="pending", active=False)
    flagged = gen_order([(gen_product(), 1)])
    flagged.needs_review, flagged.review_reason = True, "amount to check"
    db.session.commit()
    login_as("admin")

    page = html(client.get("/admin/?lang=en"))
    todo = _todo(page)

    def in_force_within(days: int) -> int:
        return db.session.scalar(
            select(func.count(OcopCertificate.id)).where(
                OcopCertificate.status != "revoked",
                OcopCertificate.valid_until >= today,
                OcopCertificate.valid_until <= today + timedelta(days=days),
            )
        )

    for days in (30, 60, 90):
        count, href = todo[f"Certificates expiring within {days} days"]
        assert count == in_force_within(days)
        listed = html(client.get(href))
        assert listed.count('href="/verify/') == count
    assert [todo[f"Certificates expiring within {d} days"][0] for d in (30, 60, 90)] == [2, 3, 4]
    pending = db.session.scalar(text("SELECT count(*) FROM producer WHERE status = 'pending'"))
    assert todo["Producers waiting for approval"] == (pending, "/admin/producers?status=pending")
    flagged_count = db.session.scalar(text("SELECT count(*) FROM shop_order WHERE needs_review"))
    assert todo["Orders flagged for review"] == (flagged_count, "/admin/orders/review")
    assert todo["Payouts to approve"][0] == 0
    assert todo["Quotes to price"][0] == 0


def test_the_header_leads_admins_home(client, login_as):
    login_as("admin")
    assert 'href="/admin/"' in html(client.get("/?lang=en"))
    assert client.get("/admin/certificates?within=abc").status_code == 200  # 90 days then


def test_the_certificate_list_pages_in_a_constant_number_of_queries(client, login_as):
    today = local_today()
    login_as("admin")
    for n in range(60):
        gen_certificate(
            gen_product(producer=gen_producer()), score=80,
            decision_date=today - timedelta(days=3 * 365) + timedelta(days=10 + n % 15),
        )  # fmt: skip
    db.session.commit()
    first = html(client.get("/admin/certificates?within=30&lang=en"))
    assert first.count('href="/verify/') == 50
    assert "60 certificates" in first
    assert "Page 1 of 2" in first
    second = html(client.get("/admin/certificates?within=30&page=2&lang=en"))
    assert second.count('href="/verify/') == 10
    with count_queries(db.engine) as few:
        client.get("/admin/certificates?within=30&page=2")
    with count_queries(db.engine) as many:
        client.get("/admin/certificates?within=30")
    assert len(many) == len(few)  # the products and producers in one query each, not per row
    assert client.get("/admin/certificates?within=30&page=²").status_code == 200
