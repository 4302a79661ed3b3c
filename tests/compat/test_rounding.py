"""compat/rounding.py: half away from zero on integers equals the exact rule on Fractions."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from selftime.analytics import Report
from selftime.compat.render import rows
from selftime.compat.rounding import round_ratio


def exact(value: Fraction, places: int) -> float:
    """The rule written plainly: the magnitude plus one half, truncated at `places` decimals, signed."""
    magnitude = int(abs(value) * 10**places + Fraction(1, 2))
    return (magnitude if value >= 0 else -magnitude) / 10**places


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**9), st.integers(0, 3))
def test_round_ratio_is_the_exact_rule(numerator, denominator, places):
    assert round_ratio(numerator, denominator, places) == exact(Fraction(numerator, denominator), places)


@given(st.integers(1, 10**9), st.data())
def test_efficiency_cells_round_the_exact_mean(total, data):
    weighted = data.draw(st.integers(-2 * total, 2 * total))
    mean = Fraction(weighted, total)
    [row] = rows("interval", Report("efficiency", [("2026-11-30T00:00:00", total, mean)]))
    assert row[3:] == [exact(mean, 2), exact((mean + 2) * 25, 2)]
