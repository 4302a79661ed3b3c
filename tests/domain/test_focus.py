"""Focus sessions without storage: the duration rules, the end of a local day, the block lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from selftime.domain.focus import (
    MAX_MINUTES,
    DurationError,
    block_lists,
    default_distracting,
    ends_ms,
    is_site,
    parse_duration,
    planned_minutes,
)
from selftime.domain.zone import HOUR_MS, MINUTE_MS, to_ms


def ms(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))


# --- duration --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("5", 5), ("30", 30), (" 60 ", 60), ("+15", 15), ("1440", 1440), ("-1", -1), (" -1", -1)],
)
def test_valid_durations(text, minutes):
    assert parse_duration(text) == minutes


def test_duration_missing():
    for text in (None, "", "   "):
        with pytest.raises(DurationError, match=r"^duration is required: a positive multiple of 5 minutes up to 1440"):
            parse_duration(text)


@pytest.mark.parametrize("text", ["abc", "30.0", "1e2", "1_0", "٣٠", "30 minutes", "--5"])
def test_duration_not_an_integer(text):
    with pytest.raises(DurationError, match=r"^duration must be a whole number of minutes, not "):
        parse_duration(text)


def test_duration_zero():
    with pytest.raises(DurationError, match=r"^duration must not be 0"):
        parse_duration("0")


@pytest.mark.parametrize("text", ["-5", "-2", "-60"])
def test_duration_negative_other_than_minus_one(text):
    rule = rf"^duration must be positive \(or -1 for the rest of the day\), not {text}"
    with pytest.raises(DurationError, match=rule):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1", "7", "31", "1439"])
def test_duration_not_a_multiple_of_five(text):
    with pytest.raises(DurationError, match=rf"^duration must be a multiple of 5 minutes \(5, 10, 15…\), not {text}"):
        parse_duration(text)


def test_duration_over_a_day():
    with pytest.raises(DurationError, match=r"^duration must be at most 1440 minutes \(24 hours\), not 1445"):
        parse_duration(str(MAX_MINUTES + 5))


# --- when a session ends ---------------------------------------------------------------------------


def test_a_fixed_duration_ends_that_many_minutes_later_whatever_the_zone():
    start = ms("2026-03-29T00:30:00+00:00")  # spans Berlin's spring-forward hour
    assert ends_ms(start, 90, "Europe/Berlin") == start + 90 * MINUTE_MS


def test_until_end_of_day_ends_at_the_next_local_midnight():
    start = ms("2026-11-30T12:00:00+00:00")  # 04:00 in Los Angeles
    assert ends_ms(start, -1, "America/Los_Angeles") == ms("2026-12-01T00:00:00-08:00")
    assert ends_ms(start, -1, "Asia/Kolkata") == ms("2026-12-01T00:00:00+05:30")
    assert ends_ms(start, -1, "UTC") == ms("2026-12-01T00:00:00+00:00")


def test_until_end_of_day_for_a_zone_already_in_tomorrow():
    start = ms("2026-11-30T12:00:00+00:00")  # 2026-12-01 02:00 in Kiritimati (UTC+14)
    assert ends_ms(start, -1, "Pacific/Kiritimati") == ms("2026-12-02T00:00:00+14:00")


def test_until_end_of_day_on_a_23_hour_day():
    start = ms("2026-03-29T00:00:00+01:00")  # Berlin's midnight; clocks spring forward at 02:00
    end = ends_ms(start, -1, "Europe/Berlin")
    assert end == ms("2026-03-30T00:00:00+02:00")
    assert end - start == 23 * HOUR_MS


def test_until_end_of_day_on_a_25_hour_day():
    start = ms("2026-11-01T00:00:00-04:00")  # New York's midnight; clocks fall back at 02:00
    end = ends_ms(start, -1, "America/New_York")
    assert end == ms("2026-11-02T00:00:00-05:00")
    assert end - start == 25 * HOUR_MS


def test_until_end_of_day_just_before_midnight():
    start = ms("2026-11-30T23:59:59.999+00:00")
    assert ends_ms(start, -1, "UTC") - start == 1


def test_planned_minutes_round_up():
    start = ms("2026-11-30T23:47:30+00:00")
    assert planned_minutes(start, ms("2026-12-01T00:00:00+00:00")) == 13
    assert planned_minutes(start, start + 30 * MINUTE_MS) == 30
    assert planned_minutes(start, start + 1) == 1


# --- block lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "youtube.com",
        "m.youtube.com",
        "bbc.co.uk",
        "sr.ht",
        "linear.app",
        "app.slack.com",
        "xn--p1ai.xn--p1ai",
        "10.0.0.1",
    ],
)
def test_sites(name):
    assert is_site(name)


@pytest.mark.parametrize(
    "name",
    ["steam", "visual studio code", "gimp-2.10", "org.gnome.nautilus", "com.discordapp.discord", "localhost", "x.1"],
)
def test_applications(name):
    assert not is_site(name)


@dataclass(frozen=True)
class Activity:
    name: str
    productivity: int


def test_block_lists_join_defaults_and_the_users_distractions():
    defaults = frozenset({"youtube.com", "steam", "reddit.com"})
    mine = [
        Activity("youtube.com", 1),  # re-categorized as productive: unblocked
        Activity("solitaire.example", -1),
        Activity("minesweeper", -2),
        Activity("code", 2),
        Activity("slack", 0),
        Activity("reddit.com", -2),
    ]
    lists = block_lists(mine, defaults)
    assert lists.applications == ("minesweeper", "steam")
    assert lists.sites == ("reddit.com", "solitaire.example")


def test_a_default_lifted_to_neutral_is_unblocked():
    lists = block_lists([Activity("steam", 0)], frozenset({"steam", "netflix.com"}))
    assert (lists.applications, lists.sites) == ((), ("netflix.com",))


def test_shipped_distracting_defaults():
    found = default_distracting()
    assert {"youtube.com", "netflix.com", "reddit.com", "steam", "amazon.com"} <= found
    # Productive, neutral and mildly productive defaults stay off the list.
    assert not {"code", "github.com", "slack", "firefox", "gmail.com"} & found
    assert default_distracting() is found  # cached


def test_block_lists_use_the_shipped_defaults_when_none_given():
    lists = block_lists([Activity("youtube.com", 2)])
    assert "steam" in lists.applications and "netflix.com" in lists.sites
    assert "youtube.com" not in lists.sites
