"""The 2025 address list: complete, looked up by code or name, searched without accents."""

from __future__ import annotations

from collections import Counter

import pytest

from shop.addresses.services import (
    commune,
    communes,
    communes_named,
    find_commune,
    find_province,
    province,
    provinces,
    resolve,
    search_communes,
)

BAC_NINH, HA_NOI, CHU = 24, 1, 7525


def names(items) -> list[str]:
    return [item.name for item in items]


def test_the_list_is_the_complete_2025_one():
    assert len(provinces()) == 34
    assert sum(len(communes(p.code)) for p in provinces()) == 3321
    assert "Hà Nội" in names(provinces())  # short names, not "Thành phố Hà Nội"
    assert province(HA_NOI).full_name == "Thành phố Hà Nội"


def test_a_commune_name_is_unique_within_its_province():
    for item in provinces():
        counts = Counter(c.name for c in communes(item.code))
        assert counts.most_common(1)[0][1] == 1, item.name


def test_lookup_by_code():
    chu = commune(CHU)
    assert chu.name == "Phường Chũ"
    assert chu.province.name == "Bắc Ninh"
    assert commune("7525") == chu
    assert commune(99999999) is None
    assert commune("x") is None
    assert province("²") is None


@pytest.mark.parametrize("typed", ["Hà Nội", "ha noi", "HA NOI", "Thành phố Hà Nội", "1", 1])
def test_find_province_by_name_or_code(typed):
    assert find_province(typed).code == HA_NOI


@pytest.mark.parametrize("typed", ["", None, "Atlantis", "Bắc Giang", "0", "1 OR 1=1"])
def test_unknown_provinces(typed):
    assert find_province(typed) is None


@pytest.mark.parametrize("typed", ["Phường Chũ", "phuong chu", "PHƯỜNG CHŨ", "Chũ", "chu"])
def test_find_commune_ignores_accents_and_case_and_the_type(typed):
    assert names(find_commune(BAC_NINH, typed)) == ["Phường Chũ"]


def test_the_exact_spelling_wins_over_a_name_that_differs_only_by_accents():
    thai_nguyen = find_province("Thái Nguyên").code
    assert names(find_commune(thai_nguyen, "Xã Văn Lăng")) == ["Xã Văn Lăng"]
    assert names(find_commune(thai_nguyen, "Xã Văn Lang")) == ["Xã Văn Lang"]
    assert sorted(names(find_commune(thai_nguyen, "xa van lang"))) == [
        "Xã Văn Lang",
        "Xã Văn Lăng",
    ]


def test_a_commune_of_another_province_is_not_found():
    assert find_commune(HA_NOI, "Phường Chũ") == []
    assert [c.province.name for c in communes_named("Phường Chũ")] == ["Bắc Ninh"]
    assert resolve(HA_NOI, CHU) is None
    assert resolve(BAC_NINH, CHU).commune.name == "Phường Chũ"


@pytest.mark.parametrize("query", ["phuong chu", "chu", "Chũ", "  CHU "])
def test_search_is_accent_insensitive_and_puts_the_name_first(query):
    assert names(search_communes(BAC_NINH, query))[0] == "Phường Chũ"


def test_search_matches_the_start_of_words_within_the_province_only():
    found = names(search_communes(HA_NOI, "hoan"))
    assert found[0] == "Phường Hoàn Kiếm"
    assert all(c in names(communes(HA_NOI)) for c in found)
    assert "Phường Chũ" not in names(search_communes(HA_NOI, "chu"))
    assert search_communes(HA_NOI, "zzz") == []
    assert len(search_communes(HA_NOI, "")) == 20  # the province's first names, a page
    assert len(search_communes(HA_NOI, "", limit=None)) == len(communes(HA_NOI)) == 126
