"""domain/summary.py: the exact numbers of a day's summary, the pulse, and the feed's window."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selftime.domain.summary import FIELDS, feed_window, productivity_pulse, tally
from selftime.domain.taxonomy import TOP_LEVEL
from selftime.domain.zone import local_day_number, to_ms

LEVEL_STEMS = ("very_productive", "productive", "neutral", "distracting", "very_distracting")
CATEGORY_STEMS = (
    "uncategorized",
    "business",
    "communication_and_scheduling",
    "social_networking",
    "design_and_composition",
    "entertainment",
    "news",
    "software_development",
    "reference_and_learning",
    "shopping",
    "utilities",
)
TOPS = [name for name, _ in TOP_LEVEL]


def at(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))


def day(text: str) -> int:
    return local_day_number(dt.date.fromisoformat(text))


# --- fields ---------------------------------------------------------------------------------------


def test_fields_follow_the_docs_order():
    assert (*LEVEL_STEMS, "all_productive", "all_distracting", *CATEGORY_STEMS) == FIELDS


def test_tally_puts_each_piece_in_one_level_and_one_category():
    totals = tally(
        [
            (2, "Software Development", 7_200_000),
            (2, "Design & Composition", 1_800_000),
            (1, "Communication & Scheduling", 2_700_000),
            (0, "Communication & Scheduling", 1_215_000),
            (0, "Uncategorized", 210_000),
            (-1, "News & Opinion", 720_000),
            (-2, "Entertainment", 3_660_000),
            (-2, "Shopping", 41_000),
        ]
    )
    assert totals.total_ms == 17_546_000
    assert list(totals.parts.items()) == [
        ("very_productive", 9_000_000),
        ("productive", 2_700_000),
        ("neutral", 1_425_000),
        ("distracting", 720_000),
        ("very_distracting", 3_701_000),
        ("all_productive", 11_700_000),
        ("all_distracting", 4_421_000),
        ("uncategorized", 210_000),
        ("business", 0),
        ("communication_and_scheduling", 3_915_000),
        ("social_networking", 0),
        ("design_and_composition", 1_800_000),
        ("entertainment", 3_660_000),
        ("news", 720_000),
        ("software_development", 7_200_000),
        ("reference_and_learning", 0),
        ("shopping", 41_000),
        ("utilities", 0),
    ]


@given(
    st.lists(
        st.tuples(st.sampled_from([2, 1, 0, -1, -2]), st.sampled_from(TOPS), st.integers(0, 90_000_000)),
        max_size=40,
    )
)
def test_levels_and_categories_each_sum_to_the_total_in_ms(pieces):
    totals = tally(pieces)
    assert totals.total_ms == sum(ms for _, _, ms in pieces)
    assert sum(totals.parts[s] for s in LEVEL_STEMS) == totals.total_ms
    assert sum(totals.parts[s] for s in CATEGORY_STEMS) == totals.total_ms
    assert totals.parts["all_productive"] == totals.parts["very_productive"] + totals.parts["productive"]
    assert totals.parts["all_distracting"] == totals.parts["distracting"] + totals.parts["very_distracting"]
    assert 0 <= totals.pulse <= 100


def test_unknown_level_or_category_is_refused():
    with pytest.raises(ValueError, match="level 3"):
        tally([(3, "Business", 1000)])
    with pytest.raises(ValueError, match="'Gardening' is not a top-level category"):
        tally([(2, "Gardening", 1000)])
    with pytest.raises(ValueError, match="negative"):
        tally([(2, "Business", -1)])


# --- Productivity Pulse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level_ms", "pulse"),
    [
        ({2: 1000}, 100),
        ({1: 1000}, 75),
        ({0: 1000}, 50),
        ({-1: 1000}, 25),
        ({-2: 1000}, 0),
        ({2: 1000, -2: 1000}, 50),
        # 12.5 → 13 and 62.5 → 63: half up (Python's round() would say 12 and 62).
        ({-1: 1000, -2: 1000}, 13),
        ({2: 1000, -1: 1000}, 63),
        # 37.5 → 38; 87.5 → 88.
        ({1: 1000, -2: 1000}, 38),
        ({2: 1000, 1: 1000}, 88),
        # Just under a half: 25 * 124_999 / 250_001 = 12.49985 → 12, computed exactly.
        ({-1: 124_999, -2: 125_002}, 12),
        ({-1: 125_000, -2: 125_000}, 13),
        ({}, 0),
    ],
)
def test_pulse_is_the_contract_formula_rounded_half_up(level_ms, pulse):
    assert productivity_pulse(level_ms) == pulse


def test_pulse_of_the_hand_made_day():
    # 100 * (4*9000 + 3*3600 + 2*1425 + 720) / (4 * 18446) = 68.27
    assert productivity_pulse({2: 9_000_000, 1: 3_600_000, 0: 1_425_000, -1: 720_000, -2: 3_701_000}) == 68


# --- the window -----------------------------------------------------------------------------------


def test_window_is_the_14_days_before_today():
    window = feed_window(at("2026-11-30T12:00:00+00:00"), "UTC")
    assert (window.first, window.last) == (day("2026-11-16"), day("2026-11-29"))


def test_yesterday_joins_at_00_01_local():
    just_before = feed_window(at("2026-11-30T00:00:59.999+01:00"), "Europe/Berlin")
    assert (just_before.first, just_before.last) == (day("2026-11-16"), day("2026-11-28"))
    on_time = feed_window(at("2026-11-30T00:01:00+01:00"), "Europe/Berlin")
    assert (on_time.first, on_time.last) == (day("2026-11-16"), day("2026-11-29"))


def test_the_same_instant_is_a_different_today_east_and_west():
    now = at("2026-11-30T12:00:00+00:00")
    tonga, honolulu = feed_window(now, "Pacific/Tongatapu"), feed_window(now, "Pacific/Honolulu")
    # Tongatapu: 2026-12-01 01:00 (+13); Honolulu: 2026-11-30 02:00 (-10).
    assert (tonga.first, tonga.last) == (day("2026-11-17"), day("2026-11-30"))
    assert (honolulu.first, honolulu.last) == (day("2026-11-16"), day("2026-11-29"))


def test_window_across_a_clock_change():
    # Europe/Berlin goes back an hour on 2026-10-25; local midnight is then 23:00 UTC.
    just_before = feed_window(at("2026-10-25T23:00:59+00:00"), "Europe/Berlin")
    assert just_before.last == day("2026-10-24")
    on_time = feed_window(at("2026-10-25T23:01:00+00:00"), "Europe/Berlin")
    assert on_time.last == day("2026-10-25")
