"""An amount of đồng in Vietnamese words, as a VAT invoice writes its total
("Một triệu hai trăm năm mươi nghìn đồng").

The usual reading of invoices: groups of three digits named nghìn, triệu, tỷ (and tỷ again above:
"một nghìn tỷ"); a group after the first says its hundreds even when they are nought
("một triệu không trăm linh năm"); a lone unit after the hundreds takes "linh" ("một trăm linh
một"); after "mươi" one is "mốt" and five is "lăm", after "mười" five is "lăm" too.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 1_000_000_000


def _group(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; ``full`` when a higher group was said before it."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def _below_billion(n: int, full: bool) -> list[str]:
    words: list[str] = []
    for size, name in ((1_000_000, "triệu"), (1_000, "nghìn"), (1, "")):
        part, n = divmod(n, size)
        if part:
            words += _group(part, full)
            if name:
                words.append(name)
            full = True
    return words


def _words(n: int, full: bool = False) -> list[str]:
    if n >= BILLION:
        high, low = divmod(n, BILLION)
        words = [*_words(high, full), "tỷ"]
        return words + (_below_billion(low, True) if low else [])
    return _below_billion(n, full)


def number_words(n: int) -> str:
    """``1250000`` → ``một triệu hai trăm năm mươi nghìn`` (lower case, no unit)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("a whole number of đồng")
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n))


def amount_in_words(amount_vnd: int) -> str:
    """The invoice's "Số tiền viết bằng chữ": capitalised, ending in "đồng"."""
    text = f"{number_words(amount_vnd)} đồng"
    return text[0].upper() + text[1:]
