"""The OCOP criteria versions as data: each version's parts with their maxima, the star
thresholds of the 100-point total, and who recognises each rating.

Sources (checked for this table):

* Decision 1048/QĐ-TTg of 21 August 2019 (criteria "2019"): part A 35 points, part B 25,
  part C 40.
* Decision 148/QĐ-TTg of 24 February 2023 (criteria "2023", replacing 1048 and 781/QĐ-TTg):
  part A 40 points, part B 25, part C 35 — as summarised by thuvienphapluat.vn ("Thay đổi tiêu
  chí đánh giá sản phẩm OCOP", 25/02/2023) and the Central Coordination Office for New-style
  Rural Development (VietnamPlus, "New criteria for OCOP items", 2023). The 2023 text also moved
  recognition of 3★ to the district, 4★ to the province and 5★ to the centre; Decision
  1489/QĐ-TTg of 6 July 2025 moved 3★ back to the province when districts were abolished.

Both versions rate the total out of 100 with the same thresholds (``STAR_THRESHOLDS``); only
3★ to 5★ are certified, and 5★ ("national OCOP") needs the national-level evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

TOTAL_MAX = 100
CERTIFIED_MIN_STARS = 3
NATIONAL_STARS = 5


class Level(StrEnum):
    """The level of the council that evaluated a round (and of an authority)."""

    DISTRICT = "district"
    PROVINCE = "province"
    NATIONAL = "national"


@dataclass(frozen=True)
class Part:
    key: str  # "a", "b", "c": the column ``score_<key>``
    name: object  # lazy text
    maximum: int


@dataclass(frozen=True)
class CriteriaVersion:
    code: str  # stored in ``criteria_version``
    decision: str
    parts: tuple[Part, ...]

    def maximum(self, key: str) -> int:
        return next(part.maximum for part in self.parts if part.key == key)


PART_NAMES = {
    "a": _l("A. Product and community strength"),
    "b": _l("B. Marketing capability"),
    "c": _l("C. Product quality"),
}


def _version(code: str, decision: str, a: int, b: int, c: int) -> CriteriaVersion:
    parts = tuple(Part(key, PART_NAMES[key], most) for key, most in (("a", a), ("b", b), ("c", c)))
    assert sum(part.maximum for part in parts) == TOTAL_MAX  # noqa: S101 - a table typo
    return CriteriaVersion(code, decision, parts)


VERSIONS: dict[str, CriteriaVersion] = {
    "2019": _version("2019", "1048/QĐ-TTg", 35, 25, 40),
    "2023": _version("2023", "148/QĐ-TTg", 40, 25, 35),
}
PART_KEYS = ("a", "b", "c")

# (stars, lowest total): the first row whose lowest total is reached gives the stars.
STAR_THRESHOLDS: tuple[tuple[int, int], ...] = ((5, 90), (4, 70), (3, 50), (2, 30), (1, 0))


def stars_for_total(total: int) -> int:
    """1★ to 5★ from the total out of 100 (``STAR_THRESHOLDS``)."""
    if not 0 <= total <= TOTAL_MAX:
        raise ValueError("the total is between 0 and 100")
    return next(stars for stars, lowest in STAR_THRESHOLDS if total >= lowest)


def certified(stars: int) -> bool:
    return stars >= CERTIFIED_MIN_STARS


# --- the same rules as SQL, for the CHECK constraints of ``evaluation`` -------------------------


def parts_check_sql() -> str:
    """Each part within its version's maximum (one disjunct per version)."""
    return " OR ".join(
        f"(criteria_version = '{version.code}' AND "
        + " AND ".join(f"score_{p.key} BETWEEN 0 AND {p.maximum}" for p in version.parts)
        + ")"
        for version in VERSIONS.values()
    )


def stars_check_sql(total: str = "total") -> str:
    """``stars`` matching ``total`` by ``STAR_THRESHOLDS``."""
    clauses, upper = [], None
    for stars, lowest in STAR_THRESHOLDS:
        bounds = [f"{total} >= {lowest}"] + ([f"{total} < {upper}"] if upper is not None else [])
        clauses.append(f"(stars = {stars} AND {' AND '.join(bounds)})")
        upper = lowest
    return " OR ".join(clauses)
