"""Totals in Vietnamese words, as the invoice writes them."""

from __future__ import annotations

import pytest

from shop.invoicing.words import amount_in_words, number_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (25, "Hai mươi lăm đồng"),
        (101, "Một trăm linh một đồng"),
        (110, "Một trăm mười đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_000_005, "Một triệu không trăm linh năm đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (105_000_000, "Một trăm linh năm triệu đồng"),
        (2_005_000_015, "Hai tỷ không trăm linh năm triệu không trăm mười lăm đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
    ],
)
def test_amounts_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_only_whole_dong():
    with pytest.raises(TypeError):
        number_words(1.5)
    assert number_words(-21) == "âm hai mươi mốt"
