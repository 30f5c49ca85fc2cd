"""Vietnamese text folding for accent-insensitive search, and slugs."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics, map đ/Đ to d, collapse white space.

    ``"Vải Thiều Lục Ngạn"`` → ``"vai thieu luc ngan"``.
    """
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_terms(query: str | None) -> list[str]:
    """The folded words of a search query, punctuation dropped, duplicates removed."""
    words = _NON_WORD.sub(" ", fold(query)).split()
    return list(dict.fromkeys(words))


def slugify(text: str) -> str:
    """``"Mật ong hoa vải"`` → ``"mat-ong-hoa-vai"``."""
    return _NON_WORD.sub("-", fold(text)).strip("-")


def strip(value: object) -> object:
    """A WTForms filter: trim white space around text, leave anything else alone."""
    return value.strip() if isinstance(value, str) else value


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    """Whether ``text`` holds invisible control characters (NUL, escape, DEL…).

    PostgreSQL refuses NUL in text, and none of them belongs in what people type. With
    ``allow_line_breaks`` tab, line feed and carriage return are accepted (multi-line fields).
    """
    pattern = _CONTROL_BUT_BREAKS if allow_line_breaks else _CONTROL
    return pattern.search(text) is not None


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
