"""The 2025 address list from the ``vietnam-provinces`` package, read once per process.

Codes are the General Statistics Office's (province ``24`` = Bắc Ninh, ward ``7525`` = Phường
Chũ). Province names are shown short ("Hà Nội", not "Thành phố Hà Nội"); commune and ward names
keep their type ("Phường Chũ", "Xã Tân Yên", "Đặc khu Côn Đảo"). Matching a typed name ignores
accents and case (``shop.text.fold``) but an exact spelling always wins, because a few provinces
have two communes that differ only by their accents (Xã Văn Lăng and Xã Văn Lang).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from vietnam_provinces import Province as _Province
from vietnam_provinces import Ward as _Ward

from shop.text import fold, search_terms

DATA_VERSION = "2025-10-18"
_CITY_PREFIX = "Thành phố "
_COMMUNE_PREFIXES = ("phuong ", "xa ", "dac khu ")
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Province:
    code: int
    name: str  # short: "Hà Nội"
    full_name: str  # "Thành phố Hà Nội"


@dataclass(frozen=True)
class Commune:
    code: int
    name: str  # "Phường Chũ"
    province_code: int
    folded: str  # "phuong chu"
    bare: str  # "chu": the folded name without "phường" / "xã" / "đặc khu"
    words: tuple[str, ...]  # ("phuong", "chu"): the folded words, for search

    @property
    def province(self) -> Province:
        return _provinces_by_code()[self.province_code]


@dataclass(frozen=True)
class Address:
    province: Province
    commune: Commune


def _bare(folded: str) -> str:
    for prefix in _COMMUNE_PREFIXES:
        if folded.startswith(prefix):
            return folded.removeprefix(prefix)
    return folded


def _exact(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@cache
def _provinces_by_code() -> dict[int, Province]:
    return {
        int(p.code): Province(
            code=int(p.code), name=p.name.removeprefix(_CITY_PREFIX), full_name=p.name
        )
        for p in _Province.iter_all()
    }


@cache
def _communes_by_code() -> dict[int, Commune]:
    communes = {}
    for ward in _Ward.iter_all():
        folded = fold(ward.name)
        communes[int(ward.code)] = Commune(
            code=int(ward.code),
            name=ward.name,
            province_code=int(ward.province_code),
            folded=folded,
            bare=_bare(folded),
            words=tuple(search_terms(ward.name)),
        )
    return communes


@cache
def _communes_by_province() -> dict[int, tuple[Commune, ...]]:
    grouped: dict[int, list[Commune]] = {code: [] for code in _provinces_by_code()}
    for commune in _communes_by_code().values():
        grouped[commune.province_code].append(commune)
    return {
        code: tuple(sorted(items, key=lambda c: (c.bare, c.folded, c.name)))
        for code, items in grouped.items()
    }


@cache
def provinces() -> tuple[Province, ...]:
    """The 34 provinces and cities, in alphabetical order of their folded names."""
    return tuple(sorted(_provinces_by_code().values(), key=lambda p: (fold(p.name), p.name)))


def province(code: int | str | None) -> Province | None:
    number = _as_code(code)
    return None if number is None else _provinces_by_code().get(number)


def commune(code: int | str | None) -> Commune | None:
    number = _as_code(code)
    return None if number is None else _communes_by_code().get(number)


def communes(province_code: int) -> tuple[Commune, ...]:
    """The communes and wards of a province (empty for an unknown code)."""
    return _communes_by_province().get(province_code, ())


def find_province(value: int | str | None) -> Province | None:
    """A province by its code, or by its short or full name typed with or without accents."""
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdecimal()):
        return province(value)
    folded = fold(value)
    if not folded:
        return None
    for item in _provinces_by_code().values():
        if folded in (fold(item.name), fold(item.full_name)):
            return item
    return None


def find_commune(province_code: int, name: str | None) -> list[Commune]:
    """The communes of the province that ``name`` may mean, best first.

    One result is a match: the exact name (case and Unicode form aside), else the only commune
    whose folded name, or folded name without its type, equals the folded input. Several results
    mean the name is ambiguous; none, that the province has no such commune.
    """
    if not name or not name.strip():
        return []
    candidates = communes(province_code)
    exact = _exact(name)
    for item in candidates:
        if _exact(item.name) == exact:
            return [item]
    folded = fold(name)
    same = [c for c in candidates if c.folded == folded]
    if same:
        return same
    return [c for c in candidates if c.bare == folded]


def resolve(province_code: int | None, commune_code: int | None) -> Address | None:
    """The address for a pair of codes, or None unless the commune lies in the province."""
    found = province(province_code)
    place = commune(commune_code)
    if found is None or place is None or place.province_code != found.code:
        return None
    return Address(province=found, commune=place)


def communes_named(name: str | None) -> list[Commune]:
    """Communes anywhere in the country with this name (for "that one is in Bắc Ninh")."""
    folded = fold(name)
    if not folded:
        return []
    return [c for c in _communes_by_code().values() if folded in (c.folded, c.bare) and c.bare]


def search_communes(
    province_code: int, query: str | None, limit: int | None = SEARCH_LIMIT
) -> list[Commune]:
    """The communes of the province matching every typed word (at the start of one of the
    name's words, accents ignored), best first: the name itself, then names starting with the
    query, then the rest alphabetically. An empty query lists the whole province. Answers are
    kept in memory (the list never changes while the process runs)."""
    found = _search(province_code, tuple(search_terms(query)))
    return list(found if limit is None else found[:limit])


@lru_cache(maxsize=2048)
def _search(province_code: int, words: tuple[str, ...]) -> tuple[Commune, ...]:
    candidates = communes(province_code)
    if not words:
        return candidates
    wanted = " ".join(words)
    ranked = []
    for item in candidates:
        if all(any(w.startswith(term) for w in item.words) for term in words):
            if wanted in (item.bare, item.folded):
                rank = 0
            elif item.bare.startswith(wanted) or item.folded.startswith(wanted):
                rank = 1
            else:
                rank = 2
            ranked.append((rank, item.bare, item.folded, item))
    ranked.sort(key=lambda entry: entry[:3])
    return tuple(entry[3] for entry in ranked)


def _as_code(value: int | str | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        text = value.strip()
        return int(text) if len(text) <= 6 else None
    return None
