"""Recipient lists of batch gift orders: reading CSV and XLSX files, checking every row, and the
templates to download."""

from __future__ import annotations

import csv
import io
import time
import unicodedata
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from werkzeug.datastructures import FileStorage

from shop.batches.recipients import (
    MAX_RECIPIENTS,
    GiftSet,
    Issue,
    Season,
    export_table,
    normalize_recipient_phone,
    validate_bytes,
    validate_upload,
)
from shop.spreadsheet import csv_text

TODAY = date(2026, 12, 3)

HEADER_EN = [
    "Name",
    "Phone",
    "E-mail",
    "Province/City",
    "Commune/Ward",
    "Street address",
    "Gift set",
    "Quantity",
    "Message",
    "Deliver on",
    "Note",
    "Recipient chooses the address",
]
HEADER_VI = [
    "Họ tên",
    "Điện thoại",
    "E-mail",
    "Tỉnh/Thành phố",
    "Xã/Phường",
    "Địa chỉ (số nhà, đường)",
    "Bộ quà",
    "Số lượng",
    "Lời nhắn",
    "Ngày giao",
    "Ghi chú",
    "Người nhận tự chọn địa chỉ",
]
LAN = [
    "Nguyễn Thị Lan",
    "0912345678",
    "lan@example.vn",
    "Hà Nội",
    "Phường Hoàn Kiếm",
    "12 Phố Tràng Tiền",
    "tet",
    "2",
    "Chúc mừng năm mới, an khang thịnh vượng!",
    "20/01/2027",
    "",
]
MINH = [
    "Trần Văn Minh",
    "+84 987 654 321",
    "",
    "Bắc Ninh",
    "Phường Chũ",
    "45 Đường Thân Nhân Trung",
    "Hộp quà Tết Kinh Bắc",
    "",
    "",
    "2027-01-15",
    "Gọi trước khi giao",
]

GIFT_SETS = {
    "tet": GiftSet(id=1, slug="tet", name="Hộp quà Tết Kinh Bắc", on_sale=True),
    "lychee": GiftSet(
        id=2,
        slug="lychee",
        name="Hộp vải thiều",
        on_sale=True,
        seasons=(Season(product="Vải thiều Lục Ngạn", start=515, end=731),),
    ),
    "paused": GiftSet(id=3, slug="paused", name="Hộp quà cũ", on_sale=False),
}


def lookup(text: str) -> GiftSet | None:
    wanted = text.strip().lower()
    for gift_set in GIFT_SETS.values():
        if wanted in (gift_set.slug, gift_set.name.lower()):
            return gift_set
    return None


# The five tone marks cp1258 writes as combining characters (grave, acute, tilde, hook, dot).
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """What Windows writes in its Vietnamese code page: the vowel letters it has (â, ê, ơ…) and
    the tone marks as separate combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tone = next(mark for mark in decomposed[1:] if mark in TONE_MARKS)
        letter = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
        out += letter.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def csv_bytes(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = out.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(rows, *, filename="list.csv", delimiter=",", encoding="utf-8", today=TODAY):
    data = (
        xlsx_bytes(rows)
        if filename.endswith(".xlsx")
        else csv_bytes(rows, delimiter=delimiter, encoding=encoding)
    )
    return validate_bytes(data, filename, today=today, gift_set_lookup=lookup)


def row(base=LAN, **changes):
    cells = list(base)
    for key, value in changes.items():
        cells[KEYS.index(key)] = value
    return cells


KEYS = [
    "name",
    "phone",
    "email",
    "province",
    "commune",
    "street",
    "gift_set",
    "quantity",
    "message",
    "deliver_on",
    "note",
]


# --- Reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("cp1258", ","),
        ("utf-8", ";"),
        ("utf-8", "\t"),
        ("utf-8-sig", ";"),
        ("cp1258", ";"),
        ("cp1258", "\t"),
    ],
)
@pytest.mark.parametrize("header", [HEADER_EN, HEADER_VI], ids=["en", "vi"])
def test_each_encoding_and_delimiter_reads_the_same_recipients(encoding, delimiter, header):
    reference = check([HEADER_EN, LAN, MINH])
    result = check([header, LAN, MINH], encoding=encoding, delimiter=delimiter)
    assert result.errors == []
    assert result.rows == reference.rows
    lan, minh = result.rows
    assert lan.name == "Nguyễn Thị Lan"
    assert unicodedata.is_normalized("NFC", lan.message)
    assert lan.message == LAN[8]
    assert (lan.province.name, lan.commune.name) == ("Hà Nội", "Phường Hoàn Kiếm")
    assert (minh.province.name, minh.commune.name, minh.note) == (
        "Bắc Ninh",
        "Phường Chũ",
        "Gọi trước khi giao",
    )


def test_cp1258_arrives_with_combining_marks_and_every_field_becomes_nfc():
    data = csv_bytes([HEADER_VI, LAN, MINH], encoding="cp1258")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    raw = data.decode("cp1258")
    assert not unicodedata.is_normalized("NFC", raw)  # tone marks as combining characters
    result = validate_bytes(data, "list.csv", today=TODAY, gift_set_lookup=lookup)
    utf8 = check([HEADER_VI, LAN, MINH])
    assert result.errors == []
    assert result.rows == utf8.rows
    for recipient in result.rows:
        for value in (recipient.name, recipient.street, recipient.message, recipient.note):
            assert unicodedata.is_normalized("NFC", value)


def test_a_utf8_bom_is_not_part_of_the_first_header():
    data = "\ufeff".encode() + csv_bytes([HEADER_EN, LAN])
    result = validate_bytes(data, "list.csv", today=TODAY, gift_set_lookup=lookup)
    assert result.errors == []
    assert [r.name for r in result.rows] == ["Nguyễn Thị Lan"]


def test_xlsx_reads_like_csv_and_numbers_typed_as_numbers_are_read():
    # A spreadsheet keeps a phone typed as a number without its leading 0, quantity as 2.0.
    lan = row(phone=912345678, quantity=2, deliver_on=date(2027, 1, 20))
    result = check([HEADER_VI, lan, MINH], filename="list.xlsx")
    assert result.errors == []
    assert result.rows[0].phone == "+84912345678"
    assert result.rows[0].quantity == 2
    assert result.rows[0].deliver_on == date(2027, 1, 20)
    assert result.rows == check([HEADER_VI, LAN, MINH]).rows


@pytest.mark.parametrize("filename", ["list.csv", "list.xlsx"])
def test_empty_rows_are_skipped_and_row_numbers_stay_the_spreadsheets(filename):
    blank = [""] * len(HEADER_EN)
    result = check([HEADER_EN, blank, LAN, blank, blank, row(MINH, name="")], filename=filename)
    assert result.errors == [Issue(6, "Name", "Enter the recipient's name.")]
    assert result.rows == []  # nothing accepted until the file is clean


@pytest.mark.parametrize("filename", ["list.csv", "list.xlsx"])
def test_2000_recipients_pass_and_2001_are_refused(filename):
    body = [row(name=f"Người nhận {n}", phone=f"09{n:08d}") for n in range(MAX_RECIPIENTS)]
    build = xlsx_bytes if filename.endswith(".xlsx") else csv_bytes
    data = build([HEADER_EN, *body])
    started = time.perf_counter()
    result = validate_bytes(data, filename, today=TODAY, gift_set_lookup=lookup)
    elapsed = time.perf_counter() - started
    print(f"\n{MAX_RECIPIENTS} rows ({filename}, {len(data)} bytes) checked in {elapsed:.2f} s")
    assert result.errors == []
    assert len(result.rows) == MAX_RECIPIENTS

    refused = check([HEADER_EN, *body, row(name="Một người nữa")], filename=filename)
    assert refused.rows == []
    assert len(refused.errors) == 1
    assert "more than 2000 recipients" in refused.errors[0].message


def test_a_sheet_with_thousands_of_empty_rows_is_refused():
    data = xlsx_bytes([HEADER_EN, LAN, *([[None, " "]] * 20_001)])
    result = validate_bytes(data, "a.xlsx", today=TODAY, gift_set_lookup=lookup)
    assert len(result.errors) == 1
    assert "20000 rows" in result.errors[0].message


def test_messages_follow_the_readers_language(app):
    with app.test_request_context("/?lang=vi"):
        result = check([HEADER_VI, row(MINH, phone="123", province="Hà Nội")])
    assert [(e.row, e.column) for e in result.errors] == [(2, "Điện thoại"), (2, "Xã/Phường")]
    assert "không phải số điện thoại Việt Nam" in result.errors[0].message
    assert result.errors[1].message == "Phường Chũ thuộc Bắc Ninh, không thuộc Hà Nội."
    with app.test_request_context("/?lang=vi"):
        missing = check([HEADER_VI[1:], MINH[1:]])
    assert missing.errors[0].message == "Thiếu cột “Họ tên”."


@pytest.mark.parametrize(
    ("header", "column", "words"),
    [
        ([*HEADER_EN[:3], "Tinh thanh pho cu", *HEADER_EN[4:]], "Tinh thanh pho cu", "Unknown"),
        ([h for h in HEADER_EN if h != "Phone"], "Phone", "missing"),
        ([h for h in HEADER_VI if h != "Xã/Phường"], "Commune/Ward", "missing"),
        ([*HEADER_EN, "Name"], "Name", "twice"),
    ],
)
def test_a_wrong_or_missing_column_is_one_error_naming_it(header, column, words):
    result = check([header, LAN[: len(header)]])
    assert result.rows == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (1, column)
    assert column in error.message
    assert words in error.message


@pytest.mark.parametrize(
    "data",
    [b"", b"\r\n\r\n", csv_bytes([[""] * 3, [""] * 3])],
    ids=["empty", "blank lines", "empty cells"],
)
def test_a_file_without_a_header_is_refused(data):
    result = validate_bytes(data, "list.csv", today=TODAY, gift_set_lookup=lookup)
    assert result.rows == []
    assert len(result.errors) == 1
    assert result.errors[0].row == 1


def test_a_file_with_no_header_row_names_the_first_unknown_column():
    result = check([LAN, MINH])
    assert len(result.errors) == 1
    assert result.errors[0].column == "Nguyễn Thị Lan"


def test_a_row_number_column_and_trailing_empty_columns_are_ignored():
    result = check([["STT", *HEADER_EN, ""], ["1", *LAN, ""], ["2", *MINH, ""]], filename="a.xlsx")
    assert result.errors == []
    assert [r.row for r in result.rows] == [2, 3]


def test_a_file_too_large_or_not_a_spreadsheet_is_refused():
    too_big = csv_bytes([HEADER_EN]) + b"x" * (2 * 1024 * 1024)
    assert (
        "MB"
        in validate_bytes(too_big, "a.csv", today=TODAY, gift_set_lookup=lookup).errors[0].message
    )
    broken = validate_bytes(b"PK\x03\x04broken", "a.xlsx", today=TODAY, gift_set_lookup=lookup)
    assert len(broken.errors) == 1
    assert "xlsx" in broken.errors[0].message


def test_validate_upload_takes_the_upload_forms_file():
    upload = FileStorage(io.BytesIO(xlsx_bytes([HEADER_EN, LAN])), filename="Danh sách.xlsx")
    result = validate_upload(upload, today=TODAY, gift_set_lookup=lookup)
    assert result.ok
    assert result.rows[0].email == "lan@example.vn"


# --- Checking the rows -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "normalized"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("0084 912 345 678", "+84912345678"),
        ("912345678", "+84912345678"),
        ("024 3825 1234", "+842438251234"),
        ("+44 20 7946 0958", None),  # not a Vietnamese number
        ("12345", None),
        ("0912 345 67x", None),
        ("０９１２３４５６７８", None),  # full-width digits
        ("=0912345678", None),
    ],
)
def test_phones_are_normalised_to_plus_84_or_refused(phone, normalized):
    assert normalize_recipient_phone(phone) == normalized
    result = check([HEADER_EN, row(phone=phone)])
    if normalized:
        assert result.errors == []
        assert result.rows[0].phone == normalized
    else:
        assert [(e.row, e.column) for e in result.errors] == [(2, "Phone")]
        assert phone in result.errors[0].message


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"name": ""}, "Name", "name"),
        ({"name": "A" * 121}, "Name", "120"),
        ({"phone": ""}, "Phone", "phone"),
        ({"email": "lan@"}, "E-mail", "lan@"),
        ({"province": ""}, "Province/City", "province"),
        ({"province": "Sài Gòn xưa"}, "Province/City", "Sài Gòn xưa"),
        ({"commune": ""}, "Commune/Ward", "commune"),
        ({"commune": "Phường Không Có"}, "Commune/Ward", "Phường Không Có"),
        ({"street": ""}, "Street address", "street"),
        ({"gift_set": ""}, "Gift set", "gift set"),
        ({"gift_set": "unknown-set"}, "Gift set", "unknown-set"),
        ({"gift_set": "paused"}, "Gift set", "not on sale"),
        ({"quantity": "0"}, "Quantity", "1 to 50"),
        ({"quantity": "51"}, "Quantity", "1 to 50"),
        ({"quantity": "-1"}, "Quantity", "digits"),
        ({"quantity": "2.5"}, "Quantity", "digits"),
        ({"quantity": "²"}, "Quantity", "digits"),
        ({"quantity": "٣"}, "Quantity", "digits"),
        ({"quantity": "３"}, "Quantity", "digits"),
        ({"deliver_on": "31/02/2027"}, "Deliver on", "31/02/2027"),
        ({"deliver_on": "mai"}, "Deliver on", "mai"),
        ({"deliver_on": "02/12/2026"}, "Deliver on", "passed"),
        ({"deliver_on": "2026-12-02"}, "Deliver on", "passed"),
        ({"message": "Chúc\x1bmừng"}, "Message", "control"),
    ],
)
def test_each_bad_cell_is_an_error_with_its_row_and_column(changes, column, words):
    result = check([HEADER_EN, MINH, row(**changes)])
    assert result.rows == []
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert words.lower() in result.errors[0].message.lower()


@pytest.mark.parametrize(
    ("changes", "read", "expected"),
    [
        ({"quantity": ""}, lambda r: r.quantity, 1),
        ({"quantity": "50"}, lambda r: r.quantity, 50),
        ({"deliver_on": ""}, lambda r: r.deliver_on, None),
        ({"deliver_on": "03/12/2026"}, lambda r: r.deliver_on, TODAY),  # today is fine
        ({"deliver_on": "3/1/2027"}, lambda r: r.deliver_on, date(2027, 1, 3)),
        ({"email": "Lan@Example.VN"}, lambda r: r.email, "Lan@example.vn"),
        (
            {"province": "ha noi", "commune": "hoan kiem"},
            lambda r: r.commune.name,
            "Phường Hoàn Kiếm",
        ),
        ({"province": "Thành phố Hà Nội"}, lambda r: r.province.name, "Hà Nội"),
        ({"gift_set": "HỘP QUÀ TẾT KINH BẮC"}, lambda r: r.gift_set.slug, "tet"),
    ],
)
def test_accepted_values_are_read_as_meant(changes, read, expected):
    result = check([HEADER_EN, row(**changes)])
    assert result.errors == []
    assert read(result.rows[0]) == expected


def test_every_error_of_every_row_is_reported():
    result = check(
        [
            HEADER_EN,
            row(phone="123", quantity="٣"),
            LAN,
            row(MINH, email="x@", commune="Phường Hoàn Kiếm"),
        ]
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Phone"),
        (2, "Quantity"),
        (4, "E-mail"),
        (4, "Commune/Ward"),
    ]
    assert result.rows == []


def test_a_commune_of_another_province_names_both():
    result = check([HEADER_VI, row(province="Hà Nội", commune="Phường Chũ")])
    [error] = result.errors
    assert (error.row, error.column) == (2, "Xã/Phường")
    assert "Phường Chũ" in error.message
    assert "Bắc Ninh" in error.message
    assert "Hà Nội" in error.message


@pytest.mark.parametrize(
    ("province", "commune", "column", "suggestion"),
    [
        ("Bắc Ninh", "Huyện Tân Yên", "Commune/Ward", "Xã Tân Yên"),
        ("Bắc Ninh", "Thị xã Chũ", "Commune/Ward", "Phường Chũ"),
        ("Bắc Ninh", "Xã Lục Ngạn, Huyện Lục Ngạn", "Commune/Ward", "Xã Lục Ngạn"),
        ("Bắc Giang", "Xã Tân Yên", "Province/City", "Bắc Ninh"),
        ("Tỉnh Hải Dương", "Phường Chũ", "Province/City", "Hải Phòng"),
    ],
)
def test_a_legacy_address_is_refused_with_its_two_level_suggestion(
    province, commune, column, suggestion
):
    result = check([HEADER_EN, row(MINH, province=province, commune=commune)])
    assert result.rows == []
    assert (result.errors[0].row, result.errors[0].column) == (2, column)
    assert suggestion in result.errors[0].message


def test_a_district_column_is_a_warning_pointing_at_the_commune():
    header = [*HEADER_VI[:4], "Quận/Huyện", *HEADER_VI[4:]]
    lan = [*MINH[:4], "Huyện Lục Ngạn", *MINH[4:]]
    result = check([header, lan])
    assert result.errors == []
    assert len(result.rows) == 1
    [warning] = result.warnings
    assert (warning.row, warning.column) == (2, "Quận/Huyện")
    assert "Xã Lục Ngạn" in warning.message


@pytest.mark.parametrize(
    ("deliver_on", "accepted"),
    [
        ("20/06/2027", True),
        ("15/05/2027", True),
        ("31/07/2027", True),
        ("20/01/2027", False),
        ("01/08/2027", False),
    ],
)
def test_a_fresh_products_season_bounds_the_delivery_date(deliver_on, accepted):
    result = check([HEADER_EN, row(gift_set="lychee", deliver_on=deliver_on)])
    if accepted:
        assert result.errors == []
    else:
        [error] = result.errors
        assert (error.row, error.column) == (2, "Deliver on")
        assert "Vải thiều Lục Ngạn" in error.message
        assert "15/05–31/07" in error.message


def test_duplicates_are_warnings_naming_both_rows():
    same = row(name="  nguyễn thị LAN ", phone="0912 345 678", street="12 phố Tràng Tiền.")
    other_set = row(gift_set="Hộp quà Tết Kinh Bắc", name="Nguyễn Thị Lan")
    other_phone = row(phone="0912345679")
    result = check([HEADER_EN, LAN, MINH, same, other_phone])
    assert result.errors == []
    assert len(result.rows) == 4
    [warning] = result.warnings
    assert warning.row == 4
    assert "2" in warning.message
    assert check([HEADER_EN, LAN, other_set]).warnings == [
        Issue(3, "", "Same recipient, address and gift set as row 2.")
    ]


@pytest.mark.parametrize("filename", ["list.csv", "list.xlsx"])
def test_formulas_stay_text_coming_in_and_are_neutralised_going_out(filename):
    evil = row(
        name='=HYPERLINK("http://evil.example","Lan")',
        street="@SUM(1+1)",
        message="+cmd|' /C calc'!A0",
        note="-2+3",
    )
    result = check([HEADER_EN, evil], filename=filename)
    assert result.errors == []
    [recipient] = result.rows
    assert recipient.name == evil[0]
    assert recipient.street == "@SUM(1+1)"
    assert recipient.message == evil[8]
    assert recipient.note == "-2+3"

    exported = list(
        csv.reader(io.StringIO(csv_text(export_table(result.rows, "en")).lstrip("\ufeff")))
    )
    assert exported[0] == HEADER_EN
    cells = dict(zip(HEADER_EN, exported[1], strict=True))
    assert cells["Name"] == "'" + evil[0]
    assert cells["Street address"] == "'@SUM(1+1)"
    assert cells["Message"] == "'" + evil[8]
    assert cells["Note"] == "'-2+3"
    assert cells["Phone"] == "'+84912345678"


# --- Templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "header"), [("vi", HEADER_VI), ("en", HEADER_EN)])
def test_the_csv_template_in_each_language_is_a_clean_list(client, lang, header):
    response = client.get(f"/gift-orders/template.csv?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"gift-order-recipients-{lang}.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == header
    assert len(rows) == 3
    assert any(r[8] for r in rows[1:])  # one example carries a message
    tet = GiftSet(id=9, slug="tet-kinh-bac-gift-set", name="Tết", on_sale=True)
    result = validate_bytes(response.data, "t.csv", today=TODAY, gift_set_lookup=lambda _: tet)
    assert result.errors == []
    assert [(r.province.name, r.commune.name) for r in result.rows] == [
        ("Hà Nội", "Phường Hoàn Kiếm"),
        ("Bắc Ninh", "Phường Chũ"),
    ]


@pytest.mark.parametrize(("lang", "header"), [("vi", HEADER_VI), ("en", HEADER_EN)])
def test_the_xlsx_template_has_widths_a_frozen_header_and_reads_back(client, lang, header):
    response = client.get(f"/gift-orders/template.xlsx?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == header
    assert sheet["A2"].value
    assert sheet["I3"].value
    assert sheet.column_dimensions["A"].width >= 20
    assert sheet.column_dimensions["I"].width >= 30
    assert sheet["B2"].value.startswith("0")  # the phone kept as text
    tet = GiftSet(id=9, slug="tet-kinh-bac-gift-set", name="Tết", on_sale=True)
    result = validate_bytes(response.data, "t.xlsx", today=TODAY, gift_set_lookup=lambda _: tet)
    assert result.errors == []
    assert len(result.rows) == 2


def test_the_template_language_follows_the_page_without_lang(client):
    client.get("/?lang=en")
    rows = list(
        csv.reader(io.StringIO(client.get("/gift-orders/template.csv").data.decode("utf-8-sig")))
    )
    assert rows[0] == HEADER_EN


# --- Gift sets from the database --------------------------------------------------------------


def test_gift_sets_are_found_by_code_or_name_with_their_fresh_seasons(app):
    from shop.batches.gift_sets import lookup_gift_set
    from tests.bundles.factories import gen_bundle
    from tests.factories import gen_product

    honey = gen_product(name_vi="Mật ong")
    lychee = gen_product(
        name_vi="Vải thiều", shipping_class="fresh_perishable", season_start=515, season_end=731
    )
    rice = gen_product(name_vi="Gạo", season_start=1001, season_end=1231)  # not fresh
    tet = gen_bundle(
        "gift_set", [(honey, 1), (rice, 1)], slug="tet", name_vi="Hộp quà Tết", name_en="Tet box"
    )
    summer = gen_bundle(
        "gift_set", [(honey, 1), (lychee, 2)], slug="summer", name_vi="Hộp quà mùa hè"
    )
    paused = gen_bundle("gift_set", [(honey, 1)], on_sale=False, slug="old")
    gen_bundle("package", [(honey, 1)], on_sale=False, slug="package-set", name_vi="Gói du lịch")

    assert lookup_gift_set(" TET ") == GiftSet(
        id=tet.id, slug="tet", name="Hộp quà Tết", on_sale=True
    )
    assert lookup_gift_set("hop qua tet").id == tet.id
    assert lookup_gift_set("Tet box").id == tet.id
    assert lookup_gift_set("summer").seasons == (Season(product="Vải thiều", start=515, end=731),)
    assert lookup_gift_set("old") == GiftSet(
        id=paused.id, slug="old", name=paused.name_vi, on_sale=False
    )
    assert lookup_gift_set("package-set") is None
    assert lookup_gift_set("Gói du lịch") is None

    body = [HEADER_EN, row(gift_set="summer", deliver_on="20/01/2027"), row(gift_set="tet")]
    with app.test_request_context("/?lang=en"):
        result = validate_bytes(
            csv_bytes(body), "a.csv", today=TODAY, gift_set_lookup=lookup_gift_set
        )
    assert [(e.row, e.column) for e in result.errors] == [(2, "Deliver on")]
    assert summer.id != tet.id
