import pytest

from shop.text import fold, search_terms, slugify


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vải Thiều Lục Ngạn", "vai thieu luc ngan"),
        ("Đông trùng hạ thảo", "dong trung ha thao"),
        ("đường ĐI", "duong di"),
        ("Măng   lục trúc", "mang luc truc"),
        ("Mỳ gạo Chũ", "my gao chu"),
        ("Rượu nếp cái hoa vàng", "ruou nep cai hoa vang"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_strips_vietnamese_diacritics_and_case(text, folded):
    assert fold(text) == folded


def test_fold_handles_precomposed_and_decomposed_forms_alike():
    precomposed = "Vải"
    decomposed = "Va\u0309i"
    assert fold(precomposed) == fold(decomposed) == "vai"


def test_search_terms_drop_punctuation_and_duplicates():
    assert search_terms("Vải-thiều, vải!") == ["vai", "thieu"]
    assert search_terms("  ") == []


def test_slugify():
    assert slugify("Mật ong hoa vải (500 ml)") == "mat-ong-hoa-vai-500-ml"
