"""VietQR codes: the EMVCo merchant-presented QR payload NAPAS uses for 24/7 transfers to an
account (service ``QRIBFTTA``), its parser, and the code as inline SVG.

A payload is a string of TLV fields (two-digit id, two-digit length, value) ending in a
CRC-16/CCITT-FALSE of everything before it, ``6304`` included.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

import segno

from shop.banking.names import to_ascii

GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
PURPOSE_MAX = 25
ACCOUNT_MAX = 19
AMOUNT_MAX_DIGITS = 13

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")


class VietQRError(ValueError):
    """A value a VietQR code cannot carry, or a payload that is not a valid VietQR code."""


@dataclass(frozen=True)
class Transfer:
    """What a VietQR code asks the payer's bank to do."""

    bin: str
    account: str
    amount_vnd: int | None
    purpose: str


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection)."""
    return binascii.crc_hqx(data, 0xFFFF)


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def purpose_text(purpose: str | None) -> str:
    """A transfer note as a VietQR code carries it: Vietnamese folded to ASCII, at most 25
    characters. Refuses a note that is longer or keeps characters with no ASCII form."""
    text = to_ascii(purpose)
    if not text.isascii() or not _PRINTABLE_ASCII.fullmatch(text):
        raise VietQRError("the transfer note must be plain letters, digits and punctuation")
    if len(text) > PURPOSE_MAX:
        raise VietQRError(f"the transfer note is longer than {PURPOSE_MAX} characters")
    return text


def build_payload(*, bin: str, account: str, amount_vnd: int, purpose: str) -> str:  # noqa: A002
    """The payload of a dynamic VietQR code (with its amount) for a transfer to ``account``
    at the bank of ``bin``."""
    if not _BIN.fullmatch(bin or ""):
        raise VietQRError("a bank BIN is 6 digits")
    if not _ACCOUNT.fullmatch(account or ""):
        raise VietQRError(f"an account number is 1 to {ACCOUNT_MAX} letters or digits")
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise VietQRError("the amount is a positive whole number of đồng")
    if len(str(amount_vnd)) > AMOUNT_MAX_DIGITS:
        raise VietQRError("the amount is too large")
    note = purpose_text(purpose)
    beneficiary = _tlv("00", bin) + _tlv("01", account)
    merchant = _tlv("00", GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        _tlv("00", "01")
        + _tlv("01", "12")
        + _tlv("38", merchant)
        + _tlv("53", CURRENCY_VND)
        + _tlv("54", str(amount_vnd))
        + _tlv("58", COUNTRY)
        + (_tlv("62", _tlv("08", note)) if note else "")
        + "6304"
    )
    return body + f"{crc16(body.encode('ascii')):04X}"


def parse_tlv(text: str) -> dict[str, str]:
    """The fields of a TLV string, by id. Refuses a truncated or repeated field."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQRError(f"bad field header at {position}")
        tag, length = head[:2], int(head[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise VietQRError(f"field {tag} is cut short")
        if tag in fields:
            raise VietQRError(f"field {tag} appears twice")
        fields[tag] = value
        position += 4 + length
    return fields


def parse_payload(payload: str) -> Transfer:
    """The transfer a VietQR payload asks for; checks its CRC and its fixed fields."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError("the payload does not end in its CRC")
    if f"{crc16(payload[:-4].encode('ascii')):04X}" != payload[-4:].upper():
        raise VietQRError("the CRC does not match")
    fields = parse_tlv(payload)
    if fields.get("00") != "01" or fields.get("53") != CURRENCY_VND or fields.get("58") != COUNTRY:
        raise VietQRError("not a VietQR payload")
    merchant = parse_tlv(fields.get("38", ""))
    if merchant.get("00") != GUID:
        raise VietQRError("not a NAPAS transfer")
    beneficiary = parse_tlv(merchant.get("01", ""))
    amount = fields.get("54")
    extra = parse_tlv(fields.get("62", ""))
    return Transfer(
        bin=beneficiary.get("00", ""),
        account=beneficiary.get("01", ""),
        amount_vnd=int(amount) if amount else None,
        purpose=extra.get("08", ""),
    )


def qr_code(payload: str) -> segno.QRCode:
    # Error correction M: still reads from a phone screen with some glare.
    return segno.make_qr(payload, error="m")


def svg(payload: str, *, title: str = "") -> str:
    """The code as an inline ``<svg>`` element that scales with its container."""
    return qr_code(payload).svg_inline(
        scale=4, border=4, dark="#000", light="#fff", omitsize=True, title=title or None
    )
