"""VietQR payloads: published reference payloads reproduced byte for byte, the CRC, the
refused values, and a rendered code read back by a QR decoder."""

from __future__ import annotations

import io

import pytest

from shop.banking import vietqr
from shop.banking.vietqr import Transfer, VietQRError, build_payload, crc16, parse_payload

# Published examples (a VietQR library's test and a payment gateway's response).
REFERENCE = [
    (
        {"bin": "970415", "account": "0011001932418", "amount_vnd": 120_000,
         "purpose": "ủng hộ lũ lụt"},
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA5303704"
        "54061200005802VN62170813ung ho lu lut6304C15C",
    ),
    (
        {"bin": "970422", "account": "VQRQ00020dalq", "amount_vnd": 10_000,
         "purpose": "Thanh toan don hang"},
        "00020101021238570010A000000727012700069704220113VQRQ00020dalq0208QRIBFTTA5303704"
        "5405100005802VN62230819Thanh toan don hang630455B1",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "payload"), REFERENCE)
def test_the_builder_reproduces_published_payloads(fields, payload):
    assert build_payload(**fields) == payload
    parsed = parse_payload(payload)
    assert parsed.bin == fields["bin"]
    assert parsed.account == fields["account"]
    assert parsed.amount_vnd == fields["amount_vnd"]


def test_crc16_ccitt_false():
    assert crc16(b"123456789") == 0x29B1
    # NAPAS's specification example (dynamic QR to an account, with a bill number too).
    body = (
        "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704"
        "54061800005802VN62340107NPS68690819thanh toan don hang6304"
    )
    assert f"{crc16(body.encode()):04X}" == "2E2E"


def test_the_note_is_folded_to_ascii_and_at_most_25_characters():
    payload = build_payload(bin="970436", account="1234567890", amount_vnd=1,
                            purpose="Đặc sản Hà Giang")  # fmt: skip
    assert parse_payload(payload).purpose == "Dac san Ha Giang"
    assert len("OCOP PO000123 chi tra ky1") == 25
    build_payload(bin="970436", account="1234567890", amount_vnd=1,
                  purpose="OCOP PO000123 chi tra ky1")  # fmt: skip
    with pytest.raises(VietQRError):
        build_payload(bin="970436", account="1234567890", amount_vnd=1,
                      purpose="OCOP PO000123 chi tra ky 12")  # fmt: skip
    with pytest.raises(VietQRError):
        build_payload(bin="970436", account="1234567890", amount_vnd=1, purpose="茶 OCOP")


@pytest.mark.parametrize(
    "fields",
    [
        {"bin": "97043", "account": "1234567890", "amount_vnd": 1},
        {"bin": "970436", "account": "12345678901234567890", "amount_vnd": 1},
        {"bin": "970436", "account": "123 456", "amount_vnd": 1},
        {"bin": "970436", "account": "1234567890", "amount_vnd": 0},
        {"bin": "970436", "account": "1234567890", "amount_vnd": 1.5},
        {"bin": "970436", "account": "1234567890", "amount_vnd": 10**13},
    ],
)
def test_values_a_code_cannot_carry_are_refused(fields):
    with pytest.raises(VietQRError):
        build_payload(purpose="x", **fields)


def test_the_parser_refuses_a_changed_payload():
    payload = REFERENCE[0][1]
    with pytest.raises(VietQRError, match="CRC"):
        parse_payload(payload.replace("120000", "920000"))
    with pytest.raises(VietQRError):
        parse_payload(payload[:-10])


def test_a_rendered_code_reads_back_to_the_same_transfer():
    import zxingcpp
    from PIL import Image

    payload = build_payload(bin="970436", account="0071000888888", amount_vnd=1_250_000,
                            purpose="OCOP PO000123")  # fmt: skip
    out = io.BytesIO()
    vietqr.qr_code(payload).save(out, kind="png", scale=6)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.getvalue())))
    assert [r.text for r in results] == [payload]
    assert parse_payload(results[0].text) == Transfer(
        bin="970436", account="0071000888888", amount_vnd=1_250_000, purpose="OCOP PO000123"
    )


def test_the_svg_is_inline_and_scales():
    svg = vietqr.svg(REFERENCE[0][1], title="OCOP PO000001")
    assert svg.startswith("<svg")
    assert "viewBox" in svg
    assert "width=" not in svg.split(">", 1)[0]
