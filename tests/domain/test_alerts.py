"""Alerts without storage: thresholds, targets and their syntax, descriptions, judging, which days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from selftime.domain.alerts import (
    DAY_END_GRACE_MS,
    Alert,
    AlertError,
    Target,
    check_comparison,
    day_end_ms,
    days_since_created,
    days_to_judge,
    days_touched,
    describe_alert,
    describe_trigger,
    is_met,
    judge,
    last_ended_day,
    local_day,
    make_target,
    parse_spec,
    spent_hours,
    tenths_of_hours,
    threshold_ms,
)
from selftime.domain.taxonomy import SUB_CATEGORIES
from selftime.domain.zone import HOUR_MS, MINUTE_MS, local_day_number, to_ms

TAXONOMY = [(sub, top) for top, subs in SUB_CATEGORIES.items() for sub, _level in subs]


@dataclass(frozen=True)
class Info:
    name: str
    sub: str
    top: str
    productivity: int


CATALOG = {
    1: Info("code", "Editing & IDEs", "Software Development", 2),
    2: Info("slack", "Instant Message", "Communication & Scheduling", 1),
    3: Info("browser", "Browsers", "Utilities", 0),
    4: Info("reddit.com", "General Social Networking", "Social Networking", -2),
    5: Info("news.example", "Business", "News & Opinion", -1),
}


def day(text: str) -> int:
    return local_day_number(dt.date.fromisoformat(text))


def ms(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))


def alert(comparison: str = "more", hours: float = 1, target: Target = Target("all_productive"), **kw) -> Alert:  # type: ignore[no-untyped-def]
    values = {"id": 1, "user_id": 1, "created_ms": ms("2026-11-01T00:00:00+00:00"), "judged_through_day": None}
    values.update(kw)
    return Alert(
        values["id"],
        values["user_id"],
        comparison,
        round(hours * HOUR_MS),
        target,
        values["created_ms"],
        values["judged_through_day"],
    )


# --- thresholds and comparisons ----------------------------------------------------------------


@pytest.mark.parametrize(("hours", "expected"), [(1.5, 5_400_000), (24, 86_400_000), (0.25, 900_000), (1e-6, 4)])
def test_threshold_in_milliseconds(hours, expected):
    assert threshold_ms(hours) == expected


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (0, "hours must be more than 0 (got 0)"),
        (-2, "hours must be more than 0 (got -2)"),
        (1e-12, "hours must be more than 0 (got 1e-12)"),
        (24.5, "hours may be at most 24, the length of a day (got 24.5)"),
        (float("nan"), "hours must be a number (got nan)"),
        (float("inf"), "hours must be a number (got inf)"),
    ],
)
def test_threshold_refusals(hours, message):
    with pytest.raises(AlertError) as caught:
        threshold_ms(hours)
    assert str(caught.value) == message


def test_comparison_is_more_or_less():
    assert (check_comparison("More"), check_comparison(" less ")) == ("more", "less")
    with pytest.raises(AlertError, match=r"comparison must be 'more' or 'less' \(got 'equal'\)"):
        check_comparison("equal")


def test_strictly_more_and_strictly_less():
    assert (is_met("more", 100, 101), is_met("more", 100, 100)) == (True, False)
    assert (is_met("less", 100, 99), is_met("less", 100, 100)) == (True, False)


# --- targets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected", "name"),
    [
        ("all_productive", None, Target("all_productive"), "All Productive Time"),
        ("all_distracting", "", Target("all_distracting"), "All Distracting Time"),
        ("productivity", 2, Target("productivity", "2"), "Very Productive Time"),
        ("productivity", "1", Target("productivity", "1"), "Productive Time"),
        ("productivity", " 0 ", Target("productivity", "0"), "Neutral Time"),
        ("productivity", "-1", Target("productivity", "-1"), "Distracting Time"),
        ("productivity", -2, Target("productivity", "-2"), "Very Distracting Time"),
        ("category", "software development", Target("category", "Software Development"), "Software Development"),
        ("category", "Business", Target("category", "Business"), "Business"),
        ("sub_category", "editing & ides", Target("sub_category", "Editing & IDEs"), "Editing & IDEs"),
        ("sub_category", "Business", Target("sub_category", "Business"), "Business"),
        ("activity", "Code", Target("activity", "code"), "code"),
        ("activity", "www.GitHub.com", Target("activity", "github.com"), "github.com"),
        ("activity", "https://www.youtube.com/watch?v=x", Target("activity", "youtube.com"), "youtube.com"),
    ],
)
def test_targets_are_validated_and_named_canonically(kind, value, expected, name):
    target = make_target(kind, value, TAXONOMY)
    assert target == expected
    assert target.name == name


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("everything", None, "target_kind must be one of all_productive, all_distracting, productivity, category, "),
        ("all_productive", "code", "target_kind all_productive takes no target (got 'code')"),
        ("productivity", "3", "a productivity level is one of -2, -1, 0, 1, 2 (got 3)"),
        ("productivity", "high", "a productivity level is one of -2, -1, 0, 1, 2 (got 'high')"),
        ("productivity", None, "a productivity level is one of -2, -1, 0, 1, 2 (got '')"),
        ("category", "Games", "no top-level category named 'Games' (that is a sub-category)"),
        ("category", "Gaming", "no top-level category named 'Gaming'"),
        ("category", " ", "target_kind category needs a target: the category name"),
        ("sub_category", "Software Development", "no sub-category named 'Software Development' (that is a top-level"),
        ("sub_category", "Gaming", "no sub-category named 'Gaming'"),
        ("sub_category", None, "target_kind sub_category needs a target: the sub-category name"),
        ("activity", "", "target_kind activity needs a target: the activity name"),
        ("activity", "x" * 256, "an activity name is 1 to 255 characters (got 256)"),
        ("activity", "https://", "activity URL 'https://' has no host name"),
    ],
)
def test_target_refusals(kind, value, message):
    with pytest.raises(AlertError) as caught:
        make_target(kind, value, TAXONOMY)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("productive", Target("all_productive")),
        ("All-Productive", Target("all_productive")),
        ("distracting", Target("all_distracting")),
        ("level:-2", Target("productivity", "-2")),
        ("productivity: 1", Target("productivity", "1")),
        ("category:Software Development", Target("category", "Software Development")),
        ('category:"software development"', Target("category", "Software Development")),
        ("sub-category:'Editing & IDEs'", Target("sub_category", "Editing & IDEs")),
        ("subcategory:editing & ides", Target("sub_category", "Editing & IDEs")),
        ("Activity:Sublime Text 2", Target("activity", "sublime text 2")),
        ("activity:www.github.com", Target("activity", "github.com")),
    ],
)
def test_cli_target_syntax(spec, expected):
    assert parse_spec(spec, TAXONOMY) == expected


@pytest.mark.parametrize("spec", ["productivity", "app:code", "everything", ""])
def test_cli_target_syntax_refusals(spec):
    with pytest.raises(AlertError, match=r"^unknown target .*: use productive, distracting, level:N"):
        parse_spec(spec, TAXONOMY)


def test_cli_syntax_errors_of_the_value_are_the_targets_own():
    with pytest.raises(AlertError, match=r"^a productivity level is one of -2, -1, 0, 1, 2 \(got 5\)$"):
        parse_spec("level:5", TAXONOMY)


@pytest.mark.parametrize(
    "target",
    [
        Target("all_productive"),
        Target("all_distracting"),
        Target("productivity", "-1"),
        Target("category", "News & Opinion"),
        Target("sub_category", "Legal & Gov't"),
        Target("activity", "github.com"),
    ],
)
def test_spec_reads_back_as_the_same_target(target):
    assert parse_spec(target.spec, TAXONOMY) == target


# --- descriptions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "hours", "target", "text"),
    [
        ("more", 5, Target("all_productive"), "More than 5 hours a day on All Productive Time"),
        ("less", 1, Target("productivity", "0"), "Less than 1 hour a day on Neutral Time"),
        ("more", 1.25, Target("sub_category", "Editing & IDEs"), "More than 1.25 hours a day on Editing & IDEs"),
        ("more", 0.5, Target("activity", "reddit.com"), "More than 0.5 hours a day on reddit.com"),
        ("less", 1 / 3, Target("category", "Business"), "Less than 0.33 hours a day on Business"),
    ],
)
def test_alert_descriptions(comparison, hours, target, text):
    assert describe_alert(comparison, round(hours * HOUR_MS), target) == text


@pytest.mark.parametrize(
    ("milliseconds", "text"),
    [
        (0, "0.0"),
        (18_360_000, "5.1"),
        (179_999, "0.0"),  # just under 0.05 h
        (180_000, "0.1"),  # 0.05 h rounds half up
        (5_580_000, "1.6"),  # 1.55 h
        (86_400_000, "24.0"),
    ],
)
def test_hours_with_one_decimal_half_up(milliseconds, text):
    assert tenths_of_hours(milliseconds) == text


def test_trigger_description():
    assert describe_trigger(18_360_000, Target("all_productive")) == "You spent 5.1 hours on All Productive Time."
    assert describe_trigger(16_200_000, Target("productivity", "2")) == "You spent 4.5 hours on Very Productive Time."


def test_trigger_description_fits_the_stored_column():
    text = describe_trigger(HOUR_MS, Target("activity", "a" * 255))
    assert len(text) == 255
    assert text.startswith("You spent 1.0 hours on aaa") and text.endswith("a….")


# --- judging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "covered"),
    [
        (Target("all_productive"), {1, 2}),
        (Target("all_distracting"), {4, 5}),
        (Target("productivity", "0"), {3}),
        (Target("productivity", "-2"), {4}),
        (Target("category", "Software Development"), {1}),
        (Target("category", "Business"), set()),  # the News & Opinion sub-category is not the top-level one
        (Target("sub_category", "Business"), {5}),
        (Target("activity", "slack"), {2}),
    ],
)
def test_what_a_target_covers(target, covered):
    assert {i for i, info in CATALOG.items() if target.covers(info)} == covered


def test_judge_sums_the_target_per_day():
    d = day("2026-11-30")
    amounts = {(d, 1): 3_000_000, (d, 2): 1_000_000, (d, 4): 7_200_000, (d - 1, 1): 600_000}
    more = alert(hours=1, id=1)
    distracted = alert(hours=2, target=Target("all_distracting"), id=2)
    verdicts = judge([(more, range(d - 1, d + 1)), (distracted, range(d, d + 1))], amounts, CATALOG)
    assert [(v.alert_id, v.day, v.total_ms, v.description) for v in verdicts] == [
        (1, d, 4_000_000, "You spent 1.1 hours on All Productive Time."),
    ]  # 2 hours of distraction is not more than 2 hours; 10 minutes the day before is not more than 1 hour


def test_judge_less_than_counts_a_day_without_the_target_but_skips_a_day_without_any_time():
    d = day("2026-11-30")
    amounts = {(d, 3): HOUR_MS, (d - 2, 1): 0}
    less = alert("less", hours=1, target=Target("category", "Software Development"))
    verdicts = judge([(less, range(d - 2, d + 1))], amounts, CATALOG)
    assert [(v.day, v.total_ms, v.description) for v in verdicts] == [
        (d, 0, "You spent 0.0 hours on Software Development.")
    ]


# --- which days ---------------------------------------------------------------------------------


def test_local_day_follows_the_zone():
    instant = ms("2026-11-30T23:30:00+00:00")
    assert local_day(instant, "UTC") == day("2026-11-30")
    assert local_day(instant, "Asia/Kolkata") == day("2026-12-01")
    assert local_day(instant, "Pacific/Honolulu") == day("2026-11-30")


def test_day_end_is_the_next_local_midnight():
    assert day_end_ms(day("2026-11-30"), "Asia/Kolkata") == ms("2026-12-01T00:00:00+05:30")
    # New York falls back on 2026-11-01: that day lasts 25 hours.
    assert day_end_ms(day("2026-11-01"), "America/New_York") == ms("2026-11-02T00:00:00-05:00")
    assert day_end_ms(day("2026-10-31"), "America/New_York") == ms("2026-11-01T00:00:00-04:00")


def test_a_day_is_over_after_the_grace():
    midnight = ms("2026-12-01T00:00:00-05:00")
    assert last_ended_day(midnight + DAY_END_GRACE_MS - 1, "America/New_York") == day("2026-11-29")
    assert last_ended_day(midnight + DAY_END_GRACE_MS, "America/New_York") == day("2026-11-30")
    assert DAY_END_GRACE_MS == 5 * MINUTE_MS


def test_days_touched_stop_at_today_and_look_back_14_days():
    now = ms("2026-11-30T12:00:00+00:00")
    assert days_touched(ms("2026-11-29T23:00:00+00:00"), ms("2026-11-30T01:00:00+00:00"), now, "UTC") == range(
        day("2026-11-29"), day("2026-11-30") + 1
    )
    # The end is exclusive: time up to midnight touches only the day before.
    assert days_touched(ms("2026-11-29T23:00:00+00:00"), ms("2026-11-30T00:00:00+00:00"), now, "UTC") == range(
        day("2026-11-29"), day("2026-11-29") + 1
    )
    assert days_touched(ms("2026-10-01T00:00:00+00:00"), ms("2026-12-03T00:00:00+00:00"), now, "UTC") == range(
        day("2026-11-17"), day("2026-11-30") + 1
    )
    assert len(days_touched(ms("2026-10-01T00:00:00+00:00"), ms("2026-10-02T00:00:00+00:00"), now, "UTC")) == 0


def test_days_start_at_the_alerts_creation_day_in_its_zone():
    created = alert(created_ms=ms("2026-11-28T20:00:00+00:00"))
    days = range(day("2026-11-25"), day("2026-11-30") + 1)
    assert days_since_created(created, days, "UTC") == range(day("2026-11-28"), day("2026-11-30") + 1)
    assert days_since_created(created, days, "Asia/Tokyo") == range(day("2026-11-29"), day("2026-11-30") + 1)
    assert len(days_since_created(created, range(day("2026-11-20"), day("2026-11-25")), "UTC")) == 0


def test_days_to_judge_after_the_last_judged_one_and_at_most_14():
    through = day("2026-11-29")
    old = alert(created_ms=ms("2026-01-01T00:00:00+00:00"))
    assert days_to_judge(old, through, "UTC") == range(day("2026-11-16"), through + 1)
    judged = alert(created_ms=ms("2026-01-01T00:00:00+00:00"), judged_through_day=day("2026-11-27"))
    assert days_to_judge(judged, through, "UTC") == range(day("2026-11-28"), through + 1)
    up_to_date = alert(judged_through_day=through)
    assert len(days_to_judge(up_to_date, through, "UTC")) == 0
    new = alert(created_ms=ms("2026-11-30T08:00:00+00:00"))
    assert len(days_to_judge(new, through, "UTC")) == 0


@pytest.mark.parametrize(
    ("total_ms", "comparison", "threshold_ms", "text"),
    [
        (117 * 60_000, "less", 2 * HOUR_MS, "1.95"),  # one decimal would say 2.0
        (2 * HOUR_MS - 1, "less", 2 * HOUR_MS, "1.99"),
        (90 * 60_000, "less", 2 * HOUR_MS, "1.5"),
        (5 * HOUR_MS + 1_000, "more", 5 * HOUR_MS, "5.01"),  # one decimal would say 5.0
        (5 * HOUR_MS + 20 * 60_000, "more", 5 * HOUR_MS, "5.3"),
        (0, "less", HOUR_MS, "0.0"),
    ],
)
def test_the_spent_hours_never_read_as_the_threshold(total_ms, comparison, threshold_ms, text):
    assert spent_hours(total_ms, comparison, threshold_ms) == text
    described = describe_trigger(total_ms, Target("all_productive"), comparison, threshold_ms)
    assert described == f"You spent {text} hours on All Productive Time."
