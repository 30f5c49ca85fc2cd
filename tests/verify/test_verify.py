"""Certificate verification: a number typed as on a package answers valid (product, producer,
stars, last valid day), expired (since the day after), revoked, or unknown (404, the form
again); one address per certificate; bad input gets a message next to the field; numbers with
slashes and Vietnamese letters; linked from the certificate block, the trace page and the
footer; rate-limited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shop.catalog.models import CertificateStatus
from shop.extensions import db, limiter
from shop.templating import local_today
from shop.verify.services import EXPIRED, REVOKED, UNKNOWN, VALID, normalise_number, verify
from tests.factories import gen_certificate, gen_experience, gen_product
from tests.lots.factories import gen_lot


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def certified(app):
    """A 4★ product whose certificate (decided 200 days ago) is in force."""
    product = gen_product(name_vi="Mật ong bạc hà Trường Thọ", name_en="Truong Tho mint honey")
    certificate = gen_certificate(
        product, score=82, decision_date=local_today() - timedelta(days=200),
        certificate_number="BN-OCOP-2026/015",
    )  # fmt: skip
    db.session.commit()
    limiter.reset()
    return product, certificate


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  bn-ocop-2026/015 ", "BN-OCOP-2026/015"),
        ("bn   ocop", "BN OCOP"),
        ("qđ-05/2024", "QĐ-05/2024"),
        ("Q\u0110-05", "QĐ-05"),
        ("", ""),
        ("   ", ""),
        ("a\x00b", ""),
        ("x" * 61, ""),
    ],
)
def test_numbers_are_read_as_typed_on_a_package(typed, expected):
    assert normalise_number(typed) == expected


def test_a_valid_certificate_names_its_product_producer_stars_and_last_day(client, certified):
    product, certificate = certified
    response = client.get("/verify/BN-OCOP-2026/015?lang=en")
    assert response.status_code == 200
    page = html(response)
    assert "Valid: this OCOP certificate is in force today." in page
    assert "Truong Tho mint honey" in page
    assert f'href="/products/{product.slug}"' in page
    assert "4 stars" in page
    assert "82/100 points" in page
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert verify("bn-ocop-2026/015", local_today()).state == VALID


def test_one_address_per_certificate_and_the_form_leads_there(client, certified):
    typed = client.get("/verify/bn-ocop-2026/015?lang=en")
    assert typed.status_code == 301
    assert typed.headers["Location"].endswith("/verify/BN-OCOP-2026/015?lang=en")
    submitted = client.get("/verify", query_string={"number": "  bn-ocop-2026/015 "})
    assert submitted.status_code == 303
    assert submitted.headers["Location"].endswith("/verify/BN-OCOP-2026/015")


def test_bad_input_is_answered_next_to_the_field_keeping_what_was_typed(client, app):
    empty = client.get("/verify?number=++&lang=en")
    assert empty.status_code == 400
    assert "Enter the certificate number printed on the certificate" in html(empty)
    assert 'aria-invalid="true"' in html(empty)
    long = client.get("/verify", query_string={"number": "9" * 70, "lang": "en"})
    assert long.status_code == 400
    assert "at most 60 characters" in html(long)
    assert 'value="' + "9" * 70 + '"' in html(long)
    for path in ("/verify/%00", "/verify/a%00b", "/verify/" + "²" * 5, "/verify/" + "9" * 500):
        assert client.get(path).status_code in (400, 404), path


def test_an_unknown_number_is_a_404_with_the_form_again(client, app):
    response = client.get("/verify/NOT-A-CERT-1?lang=en")
    assert response.status_code == 404
    page = html(response)
    assert "Unknown: no OCOP certificate with the number NOT-A-CERT-1" in page
    assert 'value="NOT-A-CERT-1"' in page
    assert verify("NOT-A-CERT-1", local_today()).state == UNKNOWN


def test_expired_says_since_when_and_revoked_says_so(client, certified):
    _product, certificate = certified
    last_day = certificate.valid_until
    verdict = verify(certificate.certificate_number, last_day + timedelta(days=1))
    assert (verdict.state, verdict.expired_since) == (EXPIRED, last_day + timedelta(days=1))
    assert verify(certificate.certificate_number, last_day).state == VALID  # through its last day

    old = gen_certificate(
        gen_product(), score=75, decision_date=date(2021, 3, 1), certificate_number="OLD-2021-7"
    )
    db.session.commit()
    page = html(client.get("/verify/OLD-2021-7?lang=en"))
    assert "Expired: this certificate no longer counts since" in page
    assert old.valid_until.strftime("%Y") in page

    certificate.status = CertificateStatus.REVOKED
    db.session.commit()
    assert verify(certificate.certificate_number, local_today()).state == REVOKED
    page = html(client.get("/verify/BN-OCOP-2026/015?lang=en"))
    assert "Revoked: this certificate was withdrawn" in page


def test_an_experience_s_certificate_links_the_experience(client, app):
    from shop.catalog.models import OcopCertificate

    experience = gen_experience()
    certificate = OcopCertificate.issue(
        experience_id=experience.id, score=91, decision_date=local_today() - timedelta(days=30),
        certificate_number="QĐ-DL-05/2026", decision_number="QĐ-05", authority="province",
        authority_name="UBND tỉnh Bắc Ninh", criteria_version="2023", evaluation_round="2026",
    )  # fmt: skip
    db.session.add(certificate)
    db.session.commit()
    response = client.get("/verify", query_string={"number": "qđ-dl-05/2026", "lang": "en"})
    assert response.status_code == 303
    page = html(client.get(response.headers["Location"]))
    assert "5 stars" in page
    assert f'href="/experiences/{experience.slug}"' in page


def test_linked_from_the_certificate_block_the_trace_page_and_the_footer(client, certified):
    product, certificate = certified
    link = 'href="/verify/BN-OCOP-2026/015"'
    assert link in html(client.get(f"/products/{product.slug}?lang=en"))
    lot = gen_lot(product)
    db.session.commit()
    assert link in html(client.get(f"/trace/{lot.code}?lang=en"))
    assert 'href="/verify"' in html(client.get("/?lang=en"))
    landing = client.get("/verify?lang=vi")
    assert landing.status_code == 200
    assert "Kiểm tra chứng nhận OCOP" in html(landing)


def test_lookups_are_rate_limited(client, certified):
    limiter.reset()
    statuses = [client.get("/verify/BN-OCOP-2026/015").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    limiter.reset()
