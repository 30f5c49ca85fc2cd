"""Money in integer đồng: formatting, the USD reference, VAT contained, and exact splits."""

from __future__ import annotations

from collections.abc import Sequence

VAT_RATES = (0, 5, 8, 10)


def format_vnd(amount: int) -> str:
    """``1250000`` → ``1.250.000 ₫`` (Vietnamese grouping, no minor unit)."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("amounts are integer đồng")
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,}".replace(",", ".")
    return f"{sign}{grouped}\u00a0₫"


def usd_reference(amount_vnd: int, rate_vnd_per_usd: int) -> int:
    """Whole US dollars for a reference label, rounded half up; never used to charge."""
    if rate_vnd_per_usd <= 0:
        raise ValueError("rate must be positive")
    return (amount_vnd * 2 + rate_vnd_per_usd) // (rate_vnd_per_usd * 2)


def vat_included(price_vnd: int, vat_rate: int) -> int:
    """The VAT contained in a VAT-inclusive price, rounded half up to the đồng."""
    if vat_rate not in VAT_RATES:
        raise ValueError(f"VAT rate must be one of {VAT_RATES}")
    return (price_vnd * vat_rate * 2 + (100 + vat_rate)) // ((100 + vat_rate) * 2)


def percent_of(amount_vnd: int, basis_points: int) -> int:
    """``amount × basis_points / 10 000``, rounded half up (150 bp = 1.5 %)."""
    if amount_vnd < 0 or basis_points < 0:
        raise ValueError("amount and rate must not be negative")
    return (amount_vnd * basis_points * 2 + 10_000) // 20_000


def allocate(total_vnd: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_vnd`` in proportion to ``weights`` so the parts add up to it exactly.

    Largest-remainder method: each part gets its floor share, then the đồng left over go one
    each to the parts with the largest remainders (ties to the earlier part).
    """
    if not weights:
        raise ValueError("nothing to allocate to")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total_vnd < 0 else 1
    magnitude = abs(total_vnd)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * part for part in floors]
