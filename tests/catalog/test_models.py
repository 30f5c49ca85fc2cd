from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from shop.catalog.models import OcopCertificate, add_months, stars_for_score
from shop.extensions import db
from tests.factories import gen_certificate, gen_product


@pytest.mark.parametrize(
    ("score", "stars"),
    [(100, 5), (90, 5), (89, 4), (70, 4), (69, 3), (50, 3), (49, 2), (30, 2), (29, 1), (0, 1)],
)
def test_stars_for_score_thresholds(score, stars):
    assert stars_for_score(score) == stars


@pytest.mark.parametrize("score", [-1, 101])
def test_stars_for_score_rejects_out_of_range(score):
    with pytest.raises(ValueError, match="between 0 and 100"):
        stars_for_score(score)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2021, 6, 15), 36) == date(2024, 6, 15)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


def test_certificate_is_valid_36_months_from_decision():
    cert = OcopCertificate.issue(score=91, decision_date=date(2024, 10, 8))
    assert cert.stars == 5
    assert cert.valid_until == date(2027, 10, 8)
    assert cert.is_valid_on(date(2027, 10, 8))
    assert not cert.is_valid_on(date(2027, 10, 9))


def test_only_three_stars_and_up_are_certified():
    with pytest.raises(ValueError, match="3★ to 5★"):
        OcopCertificate.issue(score=45, decision_date=date(2024, 1, 1))


def test_revoked_certificate_is_never_valid():
    cert = OcopCertificate.issue(score=75, decision_date=date(2025, 1, 1))
    cert.status = "revoked"
    assert not cert.is_valid_on(date(2025, 6, 1))


def test_product_valid_certificate_picks_best_one_in_force(app):
    product = gen_product()
    gen_certificate(product, score=72, decision_date=date(2021, 3, 1))  # 4★, expired 2024
    current = gen_certificate(product, score=60, decision_date=date(2025, 3, 1))  # 3★, valid
    db.session.refresh(product)
    assert product.valid_certificate(date(2026, 1, 1)) == current
    assert product.valid_certificate(date(2023, 1, 1)).stars == 4
    assert product.valid_certificate(date(2028, 3, 2)) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"price_vnd": 0},
        {"stock": -1},
        {"vat_rate": 7},
        {"shipping_class": "frozen"},
        {"season_start": 1301, "season_end": 101},
        {"season_start": 501, "season_end": None},
        {"preorder": True},
    ],
)
def test_product_constraints_are_enforced_by_the_database(app, fields):
    with pytest.raises(IntegrityError):
        gen_product(**fields)
    db.session.rollback()


def test_certificate_stars_must_match_score_in_the_database(app):
    product = gen_product()
    cert = gen_certificate(product, score=95, decision_date=date(2024, 1, 1))
    cert.stars = 4
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_in_season_on_handles_windows_across_new_year():
    from shop.catalog.models import Product

    lychee = Product(season_start=525, season_end=731)
    star_apple = Product(season_start=1201, season_end=228)
    all_year = Product()
    assert lychee.in_season_on(date(2026, 6, 15))
    assert not lychee.in_season_on(date(2026, 11, 28))
    assert star_apple.in_season_on(date(2027, 1, 10))
    assert star_apple.in_season_on(date(2026, 12, 1))
    assert not star_apple.in_season_on(date(2026, 11, 30))
    assert all_year.in_season_on(date(2026, 1, 1)) is None
