"""Addresses written the pre-July-2025 way: a former province (merged into another), or a
district ("Huyện Tân Yên", "Quận 3") where the two-level list only has communes and wards.

The ``vietnam-provinces`` package only carries the 2025 list, so the former provinces are listed
here (Resolution 202/2025/QH15: 63 provinces became 34); a district or former township is matched
to the 2025 commune or ward that took its name, when there is one.
"""

from __future__ import annotations

import re

from shop.addresses.services import Commune, Province, communes, find_province
from shop.text import fold

# Former province → the 2025 province it joined (short names, as ``find_province`` takes them).
FORMER_PROVINCES = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
}

_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")
# District-level units (and the townships) that the 2025 reform removed.
_DISTRICT_PREFIX = re.compile(r"^(huyen|quan|thi xa|thanh pho|tp\.?|thi tran|tt\.?)\s+")
_KEY = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    return _KEY.sub("", fold(text))


_FORMER = {_key(old): new for old, new in FORMER_PROVINCES.items()}


def former_province(text: str | None) -> tuple[str, Province] | None:
    """``"Tỉnh Bắc Giang"`` → ``("Bắc Giang", <Bắc Ninh>)``; None unless a former province."""
    folded = _PROVINCE_PREFIX.sub("", fold(text))
    new = _FORMER.get(_key(folded))
    if new is None:
        return None
    old = next(name for name in FORMER_PROVINCES if _key(name) == _key(folded))
    found = find_province(new)
    return (old, found) if found is not None else None


def is_district_style(text: str | None) -> bool:
    """Whether the text names a district, a town or a township ("Huyện Lục Ngạn", "TT. Chũ")."""
    return bool(_DISTRICT_PREFIX.match(fold(text)))


def district_suggestion(province_code: int, text: str | None) -> Commune | None:
    """The 2025 commune or ward of the province that took the district's (or former
    commune's) name: "Huyện Tân Yên" → "Xã Tân Yên", "Thị xã Chũ" → "Phường Chũ"."""
    bare = _DISTRICT_PREFIX.sub("", fold(text))
    for prefix in ("xa ", "phuong "):
        bare = bare.removeprefix(prefix)
    if not bare:
        return None
    matches = [c for c in communes(province_code) if c.bare == bare]
    return matches[0] if len(matches) == 1 else None
