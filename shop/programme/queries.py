"""The programme's figures, read with a handful of grouped queries whatever the number of
certificates (tested: the same statements for 20 and 200 products).

A rated item is a product or an experience (community tourism is an OCOP group) with at least one
certificate in force today (``certificate_in_force``: not revoked, through its last valid day);
its stars are the best of those. Its group is the top-level OCOP group of its category, its
commune its producer's. "By year" counts certificates by the year of their decision, expired
ones included: the programme's history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from shop.catalog.models import (
    NOT_IN_FORCE,
    Category,
    OcopCertificate,
    Producer,
    Product,
)
from shop.extensions import db
from shop.tourism.models import Experience

# The provincial plan (demo catalogue): at least 310 products rated 3★ or more by 2025, 30 to
# 35 newly rated a year, one or two rated 5★.
TARGET_RATED = 310
TARGET_YEAR = 2025
NEW_PER_YEAR = (30, 35)
FIVE_STARS = (1, 2)
EXPIRING_MONTHS = 6


@dataclass(frozen=True)
class Rated:
    """One rated item: its best certificate in force."""

    kind: str  # "product" | "experience"
    name_vi: str
    name_en: str | None
    slug: str
    producer: str
    commune: str
    province: str
    group_vi: str
    group_en: str
    certificate_number: str
    stars: int
    score: int
    decision_date: date
    valid_until: date


@dataclass
class Programme:
    today: date
    rated: list[Rated]
    by_year: dict[int, int]  # certificates decided each year (expired ones included)
    by_stars: dict[int, int] = field(init=False)
    by_group: list[tuple[str, str, int]] = field(init=False)  # (vi, en, count), most first
    by_commune: list[tuple[str, int]] = field(init=False)
    expiring: list[Rated] = field(init=False)

    def __post_init__(self) -> None:
        self.by_stars = dict.fromkeys((3, 4, 5), 0)
        self.by_stars.update(Counter(item.stars for item in self.rated))
        groups = Counter((item.group_vi, item.group_en) for item in self.rated)
        self.by_group = sorted(
            ((vi, en, n) for (vi, en), n in groups.items()), key=lambda g: (-g[2], g[0])
        )
        communes = Counter(item.commune for item in self.rated)
        self.by_commune = sorted(communes.items(), key=lambda c: (-c[1], c[0]))
        until = self.today + relativedelta(months=EXPIRING_MONTHS)
        self.expiring = sorted(
            (item for item in self.rated if item.valid_until <= until),
            key=lambda item: (item.valid_until, item.name_vi),
        )

    def groups_in(self, lang: str) -> list[tuple[str, int]]:
        """The groups' counts, named in ``lang``."""
        return [((en if lang == "en" else vi), n) for vi, en, n in self.by_group]

    @property
    def rated_count(self) -> int:
        return len(self.rated)

    @property
    def new_this_year(self) -> int:
        return self.by_year.get(self.today.year, 0)

    @property
    def target_share(self) -> int:
        """Percent of the plan's count reached (at most 100)."""
        return min(100, round(100 * self.rated_count / TARGET_RATED))


def _in_force(today: date):
    return (
        OcopCertificate.status.not_in(NOT_IN_FORCE),
        OcopCertificate.valid_until >= today,
    )


def _rated(today: date) -> list[Rated]:
    """Every rated item with its best certificate in force (ties: the latest decision)."""
    top = Category.__table__.alias("top_group")
    group_of = func.coalesce(Category.parent_id, Category.id)
    rows = []
    for kind, model, key in (
        ("product", Product, OcopCertificate.product_id),
        ("experience", Experience, OcopCertificate.experience_id),
    ):
        rank = (
            func.row_number()
            .over(
                partition_by=key,
                order_by=(OcopCertificate.stars.desc(), OcopCertificate.decision_date.desc()),
            )
            .label("rank")
        )
        best = select(OcopCertificate, rank).where(key.is_not(None), *_in_force(today)).subquery()
        query = (
            select(
                model.name_vi,
                model.name_en,
                model.slug,
                Producer.name,
                Producer.commune,
                Producer.province,
                top.c.name_vi,
                top.c.name_en,
                best.c.certificate_number,
                best.c.stars,
                best.c.score,
                best.c.decision_date,
                best.c.valid_until,
            )  # fmt: skip
            .join(model, model.id == best.c[key.name])
            .join(Producer, Producer.id == model.producer_id)
            .join(Category, Category.id == model.category_id)
            .join(top, top.c.id == group_of)
            .where(best.c.rank == 1)
        )
        rows += [Rated(kind, *row) for row in db.session.execute(query)]
    return sorted(rows, key=lambda item: (-item.stars, item.name_vi))


def _by_year() -> dict[int, int]:
    year = func.extract("year", OcopCertificate.decision_date)
    rows = db.session.execute(
        select(year, func.count(OcopCertificate.id)).group_by(year).order_by(year)
    )
    return {int(y): n for y, n in rows}


def programme(today: date) -> Programme:
    return Programme(today=today, rated=_rated(today), by_year=_by_year())
