"""A batch order's recipient list, read from an uploaded CSV or XLSX file and checked row by row.

Reading: CSV in UTF-8 (with or without a BOM) or the Windows Vietnamese code page cp1258, with
``,`` ``;`` or tab between cells; XLSX (the first sheet). Every cell is normalised to NFC (cp1258
writes tone marks as combining characters), empty rows are skipped, and a cell starting like a
formula stays text (nothing is ever evaluated; ``shop.spreadsheet`` neutralises it on export).

Checking: every error names its row (as the spreadsheet shows it, the header is row 1) and its
column, and the list is accepted only when the whole file is clean. Nothing is written to the
database: the gift sets come from a lookup the caller passes in.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _

from shop.accounts.forms import normalize_phone
from shop.addresses.services import (
    Commune,
    Province,
    communes_named,
    find_commune,
    find_province,
)
from shop.batches import legacy
from shop.catalog.models import season_contains
from shop.text import fold

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_RECIPIENTS = 2000
# Rows read from a sheet, empty ones included (a compressed sheet can hold millions).
MAX_SHEET_ROWS = 20_000
MAX_QUANTITY = 50
MAX_TEXT = {"name": 120, "street": 200, "message": 500, "note": 500, "email": 254}
HEADER_ROW = 1


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string: the header in the reader's language
    required: bool
    aliases: tuple[str, ...]  # other headers people write, in either language


# The headers have their own context: "Name" here is "Họ tên", not the shop's "Tên".
COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        lazy_pgettext("recipient list column", "Name"),
        True,
        (
            "họ tên",
            "họ và tên",
            "tên",
            "người nhận",
            "tên người nhận",
            "full name",
            "recipient",
            "recipient name",
        ),
    ),
    Column(
        "phone",
        lazy_pgettext("recipient list column", "Phone"),
        True,
        (
            "điện thoại",
            "số điện thoại",
            "sđt",
            "sdt",
            "đt",
            "phone number",
            "mobile",
            "telephone",
            "tel",
        ),
    ),
    Column(
        "email",
        lazy_pgettext("recipient list column", "E-mail"),
        False,
        ("email", "thư điện tử", "e-mail address", "email address"),
    ),
    Column(
        "province",
        lazy_pgettext("recipient list column", "Province/City"),
        True,
        (
            "province/city",
            "tỉnh/thành phố",
            "tỉnh",
            "tỉnh/thành",
            "tỉnh thành",
            "thành phố",
            "province",
            "city",
        ),
    ),
    Column(
        "commune",
        lazy_pgettext("recipient list column", "Commune/Ward"),
        True,
        (
            "xã/phường",
            "phường/xã",
            "xã",
            "phường",
            "commune",
            "ward",
            "ward/commune",
            "commune/ward",
        ),
    ),
    Column(
        "street",
        lazy_pgettext("recipient list column", "Street address"),
        True,
        (
            "địa chỉ",
            "số nhà, đường",
            "số nhà đường",
            "địa chỉ (số nhà, đường)",
            "street",
            "address",
            "house number and street",
            "street address",
        ),
    ),
    Column(
        "gift_set",
        lazy_pgettext("recipient list column", "Gift set"),
        True,
        ("bộ quà", "bộ quà tặng", "hộp quà", "gift set", "giftset", "gift"),
    ),
    Column(
        "quantity",
        lazy_pgettext("recipient list column", "Quantity"),
        False,
        ("số lượng", "sl", "qty", "quantity"),
    ),
    Column(
        "message",
        lazy_pgettext("recipient list column", "Message"),
        False,
        ("lời nhắn", "lời chúc", "thiệp", "message", "greeting", "card message"),
    ),
    Column(
        "deliver_on",
        lazy_pgettext("recipient list column", "Deliver on"),
        False,
        ("ngày giao", "ngày giao hàng", "deliver on", "delivery date"),
    ),
    Column(
        "note", lazy_pgettext("recipient list column", "Note"), False, ("ghi chú", "note", "notes")
    ),
    # "x" (or yes / có): no address needed, the recipient gets a private link and types or
    # confirms it (an address given is offered to confirm).
    Column(
        "link",
        lazy_pgettext("recipient list column", "Recipient chooses the address"),
        False,
        (
            "recipient chooses the address",
            "người nhận tự chọn địa chỉ",
            "người nhận tự điền địa chỉ",
            "tự chọn địa chỉ",
            "link",
            "liên kết",
            "gửi link",
            "recipient link",
            "address link",
        ),
    ),
)
# A cell saying yes / no, folded (``shop.text.fold``).
YES = frozenset({"x", "y", "yes", "co", "1", "true", "link"})
NO = frozenset({"", "n", "no", "khong", "0", "false"})
ADDRESS_KEYS = ("province", "commune", "street")
# A former district, kept only to point at the two-level address.
DISTRICT = Column(
    "district",
    lazy_pgettext("recipient list column", "District"),
    False,
    ("quận/huyện", "huyện", "quận", "huyện/quận", "district"),
)
# Row numbers people add to their lists; read and ignored.
IGNORED_HEADERS = ("stt", "số thứ tự", "no", "no.", "#")


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(text))


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in (*COLUMNS, DISTRICT):
        for alias in (column.key, *column.aliases):
            table[_header_key(alias)] = column.key
    return table


_ALIASES = _alias_table()
_IGNORED = {_header_key(h) for h in IGNORED_HEADERS}


class Issue(NamedTuple):
    """An error or warning: the spreadsheet row (1 = the header), the column as the file
    names it, and the message in the reader's language."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Season:
    product: str  # the fresh product's name
    start: int  # month*100 + day
    end: int


@dataclass(frozen=True)
class GiftSet:
    """What the check needs to know of a gift set (built by the caller's lookup)."""

    id: int
    slug: str
    name: str
    on_sale: bool
    seasons: tuple[Season, ...] = ()


GiftSetLookup = Callable[[str], GiftSet | None]


@dataclass(frozen=True)
class Recipient:
    row: int
    name: str
    phone: str | None  # E.164, +84…; only a recipient link may go without
    email: str | None
    province: Province | None  # only a recipient link may go without an address
    commune: Commune | None
    street: str
    gift_set: GiftSet
    quantity: int
    message: str
    deliver_on: date | None
    note: str
    by_link: bool = False  # the recipient chooses the address through a private link


@dataclass
class ImportResult:
    rows: list[Recipient] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class FileRefused(Exception):
    """The file cannot be read as a recipient list at all (one message for the whole file)."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# --- Reading -----------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A cell as text in NFC, surrounding white space removed. XLSX numbers that are whole
    stay without a decimal point (a phone typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else cp1258."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as error:
        raise FileRefused(
            _(
                "The file is neither UTF-8 nor Windows Vietnamese (cp1258) text; save it as"
                " CSV UTF-8."
            )
        ) from error


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the one ``csv.Sniffer`` finds on the header line, unless another
    splits the header into the template's columns better (a Vietnamese header has a comma in
    "Địa chỉ (số nhà, đường)" even when the cells are separated by tabs)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = max(",;\t", key=first.count)
    best, best_known = sniffed, -1
    for candidate in dict.fromkeys((sniffed, ",", ";", "\t")):
        cells = next(csv.reader([first], delimiter=candidate), [])
        known = sum(1 for cell in cells if _header_key(cell) in _ALIASES)
        if known > best_known:
            best, best_known = candidate, known
    return best


def read_csv(data: bytes) -> list[list[str]]:
    text = decode(data)
    if "\x00" in text:
        raise FileRefused(_("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return [[_cell_text(cell) for cell in row] for row in reader]
    except csv.Error as error:
        raise FileRefused(_("The CSV file cannot be read: %(error)s", error=str(error))) from error


def read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # Formulas come back as their text (data_only=False): nothing is evaluated.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise FileRefused(_("The Excel file cannot be opened; save it again as .xlsx.")) from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        filled = 0
        for row in sheet.iter_rows(values_only=True):
            cells = [_cell_text(cell) for cell in row]
            if any(cells):
                filled += 1
                rows.append(cells)
            else:
                rows.append([])  # kept so the row numbers stay the sheet's
            if filled > MAX_RECIPIENTS + 1:  # the header and one recipient too many: refused
                break
            if len(rows) > MAX_SHEET_ROWS:
                raise FileRefused(
                    _("The sheet has more than %(count)d rows.", count=MAX_SHEET_ROWS)
                )
        return rows
    finally:
        workbook.close()


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's cells as text; XLSX by its name or its ZIP signature, else CSV."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(
            _("The file is larger than %(size)s MB.", size=MAX_FILE_BYTES // (1024 * 1024))
        )
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if filename.lower().endswith(".xls"):
        raise FileRefused(_("Save the sheet as .xlsx or CSV: the old .xls format is not read."))
    return read_csv(data)


# --- The header --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    positions: dict[str, int]  # column key → cell index
    names: dict[str, str]  # column key → the header as written


def read_header(cells: Sequence[str]) -> Header:
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, text in enumerate(cells):
        key = _header_key(text)
        if not key or key in _IGNORED:
            continue
        column = _ALIASES.get(key)
        if column is None:
            raise FileRefused(
                _(
                    "Unknown column “%(column)s”. Use the template's columns: %(expected)s.",
                    column=text,
                    expected=", ".join(str(c.label) for c in COLUMNS),
                ),
                column=text,
            )
        if column in positions:
            raise FileRefused(_("The column “%(column)s” appears twice.", column=text), column=text)
        positions[column] = index
        names[column] = text
    if not positions:
        raise FileRefused(_("The header is missing: row 1 must hold the template's column names."))
    # The address columns stay required (the template has them): a recipient who chooses the
    # address leaves them empty.
    missing = [c for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise FileRefused(
            _(
                "The column “%(column)s” is missing.",
                column=", ".join(str(c.label) for c in missing),
            ),
            column=str(missing[0].label),
        )
    return Header(positions, names)


# --- Checking a row ----------------------------------------------------------------------------

_ASCII_DIGITS = re.compile(r"[0-9]+")
_DATE_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")
_PHONE_TEXT = re.compile(r"\+?[0-9]{6,15}")


def normalize_recipient_phone(raw: str) -> str | None:
    """A Vietnamese number in E.164: ``0912 345 678``, ``912345678`` (a spreadsheet dropped the
    0), ``84912345678`` and ``+84 912 345 678`` all give ``+84912345678``; anything else None."""
    text = _PHONE_PUNCTUATION.sub("", raw)
    if not _PHONE_TEXT.fullmatch(text):
        return None
    candidates = [text]
    if text.startswith("84") and text.isdecimal():
        candidates.append("+" + text)
    for candidate in candidates:
        normalized = normalize_phone(candidate)
        if normalized is not None and normalized.startswith("+84"):
            number = phonenumbers.parse(normalized)
            if phonenumbers.region_code_for_number(number) == "VN":
                return normalized
    return None


def _parse_date(text: str) -> date | None:
    if not text.isascii():
        return None
    for pattern, order in ((_DATE_ISO, (0, 1, 2)), (_DATE_DMY, (2, 1, 0))):
        match = pattern.fullmatch(text.split("T")[0].split(" ")[0])
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                return date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def _season_text(season: Season) -> str:
    start_m, start_d = divmod(season.start, 100)
    end_m, end_d = divmod(season.end, 100)
    return f"{start_d:02d}/{start_m:02d}–{end_d:02d}/{end_m:02d}"


class _RowCheck:
    """Checks one row, collecting its errors and warnings."""

    def __init__(self, row: int, cells: dict[str, str], header: Header, result: ImportResult):
        self.row = row
        self.cells = cells
        self.header = header
        self.result = result
        self.failed = False

    def column(self, key: str) -> str:
        if key in self.header.names:
            return self.header.names[key]
        return str(next(c.label for c in (*COLUMNS, DISTRICT) if c.key == key))

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.result.errors.append(Issue(self.row, self.column(key), message))

    def warning(self, key: str, message: str) -> None:
        self.result.warnings.append(Issue(self.row, self.column(key), message))

    def text(self, key: str) -> str:
        value = self.cells.get(key, "")
        limit = MAX_TEXT.get(key, 200)
        if len(value) > limit:
            self.error(key, _("At most %(count)d characters.", count=limit))
        elif any(ord(ch) < 32 and ch not in "\n\r\t" or ord(ch) == 127 for ch in value):
            self.error(key, _("Remove the invisible control characters."))
        return value


def _check_row(
    row: int,
    cells: dict[str, str],
    header: Header,
    result: ImportResult,
    *,
    today: date,
    gift_set: Callable[[str], GiftSet | None],
) -> Recipient | None:
    check = _RowCheck(row, cells, header, result)

    name = check.text("name")
    if not name:
        check.error("name", _("Enter the recipient's name."))

    by_link = False
    raw_link = fold(cells.get("link", "")).strip()
    if raw_link in YES:
        by_link = True
    elif raw_link not in NO:
        check.error(
            "link",
            _(
                "Write x (or yes) when the recipient chooses the address, or leave it empty;"
                " not “%(value)s”.",
                value=cells.get("link", ""),
            ),
        )

    phone = None
    raw_phone = cells.get("phone", "")
    if not raw_phone:
        if not by_link:
            check.error("phone", _("Enter the recipient's phone number."))
        elif not cells.get("email", ""):
            check.error(
                "email",
                _("A recipient who chooses the address needs an e-mail address or a phone number."),
            )
    else:
        phone = normalize_recipient_phone(raw_phone)
        if phone is None:
            check.error(
                "phone",
                _(
                    "“%(value)s” is not a Vietnamese phone number such as 0912 345 678.",
                    value=raw_phone,
                ),
            )

    email = cells.get("email", "") or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            check.error("email", _("“%(value)s” is not an e-mail address.", value=email))

    # A recipient link needs no address; one given is checked and offered to confirm.
    if by_link and not any(cells.get(key, "") for key in ADDRESS_KEYS):
        province, commune, street = None, None, ""
    else:
        province, commune = _check_address(check)
        street = check.text("street")
        if not street:
            check.error("street", _("Enter the house number and street (or village)."))

    found = None
    gift_text = cells.get("gift_set", "")
    if not gift_text:
        check.error("gift_set", _("Enter the gift set (its name or its code)."))
    else:
        found = gift_set(gift_text)
        if found is None:
            check.error("gift_set", _("No gift set is called “%(value)s”.", value=gift_text))
        elif not found.on_sale:
            check.error("gift_set", _("The gift set “%(name)s” is not on sale.", name=found.name))

    quantity = 1
    raw_quantity = cells.get("quantity", "")
    if raw_quantity:
        if not _ASCII_DIGITS.fullmatch(raw_quantity):
            check.error(
                "quantity",
                _("Write the quantity in digits 0–9, from 1 to %(max)d.", max=MAX_QUANTITY),
            )
        else:
            quantity = int(raw_quantity)
            if not 1 <= quantity <= MAX_QUANTITY:
                check.error(
                    "quantity", _("The quantity must be from 1 to %(max)d.", max=MAX_QUANTITY)
                )

    deliver_on = None
    raw_date = cells.get("deliver_on", "")
    if raw_date:
        deliver_on = _parse_date(raw_date)
        if deliver_on is None:
            check.error(
                "deliver_on",
                _(
                    "“%(value)s” is not a date; write it as 31/01/2027 or 2027-01-31.",
                    value=raw_date,
                ),
            )
        elif deliver_on < today:
            check.error("deliver_on", _("The delivery date has passed."))
        elif found is not None:
            for season in found.seasons:
                if season_contains(season.start, season.end, deliver_on) is False:
                    check.error(
                        "deliver_on",
                        _(
                            "%(product)s is in season only from %(season)s (day/month); choose a"
                            " delivery date inside it.",
                            product=season.product,
                            season=_season_text(season),
                        ),
                    )

    message = check.text("message")
    note = check.text("note")
    if check.failed or found is None:
        return None
    if not by_link and (province is None or commune is None or phone is None):
        return None
    return Recipient(
        row=row,
        name=name,
        phone=phone,
        email=email,
        province=province,
        commune=commune,
        street=street,
        gift_set=found,
        quantity=quantity,
        message=message,
        deliver_on=deliver_on,
        note=note,
        by_link=by_link,
    )


def _check_address(check: _RowCheck) -> tuple[Province | None, Commune | None]:
    raw_province = check.cells.get("province", "")
    raw_commune = check.cells.get("commune", "")
    raw_district = check.cells.get("district", "")
    if not raw_province:
        check.error("province", _("Enter the province or city."))
        return None, None
    province = find_province(raw_province)
    if province is None:
        former = legacy.former_province(raw_province)
        if former is None:
            check.error("province", _("“%(value)s” is not a province or city.", value=raw_province))
            return None, None
        old, province = former
        check.error(
            "province",
            _(
                "%(old)s has been part of %(new)s since July 2025: write %(new)s.",
                old=old,
                new=province.name,
            ),
        )
        # Still check the commune against the new province, to point at it at once.
    if raw_district:
        suggestion = legacy.district_suggestion(province.code, raw_district)
        hint = (
            _(
                "Districts were abolished in July 2025; the address needs only the commune or"
                " ward (perhaps %(commune)s).",
                commune=suggestion.name,
            )
            if suggestion
            else _(
                "Districts were abolished in July 2025; the address needs only the commune or ward."
            )
        )
        check.warning("district", hint)
    if not raw_commune:
        check.error("commune", _("Enter the commune or ward."))
        return province, None
    found = find_commune(province.code, raw_commune)
    if len(found) == 1:
        return province, found[0]
    if len(found) > 1:
        check.error(
            "commune",
            _(
                "“%(value)s” may mean %(names)s: write the full name.",
                value=raw_commune,
                names=", ".join(c.name for c in found),
            ),
        )
        return province, None
    if legacy.is_district_style(raw_commune) or "," in raw_commune:
        first = raw_commune.split(",")[0]
        suggestion = legacy.district_suggestion(province.code, first)
        if suggestion is None:
            suggestion = next(iter(find_commune(province.code, first)), None)
        if suggestion is not None:
            check.error(
                "commune",
                _(
                    "“%(value)s” is a pre-2025 address; the two-level address is %(commune)s,"
                    " %(province)s.",
                    value=raw_commune,
                    commune=suggestion.name,
                    province=province.name,
                ),
            )
        else:
            check.error(
                "commune",
                _(
                    "“%(value)s” is a pre-2025 district-style address; write the commune or ward"
                    " it belongs to since July 2025.",
                    value=raw_commune,
                ),
            )
        return province, None
    elsewhere = communes_named(raw_commune)
    if elsewhere:
        check.error(
            "commune",
            _(
                "%(commune)s is in %(other)s, not in %(province)s.",
                commune=elsewhere[0].name,
                other=", ".join(dict.fromkeys(c.province.name for c in elsewhere)),
                province=province.name,
            ),
        )
        return province, None
    suggestion = legacy.district_suggestion(province.code, raw_commune)
    if suggestion is not None:
        check.error(
            "commune",
            _(
                "“%(value)s” is a pre-2025 name; the two-level address is %(commune)s,"
                " %(province)s.",
                value=raw_commune,
                commune=suggestion.name,
                province=province.name,
            ),
        )
    else:
        check.error(
            "commune",
            _(
                "%(province)s has no commune or ward called “%(value)s” (2025 list).",
                province=province.name,
                value=raw_commune,
            ),
        )
    return province, None


# --- The whole file ----------------------------------------------------------------------------


def _rows(table: list[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(table, start=1):
        if any(cells):
            yield number, cells


def _duplicate_key(recipient: Recipient) -> tuple:
    return (
        fold(recipient.name),
        recipient.phone or recipient.email,
        recipient.commune.code if recipient.commune else None,
        re.sub(r"[^a-z0-9]+", " ", fold(recipient.street)).strip(),
        recipient.gift_set.id,
    )


def validate_table(
    table: list[list[str]], *, today: date, gift_set_lookup: GiftSetLookup
) -> ImportResult:
    """Check a table of cells (the first non-empty row is the header)."""
    result = ImportResult()
    rows = _rows(table)
    first = next(rows, None)
    if first is None:
        raise FileRefused(_("The file is empty: row 1 must be the header."))
    _header_row, header_cells = first
    header = read_header(header_cells)
    body = list(rows)
    if len(body) > MAX_RECIPIENTS:
        raise FileRefused(
            _(
                "The file has more than %(max)d recipients, the most a batch takes. Split it"
                " into several batches.",
                max=MAX_RECIPIENTS,
            )
        )
    cache: dict[str, GiftSet | None] = {}

    def gift_set(text: str) -> GiftSet | None:
        key = fold(text)
        if key not in cache:
            cache[key] = gift_set_lookup(text)
        return cache[key]

    seen: dict[tuple, int] = {}
    for number, cells in body:
        values = {
            key: cells[index] if index < len(cells) else ""
            for key, index in header.positions.items()
        }
        recipient = _check_row(number, values, header, result, today=today, gift_set=gift_set)
        if recipient is None:
            continue
        key = _duplicate_key(recipient)
        if key in seen:
            result.warnings.append(
                Issue(
                    number,
                    "",
                    _("Same recipient, address and gift set as row %(row)d.", row=seen[key]),
                )
            )
        else:
            seen[key] = number
        result.rows.append(recipient)
    if result.errors:
        result.rows = []
    return result


def validate_bytes(
    data: bytes, filename: str, *, today: date, gift_set_lookup: GiftSetLookup
) -> ImportResult:
    """Read and check a file; a file that cannot be read gives one error on row 1."""
    try:
        table = read_table(data, filename)
        return validate_table(table, today=today, gift_set_lookup=gift_set_lookup)
    except FileRefused as refused:
        return ImportResult(errors=[Issue(HEADER_ROW, refused.column, refused.message)])


def validate_upload(file_storage, *, today: date, gift_set_lookup: GiftSetLookup) -> ImportResult:
    """The batch page's entry point: a Werkzeug ``FileStorage`` from the upload form. Reads at
    most one byte more than the limit, so a huge upload is refused without holding it."""
    data = file_storage.stream.read(MAX_FILE_BYTES + 1)
    return validate_bytes(
        data, file_storage.filename or "", today=today, gift_set_lookup=gift_set_lookup
    )


# --- Writing a list back -----------------------------------------------------------------------


def header_labels(lang: str) -> list[str]:
    """The template's header in ``lang`` ("vi" or "en")."""
    with force_locale(lang):
        return [str(column.label) for column in COLUMNS]


def recipient_cells(recipient: Recipient) -> list[object]:
    """A recipient in the template's column order (for a corrected list or a report)."""
    return [
        recipient.name,
        recipient.phone or "",
        recipient.email or "",
        recipient.province.name if recipient.province else "",
        recipient.commune.name if recipient.commune else "",
        recipient.street,
        recipient.gift_set.slug,
        recipient.quantity,
        recipient.message,
        recipient.deliver_on.strftime("%d/%m/%Y") if recipient.deliver_on else "",
        recipient.note,
        "x" if recipient.by_link else "",
    ]


def export_table(recipients: Iterable[Recipient], lang: str) -> list[list[object]]:
    """Header and rows, ready for ``shop.spreadsheet.csv_text`` (which neutralises formulas)."""
    return [header_labels(lang), *(recipient_cells(r) for r in recipients)]
