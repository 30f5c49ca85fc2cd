"""Names and notes folded to plain upper-case ASCII, as Vietnamese banks print them."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^A-Z0-9 ]+")

# The usual abbreviations of a producer's legal form, written out as the register spells them.
# Longest first, applied to whole words only.
ABBREVIATIONS = (
    ("CONG TY TNHH MTV", "CONG TY TRACH NHIEM HUU HAN MOT THANH VIEN"),
    ("TNHH MTV", "TRACH NHIEM HUU HAN MOT THANH VIEN"),
    ("CTY", "CONG TY"),
    ("CT", "CONG TY"),
    ("TNHH", "TRACH NHIEM HUU HAN"),
    ("MTV", "MOT THANH VIEN"),
    ("CP", "CO PHAN"),
    ("HTX", "HOP TAC XA"),
    ("THT", "TO HOP TAC"),
    ("HKD", "HO KINH DOANH"),
    ("DNTN", "DOANH NGHIEP TU NHAN"),
)
_ABBREVIATION_PATTERNS = [
    (re.compile(rf"\b{re.escape(short)}\b"), long) for short, long in ABBREVIATIONS
]


def to_ascii(text: str | None) -> str:
    """Vietnamese letters without their marks (đ → d), white space collapsed; the case is kept.

    ``"Ủng hộ lũ lụt"`` → ``"Ung ho lu lut"``. Characters with no ASCII form stay as they are
    (callers that need pure ASCII check ``str.isascii``)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


def bank_name_form(name: str | None) -> str:
    """A name as compared with a bank account's holder: upper-case ASCII words, punctuation
    dropped, legal-form abbreviations written out. ``"HTX Chè Tân Cương"`` and
    ``"HỢP TÁC XÃ CHÈ TÂN CƯƠNG"`` give the same form."""
    words = _NOT_WORD.sub(" ", to_ascii(name).upper())
    words = _SPACES.sub(" ", words).strip()
    for pattern, long in _ABBREVIATION_PATTERNS:
        words = pattern.sub(long, words)
    return words


def same_holder(holder: str | None, legal_name: str | None) -> bool:
    """Whether an account holder's name is the legal name (see ``bank_name_form``)."""
    form = bank_name_form(holder)
    return bool(form) and form == bank_name_form(legal_name)
