"""The criteria versions and star thresholds, table-driven, and the database refusing any
evaluation row that breaks them (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from shop.catalog.models import stars_for_score
from shop.evaluations.criteria import VERSIONS, stars_for_total
from shop.extensions import db
from tests.evaluations.factories import gen_evaluation
from tests.factories import gen_experience, gen_product

# (version, part A max, part B max, part C max): Decision 1048/QĐ-TTg and 148/QĐ-TTg.
MAXIMA = [("2019", 35, 25, 40), ("2023", 40, 25, 35)]

# Each boundary of the thresholds: (total, stars).
THRESHOLDS = [
    (0, 1), (29, 1), (30, 2), (49, 2), (50, 3), (69, 3), (70, 4), (89, 4), (90, 5), (100, 5),
]  # fmt: skip


@pytest.mark.parametrize(("version", "a", "b", "c"), MAXIMA)
def test_each_version_has_its_parts_and_maxima(version, a, b, c):
    parts = VERSIONS[version].parts
    assert [(p.key, p.maximum) for p in parts] == [("a", a), ("b", b), ("c", c)]
    assert a + b + c == 100


@pytest.mark.parametrize(("total", "stars"), THRESHOLDS)
def test_stars_by_the_thresholds(total, stars):
    assert stars_for_total(total) == stars
    assert stars_for_score(total) == stars  # the certificates' rule is the same table


@pytest.mark.parametrize("total", [-1, 101])
def test_a_total_outside_0_to_100_is_refused(total):
    with pytest.raises(ValueError, match="between 0 and 100"):
        stars_for_total(total)


def _parts_for(version: str, total: int) -> tuple[int, int, int]:
    """Part scores within ``version``'s maxima adding up to ``total``."""
    maxima = [p.maximum for p in VERSIONS[version].parts]
    scores, left = [], total
    for most in maxima:
        scores.append(min(most, left))
        left -= scores[-1]
    return tuple(scores)


@pytest.mark.parametrize("version", ["2019", "2023"])
@pytest.mark.parametrize(("total", "stars"), THRESHOLDS)
def test_the_database_takes_every_boundary_under_every_version(app, version, total, stars):
    a, b, c = _parts_for(version, total)
    level = "national" if stars == 5 else "province"
    gen_evaluation(
        gen_product(), criteria_version=version, score_a=a, score_b=b, score_c=c, total=total,
        stars=stars, level=level,
    )  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize(
    ("version", "part", "value"),
    [("2019", "score_a", 36), ("2019", "score_c", 41), ("2023", "score_a", 41),
     ("2023", "score_c", 36), ("2019", "score_b", 26), ("2023", "score_b", 26),
     ("2023", "score_a", -1)],
)  # fmt: skip
def test_the_database_refuses_a_part_over_its_version_maximum(app, version, part, value):
    scores = {"score_a": 20, "score_b": 20, "score_c": 20} | {part: value}
    total = sum(scores.values())
    product = gen_product()
    db.session.commit()
    with pytest.raises(IntegrityError):
        gen_evaluation(product, criteria_version=version, **scores, total=total,
                       stars=stars_for_total(max(total, 0)))  # fmt: skip
    db.session.rollback()


def test_a_part_fine_under_one_version_may_be_over_the_other():
    """36 points in part A: fine in 2023 (max 40), over in 2019 (max 35) — and the reverse
    for part C."""
    assert VERSIONS["2023"].maximum("a") >= 36 > VERSIONS["2019"].maximum("a")
    assert VERSIONS["2019"].maximum("c") >= 38 > VERSIONS["2023"].maximum("c")


@pytest.mark.parametrize(
    "fields",
    [
        {"total": 76},  # not the sum of the parts
        {"stars": 3},  # 75 is 4★
        {"stars": 5, "score_a": 40, "score_b": 25, "score_c": 25, "total": 90},  # 5★ at province
        {"criteria_version": "2021"},
        {"level": "commune"},
        {"round_name": ""},
    ],
)
def test_the_database_refuses_bad_rows(app, fields):
    product = gen_product()
    db.session.commit()
    with pytest.raises(IntegrityError):
        gen_evaluation(product, **fields)
    db.session.rollback()


def test_an_evaluation_rates_one_product_or_one_experience(app):
    product = gen_product()
    experience = gen_experience()
    db.session.commit()
    with pytest.raises(IntegrityError):
        gen_evaluation(product, experience_id=experience.id)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        gen_evaluation(product, product_id=None)
    db.session.rollback()
    gen_evaluation(product, product_id=None, experience_id=experience.id)
    db.session.commit()
