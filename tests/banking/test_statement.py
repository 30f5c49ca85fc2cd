"""Bank-statement CSV files: encodings, delimiters, Vietnamese and English headers, amounts,
bad rows refused with their row numbers; references found in noisy notes."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from shop.banking.statement import (
    CREDIT,
    DEBIT,
    StatementError,
    find_references,
    parse_amount,
    read_statement,
)

VIETNAMESE = (
    "SAO KÊ TÀI KHOẢN\n"
    "Số tài khoản: 0071000888888\n"
    "\n"
    "STT;Ngày giao dịch;Số tham chiếu;Ghi nợ;Ghi có;Nội dung\n"
    "1;03/12/2026 10:15:00;FT26337001;1.250.000;;CK OCOPPO000123 HTX chè\n"
    "2;03/12/2026;FT26337002;;500.000;Khách hàng chuyển tiền\n"
    ";;;;;\n"
    "Tổng cộng;;;1.250.000;500.000;\n"
)


def test_a_vietnamese_statement_in_utf8_with_a_bom():
    rows = read_statement(("\ufeff" + VIETNAMESE).encode("utf-8"))
    assert [(r.row, r.date, r.side, r.amount_vnd, r.note, r.bank_reference) for r in rows] == [
        (5, date(2026, 12, 3), DEBIT, 1_250_000, "CK OCOPPO000123 HTX chè", "FT26337001"),
        (6, date(2026, 12, 3), CREDIT, 500_000, "Khách hàng chuyển tiền", "FT26337002"),
    ]


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Text as code page 1258 writes it: letters with their vowel mark, the tone apart."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append((base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


def test_cp1258_is_read_and_normalised():
    # Code page 1258 writes tone marks as combining characters: the rows come back in NFC.
    rows = read_statement(to_cp1258(VIETNAMESE))
    assert rows[0].note == "CK OCOPPO000123 HTX chè"
    assert rows[1].note == "Khách hàng chuyển tiền"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_english_headers_with_a_signed_amount_and_any_delimiter(delimiter):
    lines = [
        ["Transaction Date", "Reference", "Amount", "Description"],
        ["2026-12-03", "REF1", "-1,250,000", "OCOP PO000123"],
        ["2026-12-04", "REF2", "300000 VND", "refund, thanks"],
    ]
    text = "\n".join(
        delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in line)
        for line in lines
    )
    rows = read_statement(text.encode())
    assert [(r.side, r.amount_vnd, r.bank_reference, r.note) for r in rows] == [
        (DEBIT, 1_250_000, "REF1", "OCOP PO000123"),
        (CREDIT, 300_000, "REF2", "refund, thanks"),
    ]


def test_money_in_and_out_columns_and_a_note_on_two_lines():
    text = (
        "Ngày,Số tiền ra,Số tiền vào,Diễn giải\n"
        '03/12/2026,"2.000.000",,"MBVCB.123.OCOP PO000123.CT tu\n0071000 toi HTX"\n'
    )
    rows = read_statement(text.encode())
    assert rows[0].side == DEBIT
    assert rows[0].amount_vnd == 2_000_000
    assert rows[0].note == "MBVCB.123.OCOP PO000123.CT tu 0071000 toi HTX"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.250.000", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1250000 VND", 1_250_000),
        ("1.250.000 đ", 1_250_000),
        ("1.250.000,00", 1_250_000),
        ("1,250,000.00", 1_250_000),
        ("-50.000", -50_000),
        ("(50.000)", -50_000),
        ("1 250 000", 1_250_000),
        ("999", 999),
    ],
)
def test_amounts(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["", "abc", "1.25", "1.250,5", "12.34.567", "1,25,000"])
def test_what_is_not_a_whole_amount(text):
    with pytest.raises(ValueError):  # noqa: PT011
        parse_amount(text)


def test_bad_rows_are_reported_and_nothing_is_imported():
    text = (
        "Date,Debit,Credit,Description\n"
        "03/12/2026,100000,,ok\n"
        "31/02/2026,100000,,no such day\n"
        "04/12/2026,abc,,not an amount\n"
        "05/12/2026,,,no amount\n"
        "06/12/2026,5,6,both sides\n"
    )
    with pytest.raises(StatementError) as error:
        read_statement(text.encode())
    assert [p.row for p in error.value.problems] == [3, 4, 5, 6]


def test_a_file_without_a_header_is_refused():
    with pytest.raises(StatementError) as error:
        read_statement(b"a,b,c\n1,2,3\n")
    assert error.value.problems[0].row == 0


@pytest.mark.parametrize(
    "note",
    [
        "CK OCOPPO000123 HTX che",
        "ocop po 000123",
        "MBVCB.123.OCOP PO000123.CT tu 0071000888888",
        "Chuyển tiền ÔCÔP PÔ000123 chè",
        "TT  OCOP   PO000123",
        "IBFT OCOP\nPO000123",
        "OCOP-PO-000123",
        "123456 OCOP PO000123 999999",
    ],
)
def test_the_reference_is_found_in_noisy_notes(note):
    assert find_references(note, "OCOP PO") == [123]


@pytest.mark.parametrize(
    "note",
    [
        "OCOP PO0001234",
        "OCOP PO00012",
        "PO000123",
        "OCOP 000123",
        "COOP PO000123",
        "",
    ],
)
def test_no_false_hits(note):
    assert 123 not in find_references(note, "OCOP PO")


def test_a_longer_number_is_its_own_reference():
    assert find_references("OCOP PO0001234", "OCOP PO") == [1234]
    assert find_references("OCOP PO000123 va OCOP PO000124", "OCOP PO") == [123, 124]
