"""The office's evaluation pages: recording a round with its decision and scan, the history
kept on re-evaluation, the stars the shop shows, form errors next to their field, the scan
checks, the private scans, the authorities list, and another province's office kept out."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.catalog.models import OcopCertificate
from shop.catalog.reads import best_stars, run
from shop.evaluations.authorities import seed_authorities
from shop.evaluations.models import Evaluation, IssuingAuthority
from shop.evaluations.scans import PDF_MAX_BYTES, store_scan
from shop.extensions import db, limiter
from tests.conftest import csrf_token
from tests.evaluations.factories import PDF, authority
from tests.factories import gen_certificate, gen_experience, gen_producer, gen_product, gen_user

BAC_NINH = 24


def html(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, field: str) -> str:
    """The error text shown next to ``field`` ('' when none)."""
    match = re.search(rf'id="{field}-error">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


@pytest.fixture(autouse=True)
def _authorities(app):
    seed_authorities()  # as migration 0036 does
    db.session.commit()


@pytest.fixture
def office(client, login_as):
    return login_as("admin")


def png(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 200)).save(out, "PNG")
    return out.getvalue()


def form(**overrides) -> dict:
    """A 4★ round under the 2023 criteria recognised by Bắc Ninh's committee in 2026."""
    bac_ninh = authority("UBND tỉnh Bắc Ninh")
    return {
        "criteria_version": "2023",
        "round_name": "2026 – đợt 1",
        "level": "province",
        "evaluated_on": "2026-05-04",
        "score_a": "32",
        "score_b": "20",
        "score_c": "26",
        "decision_number": "812/QĐ-UBND",
        "decision_date": "2026-06-01",
        "authority_id": str(bac_ninh.id),
        "certificate_number": "4s-2026-015",
        **overrides,
    }


def post(client, path: str, data: dict, scan: tuple[bytes, str] | None = None):
    """Post ``data`` (and the scan) as a browser would, encoded by hand: the test client would
    spool a large body to a file nobody closes."""
    boundary = "evaluation-test-boundary"
    fields = {"csrf_token": csrf_token(client, "/account"), **data}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    if scan is not None:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="scan"; filename="{scan[1]}"'
                "\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + scan[0]
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )


def new_path(product) -> str:
    return f"/admin/evaluations/product/{product.id}/new?lang=en"


def test_recording_a_4_star_round_issues_its_certificate_with_the_scan(client, app, office):
    producer = gen_producer(province_code=BAC_NINH)
    product = gen_product(producer=producer)
    db.session.commit()
    detail = html(client.get(f"/admin/producers/{producer.id}?lang=en"))
    assert f'/admin/evaluations/product/{product.id}"' in detail
    page = html(client.get(new_path(product)))
    assert "at most 40" in page  # the maxima of each version
    assert "at most 35" in page
    assert "UBND tỉnh Bắc Ninh" in page

    response = post(client, new_path(product), form(), scan=(PDF, "quyet-dinh.pdf"))
    assert response.status_code == 302, html(response)[:3000]
    evaluation = db.session.scalar(select(Evaluation))
    assert (evaluation.total, evaluation.stars, evaluation.recorded_by_id) == (78, 4, office.id)
    certificate = db.session.scalar(select(OcopCertificate))
    assert certificate.evaluation_id == evaluation.id
    assert certificate.certificate_number == "4S-2026-015"  # as the register spells numbers
    assert (certificate.stars, certificate.score) == (4, 78)
    assert certificate.valid_until == date(2029, 6, 1)  # 36 months from the decision
    assert certificate.authority_name == "UBND tỉnh Bắc Ninh"
    assert certificate.authority == "province"
    # The scan is kept as sent, under a random name, outside the public media folder.
    assert certificate.scan_file.endswith(".pdf")
    assert "quyet" not in certificate.scan_file
    stored = Path(app.config["SCAN_DIR"]) / certificate.scan_file
    assert stored.read_bytes() == PDF
    assert not (Path(app.config["MEDIA_DIR"]) / certificate.scan_file).exists()
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert "evaluation.record" in actions

    history = html(client.get(f"/admin/evaluations/product/{product.id}?lang=en"))
    assert "4S-2026-015" in history
    assert "32 / 20 / 26" in history
    scan = client.get(f"/admin/evaluations/certificates/{certificate.id}/scan")
    assert scan.status_code == 200
    assert scan.data == PDF
    scan.close()
    assert scan.mimetype == "application/pdf"
    assert "no-store" in scan.headers["Cache-Control"]
    assert "sandbox" in scan.headers["Content-Security-Policy"]
    assert client.get(f"/media/{certificate.scan_file}").status_code == 404


def test_a_picture_scan_is_checked_and_re_encoded(client, app, office):
    product = gen_product()
    db.session.commit()
    response = post(client, new_path(product), form(), scan=(png(), "scan.png"))
    assert response.status_code == 302
    certificate = db.session.scalar(select(OcopCertificate))
    assert certificate.scan_file.endswith(".webp")
    stored = (Path(app.config["SCAN_DIR"]) / certificate.scan_file).read_bytes()
    assert stored[:4] == b"RIFF"
    assert stored[8:12] == b"WEBP"


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ((b"MZ\x90\x00" + b"\x00" * 500, "scan.pdf"), "Choose a PDF, or a JPEG, PNG or WebP"),
        ((b"", "scan.pdf"), "This file is empty"),
        ((b"%PDF-1.4\n" + b"0" * PDF_MAX_BYTES, "big.pdf"), "This scan is too large"),
        ((b"<svg xmlns='http://www.w3.org/2000/svg'/>", "scan.svg"), "Choose a PDF"),
        ((png((20, 20)), "tiny.png"), "too small to read"),
    ],
    ids=["renamed exe", "empty", "over 10 MB", "svg", "tiny picture"],
)
def test_a_bad_scan_is_refused_next_to_the_field(client, app, office, scan, message):
    product = gen_product()
    db.session.commit()
    response = post(client, new_path(product), form(), scan=scan)
    assert response.status_code == 400
    page = html(response)
    assert message in field_error(page, "scan")
    assert 'value="812/QĐ-UBND"' in page  # what was typed is kept
    assert db.session.scalar(select(Evaluation)) is None
    assert db.session.scalar(select(OcopCertificate)) is None


def test_re_evaluation_supersedes_and_the_newest_valid_certificate_wins(client, office):
    product = gen_product()
    old = gen_certificate(product, score=92, decision_date=date(2025, 1, 10))  # 5★ in force
    db.session.commit()

    def shown_stars():
        best = best_stars(date(2026, 7, 1))
        return run(select(best.c.stars).where(best.c.product_id == product.id)).scalars().all()

    assert shown_stars() == [5]
    response = post(client, new_path(product), form(score_a="25", score_b="15", score_c="15"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OcopCertificate, old.id).status == "superseded"
    new = db.session.scalar(select(OcopCertificate).where(OcopCertificate.id != old.id))
    assert (new.status, new.stars) == ("active", 3)
    # One rating, the new one: the superseded 5★ neither counts nor doubles the product.
    assert shown_stars() == [3]
    history = html(client.get(f"/admin/evaluations/product/{product.id}?lang=en"))
    assert old.certificate_number in history
    assert "Superseded by a later decision" in history
    verdict = html(client.get(f"/verify/{old.certificate_number}?lang=en"))
    assert "Superseded" in verdict

    # A second re-evaluation keeps every round and certificate as history.
    again = form(certificate_number="4S-2027-001", decision_date="2027-06-01",
                 evaluated_on="2027-05-02")  # fmt: skip
    assert post(client, new_path(product), again).status_code == 302
    assert len(db.session.scalars(select(Evaluation)).all()) == 2
    statuses = db.session.scalars(select(OcopCertificate.status).order_by(OcopCertificate.id))
    assert list(statuses) == ["superseded", "superseded", "active"]


def test_under_3_stars_only_the_evaluation_is_recorded(client, office):
    product = gen_product()
    kept = gen_certificate(product, score=75, decision_date=date(2025, 1, 10))
    db.session.commit()
    data = form(score_a="20", score_b="10", score_c="15", decision_number="",
                decision_date="", authority_id="", certificate_number="")  # fmt: skip
    response = post(client, new_path(product), data)
    assert response.status_code == 302
    evaluation = db.session.scalar(select(Evaluation))
    assert (evaluation.total, evaluation.stars) == (45, 2)
    assert db.session.scalars(select(OcopCertificate.id)).all() == [kept.id]
    assert db.session.get(OcopCertificate, kept.id).status == "active"


def test_an_experience_is_evaluated_the_same_way(client, office):
    experience = gen_experience()
    db.session.commit()
    path = f"/admin/evaluations/experience/{experience.id}/new?lang=en"
    assert client.get(path).status_code == 200
    assert post(client, path, form()).status_code == 302
    certificate = db.session.scalar(select(OcopCertificate))
    assert (certificate.experience_id, certificate.product_id) == (experience.id, None)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"criteria_version": "2019", "score_a": "36"}, "score_a",
         "At most 35 points for this part under the 2019 criteria."),
        ({"score_c": "36"}, "score_c", "At most 35 points for this part under the 2023"),
        ({"score_b": "²"}, "score_b", "Enter the points as a whole number"),
        ({"score_b": "99999999999999999999"}, "score_b", "Enter the points as a whole number"),
        ({"score_a": ""}, "score_a", "Enter the points of this part."),
        ({"certificate_number": ""}, "certificate_number", "From 3★ the certificate is needed"),
        ({"decision_date": ""}, "decision_date", "From 3★ the decision is needed: its date."),
        ({"authority_id": ""}, "authority_id", "From 3★ the decision is needed: who issued it."),
        ({"authority_id": "99999999999999999999"}, "authority_id", "Choose an authority"),
        ({"decision_date": "2024-06-01", "evaluated_on": "2024-05-01"}, "authority_id",
         "did not sign decisions on the decision date"),
        ({"decision_date": "2026-04-01"}, "decision_date", "cannot be dated before"),
        ({"certificate_number": "4S<script>"}, "certificate_number", "Letters and digits"),
        ({"score_a": "40", "score_b": "25", "score_c": "30"}, "level",
         "5★ is recognised only after the national evaluation"),
        ({"score_a": "40", "score_b": "25", "score_c": "30", "level": "national"},
         "authority_id", "choose a national authority"),
        ({"authority_id": "{district}", "decision_date": "2024-06-01",
          "evaluated_on": "2024-05-01"}, "authority_id", "recognised 3★ only"),
        ({"round_name": "đợt " * 11}, "round_name", "At most 40 characters."),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)  # fmt: skip
def test_bad_input_is_refused_next_to_its_field(client, office, overrides, field, message):
    product = gen_product()
    db.session.commit()
    district = str(authority("UBND huyện Lục Ngạn").id)
    overrides = {key: value.replace("{district}", district) for key, value in overrides.items()}
    response = post(client, new_path(product), form(**overrides))
    assert response.status_code == 400
    page = html(response)
    shown = field_error(page, field)
    assert message in shown, (field, shown)
    assert 'value="2026 – đợt 1"' in page or field == "round_name"  # what was typed is kept
    assert db.session.scalar(select(Evaluation)) is None
    assert db.session.scalar(select(OcopCertificate)) is None


def test_the_computed_total_and_stars_are_shown_when_the_decision_is_refused(client, office):
    product = gen_product()
    gen_certificate(product, decision_date=date(2025, 1, 1), certificate_number="4S-2026-015")
    db.session.commit()
    response = post(client, new_path(product), form())
    assert response.status_code == 400
    page = html(response)
    assert "already in the register" in field_error(page, "certificate_number")
    assert "Computed: 78/100 points" in page
    assert "4 stars" in page


def test_a_5_star_national_round_names_the_ministry_valid_on_its_date(client, office):
    product = gen_product()
    db.session.commit()
    ministry = authority("Bộ Nông nghiệp và Môi trường")
    data = form(score_a="38", score_b="25", score_c="30", level="national",
                authority_id=str(ministry.id))  # fmt: skip
    assert post(client, new_path(product), data).status_code == 302
    certificate = db.session.scalar(select(OcopCertificate))
    assert (certificate.stars, certificate.authority) == (5, "ministry")


def test_a_double_post_issues_one_certificate(client, office):
    product = gen_product()
    db.session.commit()
    assert post(client, new_path(product), form()).status_code == 302
    second = post(client, new_path(product), form())
    assert second.status_code == 400
    assert "already in the register" in field_error(html(second), "certificate_number")
    assert len(db.session.scalars(select(OcopCertificate)).all()) == 1


def test_hostile_paths_answer_404(client, office):
    product = gen_product()
    db.session.commit()
    for path in (
        "/admin/evaluations/product/99999999999999999999",
        "/admin/evaluations/lot/1",
        f"/admin/evaluations/product/{product.id + 1000}/new",
        "/admin/evaluations/certificates/99999999999999999999/scan",
        "/admin/authorities/99999999999999999999",
    ):
        assert client.get(path).status_code == 404, path


def test_a_certificate_without_a_scan_has_none_to_download(client, office):
    certificate = gen_certificate(gen_product(), decision_date=date(2025, 1, 1))
    certificate.scan_file = "../../etc/passwd"
    db.session.commit()
    assert client.get(f"/admin/evaluations/certificates/{certificate.id}/scan").status_code == 404


# --- the office of a province ---------------------------------------------------------------


def test_an_office_sees_its_province_and_not_another(client, app, login_as):
    own = gen_product(producer=gen_producer(province_code=BAC_NINH))
    other = gen_product(producer=gen_producer(province_code=1))
    other_cert = gen_certificate(other, decision_date=date(2025, 1, 1))
    other_cert.scan_file = "x.pdf"
    db.session.commit()
    login_as("ocop_office", province_code=BAC_NINH)
    assert client.get(f"/admin/evaluations/product/{own.id}").status_code == 200
    assert post(client, new_path(own), form()).status_code == 302
    for path in (
        f"/admin/evaluations/product/{other.id}",
        f"/admin/evaluations/product/{other.id}/new",
        f"/admin/evaluations/certificates/{other_cert.id}/scan",
    ):
        assert client.get(path).status_code == 404, path
    refused = post(client, new_path(other), form(certificate_number="4S-2026-999"))
    assert refused.status_code == 404
    assert (
        db.session.scalar(
            select(OcopCertificate).where(OcopCertificate.certificate_number == "4S-2026-999")
        )
        is None
    )


def test_a_customer_and_producer_staff_get_404(client, login_as):
    product = gen_product()
    db.session.commit()
    for role in ("customer", "producer_staff"):
        limiter.reset()
        client.get("/account/logout")
        login_as(role)
        assert client.get(f"/admin/evaluations/product/{product.id}").status_code == 404
        assert client.get("/admin/authorities").status_code == 404


# --- the authorities ------------------------------------------------------------------------


def test_the_office_keeps_its_authorities(client, login_as):
    ministry = authority("Bộ Nông nghiệp và Môi trường")
    elsewhere = IssuingAuthority(name_vi="UBND tỉnh Lào Cai", name_en="Lào Cai", level="province",
                                 province_code=15, valid_from=date(2018, 1, 1))  # fmt: skip
    db.session.add(elsewhere)
    db.session.commit()
    login_as("ocop_office", province_code=BAC_NINH)
    page = html(client.get("/admin/authorities?lang=en"))
    assert 'name="province"' not in page  # its own province, always
    assert "Ministry of Agriculture and Environment" in page  # national: seen, not edited
    assert "People&#39;s Committee of Bắc Ninh province" in page
    assert "Lào Cai" not in page
    assert client.get(f"/admin/authorities/{ministry.id}").status_code == 404
    assert client.get(f"/admin/authorities/{elsewhere.id}").status_code == 404

    added = post(client, "/admin/authorities", {
        "name_vi": "UBND tỉnh Bắc Ninh (tạm)", "name_en": "Interim", "level": "province",
        "valid_from": "2026-01-01", "valid_to": "",
    })  # fmt: skip
    assert added.status_code == 302
    row = db.session.scalar(select(IssuingAuthority).where(IssuingAuthority.name_en == "Interim"))
    assert row.province_code == BAC_NINH
    edited = post(client, f"/admin/authorities/{row.id}", {
        "name_vi": row.name_vi, "name_en": "Interim", "level": "province",
        "valid_from": "2026-01-01", "valid_to": "2026-12-31",
    })  # fmt: skip
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(IssuingAuthority, row.id).valid_to == date(2026, 12, 31)
    assert {"authority.add", "authority.edit"} <= set(db.session.scalars(select(AuditLog.action)))

    backwards = post(client, f"/admin/authorities/{row.id}?lang=en", {
        "name_vi": row.name_vi, "name_en": "Interim", "level": "province",
        "valid_from": "2026-01-01", "valid_to": "2025-12-31",
    })  # fmt: skip
    assert backwards.status_code == 400
    assert "cannot be before the first" in field_error(html(backwards), "valid_to")
    national = post(client, "/admin/authorities?lang=en", {
        "name_vi": "Bộ mới", "name_en": "New ministry", "level": "national",
        "valid_from": "2026-01-01",
    })  # fmt: skip
    assert national.status_code == 400
    assert "Only an admin" in field_error(html(national), "level")
    taken = post(client, "/admin/authorities?lang=en", {
        "name_vi": "UBND tỉnh Bắc Ninh", "name_en": "Again", "level": "province",
        "valid_from": "2026-01-01",
    })  # fmt: skip
    assert taken.status_code == 400
    assert "in the list already" in field_error(html(taken), "name_vi")


def test_an_admin_adds_a_national_authority(client, office):
    response = post(client, "/admin/authorities", {
        "name_vi": "Bộ Thử", "name_en": "Test ministry", "level": "national",
        "valid_from": "2026-01-01",
    })  # fmt: skip
    assert response.status_code == 302
    row = db.session.scalar(select(IssuingAuthority).where(IssuingAuthority.name_vi == "Bộ Thử"))
    assert (row.level, row.province_code) == ("national", None)
    assert gen_user  # the factory module is shared with the matrix


def test_the_producers_staff_open_their_own_scans_only(client, login_as):
    producer = gen_producer()
    product = gen_product(producer=producer)
    certificate = gen_certificate(product, decision_date=date(2025, 1, 10))
    certificate.scan_file = store_scan(PDF, current_app.config["SCAN_DIR"])
    db.session.commit()
    login_as("producer_staff", producer_id=producer.id)
    page = html(client.get(f"/producer/products/{product.id}?lang=en"))
    assert f"/producer/certificates/{certificate.id}/scan" in page
    own = client.get(f"/producer/certificates/{certificate.id}/scan")
    assert own.status_code == 200
    assert own.data == PDF
    limiter.reset()
    client.get("/account/logout")
    login_as("producer_staff")  # another producer's
    assert client.get(f"/producer/certificates/{certificate.id}/scan").status_code == 404


def test_a_district_committee_recognises_3_stars_between_2023_and_2025(client, office):
    product = gen_product()
    db.session.commit()
    district = authority("UBND huyện Lục Ngạn")
    data = form(score_a="30", score_b="15", score_c="15", authority_id=str(district.id),
                decision_date="2024-06-01", evaluated_on="2024-05-01")  # fmt: skip
    assert post(client, new_path(product), data).status_code == 302
    certificate = db.session.scalar(select(OcopCertificate))
    assert (certificate.stars, certificate.authority) == (3, "district")
    assert certificate.authority_id == district.id


def test_an_admin_names_the_province_of_a_local_authority(client, office):
    data = {"name_vi": "UBND tỉnh Thử", "name_en": "Test committee", "level": "province",
            "valid_from": "2026-01-01"}  # fmt: skip
    page = html(client.get("/admin/authorities?lang=en"))
    assert 'name="province"' in page  # offices do not choose: theirs is implied
    refused = post(client, "/admin/authorities?lang=en", data)
    assert refused.status_code == 400
    assert "Choose the province" in field_error(html(refused), "province")
    assert post(client, "/admin/authorities", data | {"province": "²4"}).status_code == 400
    assert post(client, "/admin/authorities", data | {"province": "24"}).status_code == 302
    row = db.session.scalar(
        select(IssuingAuthority).where(IssuingAuthority.name_vi == "UBND tỉnh Thử")
    )
    assert row.province_code == BAC_NINH
