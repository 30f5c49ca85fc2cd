"""The public traceability page ``/trace/<code>``: what it shows in both languages, the
certificate as it stood on the harvest date, the orders count without personal data, and
that odd codes are a 404."""

from __future__ import annotations

from datetime import date

import pytest

from shop.extensions import db, limiter
from shop.lots.models import LOT_CODE_ALPHABET, LOT_CODE_LENGTH, Lot
from shop.lots.queries import CertificateState, certificate_on
from shop.lots.services import new_lot_code, normalise_lot_code
from tests.factories import gen_certificate, gen_producer, gen_product
from tests.lots.factories import gen_lot


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def lychee(app):
    producer = gen_producer(
        name="HTX Vải thiều Phượng Hoàng",
        commune="Xã Phượng Sơn",
        fresh_delivery_provinces="Hà Nội",
    )
    product = gen_product(
        producer=producer,
        name_vi="Vải thiều Lục Ngạn",
        name_en="Lục Ngạn lychee",
        shipping_class="fresh_perishable",
    )
    # In force from 2023-06-01 to 2026-06-01: valid on a 2026-05-20 harvest, expired today
    # (the tests' today is 2026-11-28).
    gen_certificate(
        product, score=82, decision_date=date(2023, 6, 1), certificate_number="OCOP-BG-0042"
    )
    db.session.commit()
    return product


def test_codes_are_eight_non_confusable_characters():
    codes = {new_lot_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == LOT_CODE_LENGTH
        assert set(code) <= set(LOT_CODE_ALPHABET)
        assert not set(code) & set("01OIL")
    assert normalise_lot_code("ab2c-3d4e") == "AB2C3D4E"
    for hostile in (
        "",
        "AB2C3D4",
        "AB2C3D4EF",
        "AB0C3D4E",
        "../etc/pa",
        "ＡＢ2Ｃ3Ｄ4Ｅ",
        "x" * 5000,
    ):
        assert normalise_lot_code(hostile) == ""


def test_certificate_on_the_harvest_date(lychee):
    (certificate,) = lychee.certificates
    on = certificate_on(lychee.certificates, date(2026, 5, 20))
    assert on.state == CertificateState.VALID
    assert on.certificate == certificate
    assert certificate_on(lychee.certificates, date(2026, 6, 2)).state == "expired"
    assert certificate_on(lychee.certificates, date(2023, 5, 31)).state == "none"
    assert certificate_on([], date(2026, 5, 20)).state == "none"
    certificate.status = "revoked"
    assert certificate_on(lychee.certificates, date(2026, 5, 20)).state == "revoked"
    certificate.status = "expired"  # the nightly job marks it; it was still in force then
    assert certificate_on(lychee.certificates, date(2026, 5, 20)).state == "valid"


def test_trace_page_in_vietnamese_certified_then_expired_now(client, lychee):
    lot = gen_lot(
        lychee,
        harvest_date=date(2026, 5, 20),
        best_before=date(2026, 5, 27),
        notes="Ghi chú nội bộ: cân lại",
    )
    db.session.commit()
    response = client.get(f"/trace/{lot.code}?lang=vi")
    body = html(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in body
    assert "Vải thiều Lục Ngạn" in body
    assert "Vải thiều Phượng Hoàng" in body
    assert "Xã Phượng Sơn" in body
    assert "Vườn ông Thân, thôn Kim Sơn" in body
    assert lot.code in body
    assert "20/05/2026" in body
    assert "27/05/2026" in body
    assert "OCOP-BG-0042" in body
    assert "Được chứng nhận OCOP 4 sao vào ngày thu hoạch" in body
    assert "Không còn giấy chứng nhận hiệu lực hôm nay" in body
    assert "Đã giao trong 0 đơn hàng" in body
    assert "Ghi chú nội bộ" not in body  # the producer's notes stay in the portal
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_trace_page_in_english_with_orders_counted_without_names(client, lychee):
    from shop.orders.models import OrderLine
    from tests.factories import gen_order

    lot = gen_lot(lychee, harvest_date=date(2026, 6, 5))
    orders = [gen_order([(lychee, 1)]) for _ in range(2)]
    for order in orders:
        for line in order.lines:
            line.lot_id = lot.id
    db.session.flush()
    assert db.session.query(OrderLine).filter_by(lot_id=lot.id).count() == 2
    db.session.commit()
    body = html(client.get(f"/trace/{lot.code}?lang=en"))
    assert '<html lang="en">' in body
    assert "Lục Ngạn lychee" in body
    assert "OCOP certificate expired on the harvest date" in body  # ran out on 1 June
    assert "Shipped in 2 orders" in body
    for order in orders:
        assert order.email not in body
        assert order.recipient_name not in body
        assert order.reference not in body


def test_an_uncertified_product_says_so(client, app):
    lot = gen_lot(gen_product(name_vi="Mật ong bạc hà"))
    db.session.commit()
    body = html(client.get(f"/trace/{lot.code}?lang=en"))
    assert "Not OCOP certified on the harvest date" in body
    assert "This product had no OCOP certificate on the harvest date." in body
    assert "Shipped in 0 orders" in body


def test_a_code_typed_in_lower_case_redirects_to_the_one_address(client, lychee):
    lot = gen_lot(lychee)
    db.session.commit()
    response = client.get(f"/trace/{lot.code.lower()}?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/trace/{lot.code}?lang=en")


@pytest.mark.parametrize(
    "code",
    [
        "ZZZZZZZZ",  # well formed, no such lot
        "AB2C3D4",
        "x" * 3000,
        "0OIL1OIL",
        "' OR 1=1 --",
        "%E2%80%AE%F0%9F%8D%92",
        "..%2F..%2Fetc",
        "ＡＢＣＤＥＦＧＨ",
    ],
)
def test_unknown_and_hostile_codes_are_not_found(client, lychee, code):
    gen_lot(lychee)
    db.session.commit()
    assert client.get(f"/trace/{code}").status_code == 404
    assert client.get("/trace/%00%00").status_code == 400  # control characters: the edge


def test_the_trace_page_is_rate_limited(client, lychee):
    lot = gen_lot(lychee)
    db.session.commit()
    limiter.reset()
    statuses = [client.get(f"/trace/{lot.code}").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    limiter.reset()


def test_the_database_refuses_a_lot_that_breaks_the_rules(app, lychee):
    from sqlalchemy.exc import IntegrityError

    for fields in (
        {"quantity": 0},
        {"best_before": date(2026, 6, 1)},  # not after the harvest
        {"code": "SHORT"},
    ):
        values = {
            "product": lychee,
            "code": new_lot_code(),
            "harvest_date": date(2026, 6, 1),
            "plot": "Thôn Kim Sơn",
            "quantity": 10,
            **fields,
        }
        db.session.add(Lot(**values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
