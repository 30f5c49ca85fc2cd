"""Vietnamese tax codes (mã số thuế, MST): ten digits, or ten digits, a hyphen and three digits
for a branch (``0101234567-001``). Only the format is checked, not the check digit."""

from __future__ import annotations

import re

_DIGITS = "('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')"
_SHAPE = re.compile(r"[0-9]{10}(-[0-9]{3})?")
_SEPARATORS = re.compile(r"[\s\u00a0]+")
# Full-width digits and hyphen-minus (typed on some keyboards), and the other hyphens and dashes.
_FULL_WIDTH = {0xFF10 + i: str(i) for i in range(10)} | {
    0xFF0D: "-", 0x2010: "-", 0x2011: "-", 0x2013: "-", 0x3000: " "
}  # fmt: skip


def normalize_tax_code(value: str | None) -> str | None:
    """The stored form of a typed MST, or None when it is not one. Surrounding spaces go;
    full-width digits and dashes (typed on some keyboards) become ASCII ones; a branch suffix
    may be written with spaces around its hyphen. Other Unicode digits are refused."""
    if not isinstance(value, str):
        return None
    # Not NFKC: it would also turn superscripts and other look-alikes ("⁶⁰") into digits.
    text = value.translate(_FULL_WIDTH).strip()
    text = _SEPARATORS.sub("", text)
    return text if _SHAPE.fullmatch(text) else None


def tax_code_check(column: str = "tax_code") -> str:
    """The CHECK constraint of a normalised MST, portable between SQLite and PostgreSQL (no
    regular expressions: each position is compared to the ten ASCII digits)."""

    def digit(i: int) -> str:
        return f"substr({column}, {i}, 1) IN {_DIGITS}"

    head = " AND ".join(digit(i) for i in range(1, 11))
    branch = " AND ".join(digit(i) for i in range(12, 15))
    return (
        f"({head}) AND (length({column}) = 10 OR (length({column}) = 14 AND "
        f"substr({column}, 11, 1) = '-' AND {branch}))"
    )
