"""The gift-set builder: each constraint keeps out what it should, the proposals fit the
budget within ±10 % and come out the same every time, and a swap is checked (hostile ids,
20-digit ids and Unicode digits get a message, never a 500)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest

from shop.bundles.giftsets import (
    Candidate,
    Constraints,
    chosen_set,
    eligible_products,
    propose_sets,
    swap_choices,
)
from shop.extensions import db
from tests.conftest import DEMO_TODAY
from tests.factories import gen_certificate, gen_producer, gen_product

BAC_NINH, CHU, HA_NOI = 24, 7525, 1
ISSUED = date(2025, 1, 1)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def shelf(app):
    """Products named by what should keep them out."""
    chu = gen_producer(province_code=BAC_NINH, commune_code=CHU)
    elsewhere_in_bac_ninh = gen_producer(province_code=BAC_NINH, commune_code=7000)
    ha_noi = gen_producer(province="Hà Nội", province_code=HA_NOI, commune_code=1)

    def product(name, producer=chu, stars=4, **fields):
        made = gen_product(producer=producer, name_vi=name, name_en=name, **fields)
        if stars:
            gen_certificate(made, score={3: 60, 4: 80, 5: 95}[stars], decision_date=ISSUED)
        return made

    made = {
        "tea": product("tea", stars=5, price_vnd=250_000),
        "honey": product("honey", price_vnd=180_000),
        "noodles": product("noodles", price_vnd=60_000),
        "cakes": product("cakes", price_vnd=65_000),
        "three_star": product("three_star", stars=3, price_vnd=150_000),
        "uncertified": product("uncertified", stars=None, price_vnd=90_000),
        "wine": product("wine", price_vnd=240_000, adult_only=True),
        "sausage": product("sausage", price_vnd=150_000, shipping_class="chilled"),
        "lychee": product(
            "lychee",
            price_vnd=200_000,
            shipping_class="fresh_perishable",
            season_start=1101,
            season_end=1231,
        ),
        "summer": product("summer", price_vnd=120_000, season_start=501, season_end=731),
        "sold_out": product("sold_out", price_vnd=110_000, stock=0),
        "paused": product("paused", price_vnd=100_000, active=False),
        "other_commune": product("other_commune", producer=elsewhere_in_bac_ninh, price_vnd=70_000),
        "ha_noi": product("ha_noi", producer=ha_noi, price_vnd=130_000),
        "too_dear": product("too_dear", price_vnd=5_000_000),
    }
    db.session.commit()
    return made


def names(constraints: Constraints) -> set[str]:
    return {c.product.name_vi for c in eligible_products(constraints)}


EVERYTHING_SHOWN = {
    "tea",
    "honey",
    "noodles",
    "cakes",
    "three_star",
    "uncertified",
    "wine",
    "sausage",
    "lychee",
    "other_commune",
    "ha_noi",
}


def test_without_constraints_only_what_can_be_delivered_and_fits(shelf):
    # Out of season, sold out, paused and dearer than the budget's ceiling are never offered.
    assert names(Constraints(500_000, DEMO_TODAY)) == EVERYTHING_SHOWN


@pytest.mark.parametrize(
    ("constraint", "kept_out"),
    [
        ({"four_stars": True}, {"three_star", "uncertified"}),
        ({"no_alcohol": True}, {"wine"}),
        ({"no_chilled": True}, {"sausage", "lychee"}),
        ({"province_code": HA_NOI}, EVERYTHING_SHOWN - {"ha_noi"}),
        ({"province_code": BAC_NINH}, {"ha_noi"}),
        ({"province_code": BAC_NINH, "commune_code": CHU}, {"ha_noi", "other_commune"}),
    ],
)
def test_each_constraint_keeps_out_what_it_should(shelf, constraint, kept_out):
    assert names(Constraints(500_000, DEMO_TODAY, **constraint)) == EVERYTHING_SHOWN - kept_out


def test_the_delivery_date_follows_seasons(shelf):
    july = names(Constraints(500_000, date(2027, 7, 1)))
    assert "summer" in july
    assert "lychee" not in july


def test_proposals_fit_the_budget_are_different_and_deterministic(shelf):
    constraints = Constraints(500_000, DEMO_TODAY, four_stars=True, no_alcohol=True)
    candidates = eligible_products(constraints)
    proposals = propose_sets(candidates, constraints)
    assert 1 <= len(proposals) <= 3
    assert len({frozenset(c.id for c in p.items) for p in proposals}) == len(proposals)
    for proposal in proposals:
        assert 450_000 <= proposal.total_vnd <= 550_000
        assert len({c.id for c in proposal.items}) == len(proposal.items)
    again = propose_sets(list(reversed(candidates)), constraints)
    assert [[c.id for c in p.items] for p in again] == [[c.id for c in p.items] for p in proposals]


def test_no_proposal_when_nothing_fits():
    class P:  # a stand-in product: only id and price matter to the proposer
        def __init__(self, id, price_vnd):
            self.id, self.price_vnd = id, price_vnd

    constraints = Constraints(300_000, DEMO_TODAY)
    assert propose_sets([Candidate(P(1, 100_000), 4)], constraints) == []
    exact = propose_sets([Candidate(P(1, 200_000), 4), Candidate(P(2, 130_000), 4)], constraints)
    assert [p.total_vnd for p in exact] == [330_000]  # the 110 % ceiling is in


def test_swaps_keep_the_total_within_the_budget(shelf):
    constraints = Constraints(500_000, DEMO_TODAY)
    candidates = eligible_products(constraints)
    proposal = propose_sets(candidates, constraints)[0]
    for item, options in zip(
        proposal.items, swap_choices(proposal, candidates, constraints), strict=True
    ):
        assert options[0] is item
        for option in options[1:]:
            assert constraints.fits(proposal.total_vnd - item.price_vnd + option.price_vnd)


def test_a_chosen_box_is_checked(shelf):
    constraints = Constraints(500_000, DEMO_TODAY, no_alcohol=True)
    candidates = eligible_products(constraints)
    ids = {name: product.id for name, product in shelf.items()}
    assert chosen_set([ids["tea"], ids["honey"], ids["noodles"]], candidates, constraints)
    for chosen, reason in [
        ([ids["tea"], ids["tea"], ids["noodles"]], "duplicate"),
        ([ids["wine"], ids["honey"], ids["noodles"]], "ineligible"),
        ([ids["summer"], ids["tea"], ids["cakes"]], "ineligible"),
        ([ids["tea"]], "budget"),
        ([], "count"),
        ([ids["noodles"]] * 9, "count"),
    ]:
        with pytest.raises(ValueError, match=reason):
            chosen_set(chosen, candidates, constraints)


def _builder(client, **params):
    return client.get("/gift-sets/builder?" + urlencode(params, doseq=True))


def test_the_builder_page_in_both_languages(client, shelf):
    assert _builder(client, lang="en").status_code == 200
    page = text(_builder(client, band="500k", stars="4", no_alcohol="1", lang="en"))
    assert "Boxes for 500.000 ₫ (450.000 ₫ – 550.000 ₫)" in page
    assert "Box 1 — " in page
    assert "wine" not in page.split("Boxes for")[1]
    vi = text(_builder(client, band="500k", lang="vi"))
    assert "Tạo hộp quà" in vi
    assert "Hộp 1 — " in vi


def test_a_swap_comes_back_checked(client, shelf):
    ids = [shelf["tea"].id, shelf["honey"].id, shelf["noodles"].id]
    page = text(_builder(client, band="500k", items=ids, lang="en"))
    assert "Box 1 — 490.000 ₫" in page
    assert "Box 2" not in page  # the chosen box only


@pytest.mark.parametrize(
    "items",
    [
        ["x"],
        ["9" * 20],
        ["١٢"],  # Arabic-Indic digits
        ["²"],
        ["-1"],
        [" "],
        ["1"] * 9,
    ],
)
def test_hostile_items_get_a_message_never_a_500(client, shelf, items):
    response = _builder(client, band="500k", items=items, lang="en")
    assert response.status_code == 400
    assert "not ones this builder offers" in text(response) or "from 1 to 8" in text(response)


def test_a_control_character_is_refused_before_the_builder(client, shelf):
    assert _builder(client, band="500k", items=["1\x00"]).status_code == 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"amount": "12abc"}, "Type an amount from"),
        ({"amount": "9" * 20}, "Type an amount from"),
        ({"amount": "١٠٠٠٠٠"}, "Type an amount from"),
        ({"band": "2m"}, "Choose a budget per box"),
        ({"band": "500k", "date": "2020-01-01"}, "Choose a delivery date"),
        ({"band": "500k", "date": "not a date"}, "Choose a delivery date"),
        ({"band": "500k", "province": "9" * 20}, "Choose a province"),
        ({"band": "500k", "province": str(BAC_NINH), "commune": "1"}, "Choose a commune"),
    ],
)
def test_bad_constraints_are_refused_with_a_message(client, shelf, params, message):
    response = _builder(client, lang="en", **params)
    assert response.status_code == 400
    assert message in text(response)


def test_a_typed_amount_and_a_commune(client, shelf):
    page = text(
        _builder(client, amount="300000", province=str(BAC_NINH), commune=str(CHU), lang="en")
    )
    assert "Boxes for 300.000 ₫" in page
    assert "ha_noi" not in page.split("Boxes for")[1]
    assert "other_commune" not in page.split("Boxes for")[1]
