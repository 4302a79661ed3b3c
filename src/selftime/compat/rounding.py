"""The one rounding of RescueTime's decimals: half away from zero, exactly, then the nearest float."""

from __future__ import annotations

from fractions import Fraction


def round_ratio(numerator: int, denominator: int, places: int) -> float:
    """numerator / denominator (denominator > 0) half away from zero at `places` decimals, computed on
    integers: reports round a value per row, thousands of rows, where Fraction arithmetic showed.

    int / int is correctly rounded, so the float prints as its decimal (12.34, 34.0, 99.88)."""
    scale = 10**places
    whole = (abs(numerator) * scale * 2 + denominator) // (2 * denominator)
    return (whole if numerator >= 0 else -whole) / scale


def round_half_away(value: Fraction, places: int) -> float:
    return round_ratio(value.numerator, value.denominator, places)
