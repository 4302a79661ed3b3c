"""compat/summary.py: the feed object's keys, its rounding and its duration strings."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import orjson
import pytest

from selftime.compat.rounding import round_half_away
from selftime.compat.summary import duration_text, encode, feed_body, summary_object
from selftime.domain.summary import tally

# The docs' lists, written out (not derived from the code under test).
KEYS = [
    "id",
    "date",
    "productivity_pulse",
    "very_productive_percentage",
    "productive_percentage",
    "neutral_percentage",
    "distracting_percentage",
    "very_distracting_percentage",
    "all_productive_percentage",
    "all_distracting_percentage",
    "uncategorized_percentage",
    "business_percentage",
    "communication_and_scheduling_percentage",
    "social_networking_percentage",
    "design_and_composition_percentage",
    "entertainment_percentage",
    "news_percentage",
    "software_development_percentage",
    "reference_and_learning_percentage",
    "shopping_percentage",
    "utilities_percentage",
    "total_hours",
    "very_productive_hours",
    "productive_hours",
    "neutral_hours",
    "distracting_hours",
    "very_distracting_hours",
    "all_productive_hours",
    "all_distracting_hours",
    "uncategorized_hours",
    "business_hours",
    "communication_and_scheduling_hours",
    "social_networking_hours",
    "design_and_composition_hours",
    "entertainment_hours",
    "news_hours",
    "software_development_hours",
    "reference_and_learning_hours",
    "shopping_hours",
    "utilities_hours",
    "total_duration_formatted",
    "very_productive_duration_formatted",
    "productive_duration_formatted",
    "neutral_duration_formatted",
    "distracting_duration_formatted",
    "very_distracting_duration_formatted",
    "all_productive_duration_formatted",
    "all_distracting_duration_formatted",
    "uncategorized_duration_formatted",
    "business_duration_formatted",
    "communication_and_scheduling_duration_formatted",
    "social_networking_duration_formatted",
    "design_and_composition_duration_formatted",
    "entertainment_duration_formatted",
    "news_duration_formatted",
    "software_development_duration_formatted",
    "reference_and_learning_duration_formatted",
    "shopping_duration_formatted",
    "utilities_duration_formatted",
]

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE


# --- duration strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "no time"),
        (41 * SECOND, "41s"),
        (59 * SECOND, "59s"),
        (MINUTE, "1m"),
        (47 * MINUTE, "47m"),
        (43 * MINUTE + 30 * SECOND, "43m 30s"),
        (59 * MINUTE + 59 * SECOND, "59m 59s"),
        (3600 * SECOND, "1h"),
        (3660 * SECOND, "1h 1m"),
        (3 * HOUR, "3h"),
        (12 * HOUR + 12 * MINUTE, "12h 12m"),
        (25 * HOUR, "25h"),
    ],
)
def test_duration_strings(ms, text):
    assert duration_text(ms) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        # Milliseconds become whole seconds half up, as in the data API's Time Spent (seconds).
        (499, "no time"),
        (500, "1s"),
        (59 * SECOND + 499, "59s"),
        (59 * SECOND + 500, "1m"),
        (43 * MINUTE + 30 * SECOND + 499, "43m 30s"),
        (HOUR - 501, "59m 59s"),
        (HOUR - 500, "1h"),
        # From one hour on the seconds are dropped and the minutes truncated, never rounded up.
        (HOUR + 59 * SECOND, "1h"),
        (HOUR + 59 * MINUTE + 59 * SECOND, "1h 59m"),
        (12 * HOUR + 12 * MINUTE + 59 * SECOND + 499, "12h 12m"),
    ],
)
def test_duration_string_rounding(ms, text):
    assert duration_text(ms) == text


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected", "json"),
    [
        (Fraction(34), 1, 34.0, b"34.0"),
        (Fraction(0), 1, 0.0, b"0.0"),
        (Fraction(0), 2, 0.0, b"0.0"),
        (Fraction(1, 3) * 100, 1, 33.3, b"33.3"),
        (Fraction(2, 3) * 100, 1, 66.7, b"66.7"),
        # Exactly half: away from zero (binary floats and round() would give 0.12 and 2.67).
        (Fraction(125, 1000), 2, 0.13, b"0.13"),
        (Fraction(2675, 1000), 2, 2.68, b"2.68"),
        (Fraction(-125, 1000), 2, -0.13, b"-0.13"),
        (Fraction(245, 10), 0, 25.0, b"25.0"),
        (Fraction(1234, 100), 2, 12.34, b"12.34"),
        (Fraction(7, 2), 2, 3.5, b"3.5"),
    ],
)
def test_round_half_away_from_zero(value, places, expected, json):
    rounded = round_half_away(value, places)
    assert rounded == expected
    assert orjson.dumps(rounded) == json


def test_hours_round_the_sum_of_milliseconds():
    # 0.005 h is 18 s: 17.999 s reads 0.0, 18 s reads 0.01 (the pieces are never rounded first).
    obj = summary_object(dt.date(2026, 11, 29), 0, tally([(2, "Business", 17_999), (1, "Business", 1)]))
    assert (obj["very_productive_hours"], obj["productive_hours"], obj["business_hours"]) == (0.0, 0.0, 0.01)
    assert obj["total_hours"] == 0.01


# --- the object -----------------------------------------------------------------------------------


def test_object_keys_in_the_docs_order():
    obj = summary_object(dt.date(2026, 11, 29), 1_795_910_400_000, tally([(2, "Business", HOUR)]))
    assert list(obj) == KEYS


def test_object_exact_bytes():
    totals = tally(
        [
            (2, "Software Development", 2 * HOUR),
            (1, "Communication & Scheduling", 43 * MINUTE + 30 * SECOND),
            (0, "Uncategorized", 41 * SECOND),
            (-2, "Entertainment", 47 * MINUTE),
        ]
    )
    # id: 2026-11-29 00:00 at UTC+13 is 2026-11-28 11:00 UTC.
    midnight = int(dt.datetime(2026, 11, 28, 11, tzinfo=dt.UTC).timestamp()) * 1000
    text = encode(summary_object(dt.date(2026, 11, 29), midnight, totals))
    # total 3h 31m 11s = 12671 s; pulse 100*(4*7200 + 3*2610 + 2*41)/(4*12671) = 72.41 → 72.
    assert text == (
        '{"id":1795863600,"date":"2026-11-29","productivity_pulse":72,'
        '"very_productive_percentage":56.8,"productive_percentage":20.6,"neutral_percentage":0.3,'
        '"distracting_percentage":0.0,"very_distracting_percentage":22.3,"all_productive_percentage":77.4,'
        '"all_distracting_percentage":22.3,"uncategorized_percentage":0.3,"business_percentage":0.0,'
        '"communication_and_scheduling_percentage":20.6,"social_networking_percentage":0.0,'
        '"design_and_composition_percentage":0.0,"entertainment_percentage":22.3,"news_percentage":0.0,'
        '"software_development_percentage":56.8,"reference_and_learning_percentage":0.0,'
        '"shopping_percentage":0.0,"utilities_percentage":0.0,'
        '"total_hours":3.52,"very_productive_hours":2.0,"productive_hours":0.73,"neutral_hours":0.01,'
        '"distracting_hours":0.0,"very_distracting_hours":0.78,"all_productive_hours":2.73,'
        '"all_distracting_hours":0.78,"uncategorized_hours":0.01,"business_hours":0.0,'
        '"communication_and_scheduling_hours":0.73,"social_networking_hours":0.0,'
        '"design_and_composition_hours":0.0,"entertainment_hours":0.78,"news_hours":0.0,'
        '"software_development_hours":2.0,"reference_and_learning_hours":0.0,"shopping_hours":0.0,'
        '"utilities_hours":0.0,'
        '"total_duration_formatted":"3h 31m","very_productive_duration_formatted":"2h",'
        '"productive_duration_formatted":"43m 30s","neutral_duration_formatted":"41s",'
        '"distracting_duration_formatted":"no time","very_distracting_duration_formatted":"47m",'
        '"all_productive_duration_formatted":"2h 43m","all_distracting_duration_formatted":"47m",'
        '"uncategorized_duration_formatted":"41s","business_duration_formatted":"no time",'
        '"communication_and_scheduling_duration_formatted":"43m 30s",'
        '"social_networking_duration_formatted":"no time","design_and_composition_duration_formatted":"no time",'
        '"entertainment_duration_formatted":"47m","news_duration_formatted":"no time",'
        '"software_development_duration_formatted":"2h","reference_and_learning_duration_formatted":"no time",'
        '"shopping_duration_formatted":"no time","utilities_duration_formatted":"no time"}'
    )


def test_feed_body_splices_stored_objects_newest_first_as_given():
    assert feed_body([]) == b"[]"
    assert feed_body(['{"id":2}', '{"id":1}']) == b'[{"id":2},{"id":1}]'
