"""Account holders against legal names: folded to upper-case ASCII, abbreviations written out."""

from __future__ import annotations

import pytest

from shop.banking.names import bank_name_form, same_holder, to_ascii


def test_to_ascii_keeps_the_case():
    assert to_ascii("Ủng hộ  Đồng bào\nlũ lụt") == "Ung ho Dong bao lu lut"


@pytest.mark.parametrize(
    ("holder", "legal"),
    [
        ("HTX CHE TAN CUONG", "Hợp tác xã Chè Tân Cương"),
        ("HOP TAC XA CHE TAN CUONG", "HTX Chè Tân Cương"),
        ("Cty TNHH Mật ong Bảo Ngọc", "CÔNG TY TRÁCH NHIỆM HỮU HẠN MẬT ONG BẢO NGỌC"),
        ("CONG TY TNHH MTV NAM SON", "Cty TNHH một thành viên Nam Sơn"),
        ("HKD NGUYEN VAN AN", "Hộ kinh doanh Nguyễn Văn An"),
        ("htx  che-tan cuong.", "HTX Chè Tân Cương"),
    ],
)
def test_the_holder_matches_the_legal_name(holder, legal):
    assert same_holder(holder, legal)


@pytest.mark.parametrize(
    ("holder", "legal"),
    [
        ("HTX CHE TAN CUONG 2", "HTX Chè Tân Cương"),
        ("NGUYEN VAN AN", "Hộ kinh doanh Nguyễn Văn An"),
        ("HTX CHE TAN", "HTX Chè Tân Cương"),
        ("", ""),
    ],
)
def test_another_name_does_not_match(holder, legal):
    assert not same_holder(holder, legal)


def test_abbreviations_only_as_whole_words():
    assert bank_name_form("HTXANH") == "HTXANH"
