"""Vietnamese place names and issuing authorities, explained to English readers.

Names stay as they are (a commune is called ``Phúc Hoà`` in any language) and are marked
``lang="vi"``; the words around them — commune, district, province, "now", the name of an
authority — are translated. Vietnamese pages show the stored text unchanged.
"""

from __future__ import annotations

import re

from flask_babel import get_locale, gettext, lazy_gettext
from markupsafe import Markup, escape

from shop.templating import current_lang

# Administrative unit prefixes, longest first, with their English pattern.
_UNITS = (
    ("thành phố ", lazy_gettext("%(name)s city")),
    ("thị trấn ", lazy_gettext("%(name)s town")),
    ("thị xã ", lazy_gettext("%(name)s town")),
    ("phường ", lazy_gettext("%(name)s ward")),
    ("huyện ", lazy_gettext("%(name)s district")),
    ("quận ", lazy_gettext("%(name)s district")),
    ("tỉnh ", lazy_gettext("%(name)s province")),
    ("xã ", lazy_gettext("%(name)s commune")),
)
_NOW = re.compile(r"\s*\(nay (?:thuộc |là )?(?P<place>[^)]+)\)\s*$", re.IGNORECASE)

# Authorities that issue OCOP certificates, by their Vietnamese name.
_AUTHORITIES = {
    "Bộ Nông nghiệp và Phát triển nông thôn": lazy_gettext(
        "Ministry of Agriculture and Rural Development"
    ),
    "Bộ Nông nghiệp và Môi trường": lazy_gettext("Ministry of Agriculture and Environment"),
}
_PEOPLES_COMMITTEE = re.compile(r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân) (?P<unit>.+)$")


def _vi(text: str) -> Markup:
    return Markup('<span lang="vi">{}</span>').format(text)


def _part(text: str) -> Markup:
    lowered = text.lower()
    for prefix, pattern in _UNITS:
        if lowered.startswith(prefix) and len(text) > len(prefix):
            return escape(str(pattern)).replace("%(name)s", _vi(text[len(prefix) :]))
    return _vi(text)


# place's answers by (text, page language, locale in force): cards repeat a few communes.
_PLACES: dict[tuple[str, str, str], Markup] = {}


def place(text: str | None) -> Markup:
    """``xã Hồng Giang, huyện Lục Ngạn (nay Bắc Ninh)`` for English readers:
    ``Hồng Giang commune, Lục Ngạn district (now Bắc Ninh)``, names marked ``lang="vi"``."""
    if not text:
        return Markup("")
    return place_in(text, current_lang())


def place_in(text: str, lang: str, locale: str | None = None) -> Markup:
    """``place`` for a page in ``lang`` whose translations (``locale``) are in force."""
    if lang == "vi":
        return escape(text)
    key = (text, lang, locale or str(get_locale()))
    known = _PLACES.get(key)
    if known is not None:
        return known
    note = _NOW.search(text)
    main = text[: note.start()] if note else text
    out = Markup(", ").join(_part(p.strip()) for p in main.split(",") if p.strip())
    if note:
        now = escape(gettext("(now %(place)s)", place="\x00")).replace(
            "\x00", _place_inline(note.group("place"))
        )
        out = out + Markup(" ") + now
    if len(_PLACES) > 4096:
        _PLACES.clear()
    _PLACES[key] = out
    return out


def _place_inline(text: str) -> Markup:
    return Markup(", ").join(_part(p.strip()) for p in text.split(",") if p.strip())


def authority(name: str) -> Markup:
    """An issuing authority's name in the reader's language (``UBND tỉnh Bắc Giang`` →
    ``Bắc Giang Provincial People's Committee``); an unknown name is kept, marked Vietnamese."""
    if current_lang() == "vi":
        return escape(name)
    if name in _AUTHORITIES:
        return escape(str(_AUTHORITIES[name]))
    match = _PEOPLES_COMMITTEE.match(name)
    if match:
        return escape(gettext("People's Committee of %(place)s", place="\x00")).replace(
            "\x00", _place_inline(match.group("unit"))
        )
    return _vi(name)


_HTX = re.compile(r"^(HTX)\s+")


# producer_name's answers by (name, page language, locale in force): a listing shows the same
# few producers on every card, and looking up the translation costs more than the rest.
_PRODUCER_NAMES: dict[tuple[str, str, str], Markup] = {}


def producer_name(name: str) -> Markup:
    """A producer's name marked Vietnamese, with ``HTX`` explained (hợp tác xã, cooperative)."""
    return producer_name_in(name, current_lang())


def producer_name_in(name: str, lang: str, locale: str | None = None) -> Markup:
    """``producer_name`` for a page in ``lang`` whose translations (``locale``) are in force."""
    match = _HTX.match(name)
    if not match:
        return _vi(name)
    key = (name, lang, locale or str(get_locale()))
    known = _PRODUCER_NAMES.get(key)
    if known is not None:
        return known
    abbr = Markup('<abbr title="{}" lang="{}">HTX</abbr>').format(gettext("cooperative"), key[1])
    if len(_PRODUCER_NAMES) > 4096:
        _PRODUCER_NAMES.clear()
    answer = _PRODUCER_NAMES[key] = Markup('<span lang="vi">{} {}</span>').format(
        abbr, name[match.end() :]
    )
    return answer
