"""Bank-statement CSV imports, and finding a transfer's reference in a statement's notes.

Banks export statements as CSV in UTF-8 (with or without a BOM) or, older systems, Windows
code page 1258, with ``,`` ``;`` or tab between cells, a few lines about the account before
the header, and Vietnamese or English column names. ``read_statement`` finds the header by
its names and returns every transaction, or refuses the whole file with the row number and
reason of each bad row (nothing is half-imported).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from shop.banking.names import to_ascii

DEBIT = "debit"
CREDIT = "credit"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# How far down the file the header may be (banks put the account's details above it).
HEADER_SEARCH_ROWS = 30

# Column names, folded (lower-case ASCII, one space between words).
COLUMNS: dict[str, frozenset[str]] = {
    "date": frozenset({
        "date", "transaction date", "posting date", "value date", "trans date", "txn date",
        "ngay", "ngay giao dich", "ngay gd", "ngay hach toan", "ngay hieu luc",
        "thoi gian giao dich", "ngay thang",
    }),
    "debit": frozenset({
        "debit", "debit amount", "debits", "withdrawal", "withdrawals", "money out",
        "ghi no", "so tien ghi no", "phat sinh no", "no", "so tien ra", "tien ra", "so tien chi",
    }),
    "credit": frozenset({
        "credit", "credit amount", "credits", "deposit", "deposits", "money in",
        "ghi co", "so tien ghi co", "phat sinh co", "co", "so tien vao", "tien vao",
        "so tien thu",
    }),
    "amount": frozenset({
        "amount", "transaction amount", "so tien", "so tien giao dich", "so tien gd",
    }),
    "note": frozenset({
        "description", "details", "transaction details", "narrative", "remarks", "memo",
        "noi dung", "noi dung giao dich", "noi dung chuyen khoan", "dien giai", "mo ta",
        "chi tiet giao dich",
    }),
    "reference": frozenset({
        "reference", "reference number", "ref", "ref no", "bank reference", "transaction id",
        "transaction number", "so tham chieu", "ma tham chieu", "ma giao dich", "so giao dich",
        "ma gd", "so gd", "so but toan", "so ct", "so chung tu",
    }),
}  # fmt: skip

_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")
_CURRENCY = re.compile(r"(?i)\s*(vnd|vnđ|đ|d)\s*$")
_THOUSANDS = re.compile(r"(\d{1,3}(?:(?P<sep>[.,  ])\d{3})+)(?:(?P<dec>[.,])(?P<frac>\d{1,2}))?")
_PLAIN = re.compile(r"(\d+)(?:[.,](?P<frac>\d{1,2}))?")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class StatementRow:
    row: int  # the row of the file, counted as a spreadsheet counts them (header included)
    date: date
    side: str  # DEBIT (money left the account) or CREDIT (money came in)
    amount_vnd: int
    note: str
    bank_reference: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "date": self.date.isoformat(),
            "side": self.side,
            "amount_vnd": self.amount_vnd,
            "note": self.note,
            "bank_reference": self.bank_reference,
        }

    @classmethod
    def from_dict(cls, data: dict) -> StatementRow:
        return cls(
            row=int(data["row"]),
            date=date.fromisoformat(str(data["date"])),
            side=DEBIT if data["side"] == DEBIT else CREDIT,
            amount_vnd=int(data["amount_vnd"]),
            note=str(data["note"]),
            bank_reference=str(data["bank_reference"]),
        )


@dataclass(frozen=True)
class RowProblem:
    row: int  # 0 for the file as a whole
    message: str


class StatementError(ValueError):
    """The file cannot be imported; ``problems`` says where and why."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("; ".join(f"row {p.row}: {p.message}" for p in problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """The text of a statement file: UTF-8 (a BOM is dropped) or else Windows-1258, in NFC
    (code page 1258 writes tone marks as separate combining characters)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    return unicodedata.normalize("NFC", text)


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS + 5])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        return max(counts, key=counts.get)


def folded_header(cell: str) -> str:
    return _NOT_WORD.sub(" ", to_ascii(cell).lower()).strip()


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """Which column holds what, when ``cells`` is a header row (a date and an amount)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = folded_header(cell)
        for field, names in COLUMNS.items():
            if name in names and field not in found:
                found[field] = index
                break
    has_amount = "amount" in found or ("debit" in found and "credit" in found)
    return found if "date" in found and has_amount else None


def parse_amount(text: str) -> int:
    """Whole đồng from ``"1.250.000"``, ``"1,250,000"``, ``"1250000 VND"``, ``"-50.000"``,
    ``"(50.000)"`` or ``"1.250.000,00"``. Raises ValueError for anything else (a fraction of a
    đồng included)."""
    value = to_ascii(text).strip() if text else ""
    value = _CURRENCY.sub("", value).strip()
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    if value[:1] in "+-" and value:
        negative, value = value[0] == "-", value[1:].strip()
    match = _THOUSANDS.fullmatch(value)
    if match and match["dec"] == match["sep"]:
        match = None
    if match:
        digits = match.group(1).replace(match["sep"], "")
    else:
        match = _PLAIN.fullmatch(value)
        if not match:
            raise ValueError(f"not an amount: {text!r}")
        digits = match.group(1)
    if match["frac"] and int(match["frac"]):
        raise ValueError(f"not a whole number of đồng: {text!r}")
    amount = int(digits)
    return -amount if negative else amount


def parse_date(text: str) -> date:
    value = (text or "").strip()
    head = re.split(r"[ T]", value, maxsplit=1)[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(head, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _cell(cells: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _is_total_line(cells: list[str]) -> bool:
    words = " ".join(folded_header(cell) for cell in cells if cell.strip())
    return bool(re.search(r"\b(tong|total|cong|so du|balance)\b", words))


def _row(number: int, cells: list[str], columns: dict[str, int]) -> StatementRow:
    day = parse_date(_cell(cells, columns, "date"))
    if "amount" in columns:
        signed = parse_amount(_cell(cells, columns, "amount"))
        side, amount = (DEBIT, -signed) if signed < 0 else (CREDIT, signed)
    else:
        raw_debit = _cell(cells, columns, "debit")
        raw_credit = _cell(cells, columns, "credit")
        debit = abs(parse_amount(raw_debit)) if raw_debit else 0
        credit = abs(parse_amount(raw_credit)) if raw_credit else 0
        if debit and credit:
            raise ValueError("both a debit and a credit")
        side, amount = (DEBIT, debit) if debit else (CREDIT, credit)
    if amount <= 0:
        raise ValueError("no amount")
    note = re.sub(r"\s+", " ", _cell(cells, columns, "note")).strip()
    return StatementRow(
        row=number,
        date=day,
        side=side,
        amount_vnd=amount,
        note=note,
        bank_reference=_cell(cells, columns, "reference"),
    )


def read_statement(data: bytes) -> list[StatementRow]:
    """Every transaction of a statement file, or StatementError listing each bad row."""
    if len(data) > MAX_BYTES:
        raise StatementError([RowProblem(0, "the file is too large")])
    text = decode(data)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    if len(records) > MAX_ROWS:
        raise StatementError([RowProblem(0, "the file has too many rows")])
    columns = None
    header_at = 0
    for index, cells in enumerate(records[:HEADER_SEARCH_ROWS]):
        columns = _header_columns(cells)
        if columns is not None:
            header_at = index
            break
    if columns is None:
        raise StatementError([RowProblem(0, "no header with a date and an amount column")])
    rows: list[StatementRow] = []
    problems: list[RowProblem] = []
    for index, cells in enumerate(records[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in cells):
            continue
        if not _cell(cells, columns, "date") and _is_total_line(cells):
            continue  # the statement's totals or closing balance
        try:
            rows.append(_row(index, cells, columns))
        except ValueError as error:
            problems.append(RowProblem(index, str(error)))
    if problems:
        raise StatementError(problems)
    return rows


# --- references in notes ----------------------------------------------------------------------


def reference_pattern(prefix: str, digits: int = 6, *, lead: int = 0) -> re.Pattern[str]:
    """A pattern for ``prefix`` + a number of at least ``digits`` digits in a folded note.

    Banks and payers mangle notes: spaces dropped or added inside the prefix, dots and dashes
    around it, a line break, other text glued before it. The number must end where its digits
    end, so ``PO0001234`` is never read as ``PO000123``.

    ``lead``: the number is preceded by a group of exactly that many digits (a year, as in
    ``OCM-2026-000123``), captured first; the same glue may separate the two."""
    letters = [ch for ch in to_ascii(prefix).upper() if ch.isalnum()]
    glue = r"[^A-Z0-9]*"
    number = rf"(\d{{{digits},}})(?!\d)"
    if lead:
        number = rf"(\d{{{lead}}}){glue}" + number
    return re.compile(glue.join(re.escape(ch) for ch in letters) + glue + number)


def find_references(note: str, prefix: str, digits: int = 6) -> list[int]:
    """The numbers referenced in ``note`` after ``prefix`` (in order, each once)."""
    folded = to_ascii(note).upper()
    found = [int(match.group(1)) for match in reference_pattern(prefix, digits).finditer(folded)]
    return list(dict.fromkeys(found))


def find_dated_references(note: str, prefix: str, digits: int = 6) -> list[tuple[int, int]]:
    """The (year, number) pairs referenced in ``note`` as ``prefix``, a 4-digit year and a
    number (``OCM-2026-000123``, ``ocm2026000123``, ``OCM 2026 000123``), in order, each once."""
    folded = to_ascii(note).upper()
    pattern = reference_pattern(prefix, digits, lead=4)
    found = [(int(m.group(1)), int(m.group(2))) for m in pattern.finditer(folded)]
    return list(dict.fromkeys(found))


def bank_reference(row: StatementRow) -> str:
    """What a transfer records as the bank's reference: the statement's, else the row's date,
    amount and note (the same for the same row in every import)."""
    if row.bank_reference.strip():
        return row.bank_reference.strip()[:120]
    note = " ".join(to_ascii(row.note).split())
    return f"{row.date.isoformat()} {row.amount_vnd} {note}"[:120]
