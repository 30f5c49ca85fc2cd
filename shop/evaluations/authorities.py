"""The issuing authorities the office keeps: who could sign a recognising decision on a day.

The list changes with the law and the map, so it is data the office edits, not code: under the
2019 criteria the provincial People's Committee recognised 3★ and 4★ and the ministry 5★; from
24 February 2023 (Decision 148/QĐ-TTg) district committees recognised 3★; on 1 March 2025 the
Ministry of Agriculture and Rural Development became the Ministry of Agriculture and
Environment; on 1 July 2025 the districts went, 3★ went back to the province (Decision
1489/QĐ-TTg) and Bắc Giang joined Bắc Ninh. ``SEED`` holds those rows for the first province;
migration ``0036_evaluations`` inserts the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from shop.audit.services import record
from shop.catalog.models import OcopCertificate
from shop.errors import ShopError
from shop.evaluations.criteria import Level
from shop.evaluations.models import IssuingAuthority
from shop.extensions import db

BAC_NINH = 24  # the 2025 list's code of Bắc Ninh (with the former Bắc Giang)
PROGRAMME_START = date(2018, 5, 7)  # Decision 490/QĐ-TTg: the OCOP programme
DISTRICTS_FROM = date(2023, 2, 24)  # Decision 148/QĐ-TTg
DISTRICTS_TO = date(2025, 6, 30)  # the last day of the district level
MINISTRY_RENAMED = date(2025, 3, 1)

# name_vi, name_en, level, province_code, valid_from, valid_to
SEED: tuple[tuple[str, str, str, int | None, date, date | None], ...] = (
    ("UBND tỉnh Bắc Giang", "People's Committee of Bắc Giang province", Level.PROVINCE,
     BAC_NINH, PROGRAMME_START, DISTRICTS_TO),
    ("UBND tỉnh Bắc Ninh", "People's Committee of Bắc Ninh province", Level.PROVINCE,
     BAC_NINH, date(2025, 7, 1), None),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "Ministry of Agriculture and Rural Development",
     Level.NATIONAL, None, PROGRAMME_START, date(2025, 2, 28)),
    ("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment", Level.NATIONAL,
     None, MINISTRY_RENAMED, None),
    *(
        (f"UBND huyện {name}", f"People's Committee of {name} district", Level.DISTRICT,
         BAC_NINH, DISTRICTS_FROM, DISTRICTS_TO)
        for name in ("Lục Ngạn", "Lục Nam", "Tân Yên", "Yên Thế", "Hiệp Hòa")
    ),
)  # fmt: skip


class AuthorityRefused(ShopError):
    """``field``: the form field the reason belongs to; ``reason``: why."""

    code = "authority_refused"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"authority refused: {field} {reason}", field=field, reason=reason)
        self.field, self.reason = field, reason


def seed_authorities() -> int:
    """Insert the rows of ``SEED`` that are missing (by Vietnamese name); how many were."""
    known = set(db.session.scalars(select(IssuingAuthority.name_vi)))
    added = 0
    for name_vi, name_en, level, province, valid_from, valid_to in SEED:
        if name_vi not in known:
            db.session.add(
                IssuingAuthority(
                    name_vi=name_vi, name_en=name_en, level=level, province_code=province,
                    valid_from=valid_from, valid_to=valid_to,
                )
            )  # fmt: skip
            added += 1
    db.session.flush()
    return added


def link_certificates() -> int:
    """Give each certificate without an authority row the row named as printed on it (what
    migration 0036 did for the certificates stored then); how many were linked."""
    names = dict(db.session.execute(select(IssuingAuthority.name_vi, IssuingAuthority.id)).all())
    linked = 0
    for certificate in db.session.scalars(
        select(OcopCertificate).where(OcopCertificate.authority_id.is_(None))
    ):
        if certificate.authority_name in names:
            certificate.authority_id = names[certificate.authority_name]
            linked += 1
    db.session.flush()
    return linked


def visible_authorities(province: int | None):
    """Select of the authorities an office of ``province`` sees (None: every one): its own
    province's and the national ones."""
    query = select(IssuingAuthority).order_by(
        IssuingAuthority.valid_to.is_not(None), IssuingAuthority.level, IssuingAuthority.name_vi
    )
    if province is not None:
        query = query.where(
            or_(
                IssuingAuthority.province_code == province,
                IssuingAuthority.level == Level.NATIONAL,
            )
        )
    return query


def authorities_on(day: date, province: int | None) -> list[IssuingAuthority]:
    """The authorities valid on ``day`` the office of ``province`` may choose."""
    return [a for a in db.session.scalars(visible_authorities(province)) if a.valid_on(day)]


def may_choose(authority: IssuingAuthority, province: int | None) -> bool:
    """Whether the office of ``province`` (None: an admin) may name ``authority``."""
    return (
        province is None or authority.level == Level.NATIONAL or authority.province_code == province
    )


def may_edit(authority: IssuingAuthority, province: int | None) -> bool:
    """An office edits its own province's authorities; national ones are the admins'."""
    return province is None or (
        authority.level != Level.NATIONAL and authority.province_code == province
    )


@dataclass(frozen=True)
class AuthorityInput:
    name_vi: str
    name_en: str
    level: str
    valid_from: date
    valid_to: date | None
    province_code: int | None = None  # an admin's choice for a local authority


def _check(data: AuthorityInput, province: int | None, own_id: int | None) -> None:
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise AuthorityRefused("valid_to", "before_start")
    if province is not None and data.level == Level.NATIONAL:
        raise AuthorityRefused("level", "national")
    if province is None and data.level != Level.NATIONAL and data.province_code is None:
        raise AuthorityRefused("province", "needed")
    taken = db.session.scalar(
        select(IssuingAuthority.id).where(IssuingAuthority.name_vi == data.name_vi)
    )
    if taken is not None and taken != own_id:
        raise AuthorityRefused("name_vi", "taken")


def add_authority(data: AuthorityInput, *, province: int | None, actor_id: int) -> IssuingAuthority:
    """A new authority. An office's goes to its own province (``province``); an admin names the
    province of a local one (``data.province_code``). Flushes and writes the audit log."""
    _check(data, province, None)
    local = data.level != Level.NATIONAL
    authority = IssuingAuthority(
        name_vi=data.name_vi, name_en=data.name_en, level=data.level,
        province_code=(province if province is not None else data.province_code) if local else None,
        valid_from=data.valid_from, valid_to=data.valid_to,
    )  # fmt: skip
    db.session.add(authority)
    db.session.flush()
    record(actor_id, "authority.add", "authority", authority.id, {}, _state(authority))
    return authority


def edit_authority(
    authority: IssuingAuthority, data: AuthorityInput, *, province: int | None, actor_id: int
) -> None:
    """Change an authority's names, level or dates. Flushes and writes the audit log."""
    _check(data, province, authority.id)
    before = _state(authority)
    authority.name_vi, authority.name_en = data.name_vi, data.name_en
    authority.level, authority.valid_from, authority.valid_to = (
        data.level, data.valid_from, data.valid_to
    )  # fmt: skip
    if data.level == Level.NATIONAL:
        authority.province_code = None
    elif province is None:  # an admin moves it; an office's stays in its province
        authority.province_code = data.province_code
    db.session.flush()
    record(actor_id, "authority.edit", "authority", authority.id, before, _state(authority))


def _state(authority: IssuingAuthority) -> dict:
    return {
        "name_vi": authority.name_vi, "name_en": authority.name_en, "level": authority.level,
        "province_code": authority.province_code, "valid_from": authority.valid_from,
        "valid_to": authority.valid_to,
    }  # fmt: skip
