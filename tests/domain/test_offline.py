"""Parsing offline time: local strings vs timestamps, end_time vs duration, limits, DST, names."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from selftime.domain.ingest import Span
from selftime.domain.offline import (
    MAX_MINUTES,
    OfflineEntry,
    OfflineError,
    parse_offline,
    parse_time,
)
from selftime.domain.zone import MINUTE_MS, to_ms

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
NOW = to_ms(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
TOLERANCE = 5 * MINUTE_MS


def ms(text: str) -> int:
    return to_ms(dt.datetime.fromisoformat(text))


def parse(tz: ZoneInfo = UTC, now: int = NOW, **params: str) -> OfflineEntry:
    base = {"activity_name": "Meeting"}
    return parse_offline({**base, **params}, tz, now_ms=now, future_tolerance_ms=TOLERANCE)


def refused(message: str, tz: ZoneInfo = UTC, **params: str) -> None:
    with pytest.raises(OfflineError, match=message):
        parse(tz, **params)


# --- times ------------------------------------------------------------------------------------


def test_local_string_is_read_in_the_users_zone():
    assert parse_time("start_time", "2026-11-30 09:00:00", BERLIN) == ms("2026-11-30T08:00:00+00:00")
    assert parse_time("start_time", "2026-07-01 09:00:00", BERLIN) == ms("2026-07-01T07:00:00+00:00")


def test_local_string_may_leave_out_seconds_or_use_a_T():
    expected = ms("2026-11-30T08:30:00+00:00")
    assert parse_time("start_time", "2026-11-30 09:30", BERLIN) == expected
    assert parse_time("start_time", "2026-11-30T09:30:00", BERLIN) == expected


def test_timestamp_is_an_instant_whatever_the_zone():
    stamp = str(ms("2026-11-30T08:00:00+00:00") // 1000)
    assert parse_time("start_time", stamp, BERLIN) == parse_time("start_time", stamp, UTC)
    assert parse_time("start_time", stamp, BERLIN) == parse_time("start_time", "2026-11-30 09:00:00", BERLIN)
    assert parse_time("start_time", stamp + ".25", UTC) == ms("2026-11-30T08:00:00.250+00:00")


@pytest.mark.parametrize("text", ["", "  "])
def test_start_time_is_required(text):
    refused(r"^start_time is required: a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp", start_time=text)


@pytest.mark.parametrize("text", ["2026-11-30", "30/11/2026 09:00", "09:00", "2026-11-30 9:00", "-1", "soon"])
def test_start_time_in_another_form_is_refused(text):
    refused(r"^start_time must be a local time as YYYY-MM-DD HH:MM:SS or a Unix timestamp", start_time=text)


@pytest.mark.parametrize("text", ["2026-11-31 09:00:00", "2026-11-30 24:00:00", "2026-11-30 09:60:00"])
def test_start_time_off_the_calendar_is_refused(text):
    refused("is not a valid date and time", start_time=text, duration="5")


def test_end_time_in_another_form_is_refused():
    refused(r"^end_time must be a local time", start_time="2026-11-30 09:00:00", end_time="10am")


# --- daylight saving time -----------------------------------------------------------------------


def test_a_skipped_local_time_is_refused():
    # 2026-03-29: Berlin's clocks jump from 02:00 to 03:00.
    with pytest.raises(OfflineError, match=r"does not exist in Europe/Berlin"):
        parse_time("start_time", "2026-03-29 02:30:00", BERLIN)
    refused(
        r"^end_time '2026-03-29 02:15:00' does not exist",
        BERLIN,
        start_time="2026-03-29 01:30:00",
        end_time="2026-03-29 02:15:00",
    )


def test_a_repeated_local_time_means_its_first_occurrence():
    # 2026-10-25: Berlin's clocks go back from 03:00 to 02:00, so 02:30 happens at 00:30 and 01:30 UTC.
    assert parse_time("start_time", "2026-10-25 02:30:00", BERLIN) == ms("2026-10-25T00:30:00+00:00")


def test_end_time_in_a_repeated_hour_is_its_first_occurrence_after_the_start():
    now = ms("2026-10-26T00:00:00+00:00")
    across = parse(BERLIN, now, start_time="2026-10-25 02:50:00", end_time="2026-10-25 02:10:00")
    assert (across.start_ms, across.end_ms) == (ms("2026-10-25T00:50:00+00:00"), ms("2026-10-25T01:10:00+00:00"))
    inside = parse(BERLIN, now, start_time="2026-10-25 02:10:00", end_time="2026-10-25 02:50:00")
    assert inside.end_ms - inside.start_ms == 40 * MINUTE_MS


def test_duration_across_the_repeated_hour_is_real_minutes():
    entry = parse(BERLIN, ms("2026-10-26T00:00:00+00:00"), start_time="2026-10-25 01:30:00", duration="120")
    assert entry.end_ms == ms("2026-10-25T01:30:00+00:00")  # 02:30 the second time round


# --- end_time or duration ---------------------------------------------------------------------


def test_duration_and_end_time_give_the_same_block():
    by_duration = parse(BERLIN, start_time="2026-11-30 09:00:00", duration="60")
    by_end = parse(BERLIN, start_time="2026-11-30 09:00:00", end_time="2026-11-30 10:00:00")
    assert by_duration == by_end
    assert (by_end.start_ms, by_end.end_ms) == (ms("2026-11-30T08:00:00+00:00"), ms("2026-11-30T09:00:00+00:00"))


def test_end_time_wins_when_both_are_sent():
    entry = parse(start_time="2026-11-30 09:00:00", end_time="2026-11-30 09:20:00", duration="not-even-a-number")
    assert entry.end_ms - entry.start_ms == 20 * MINUTE_MS


def test_end_time_or_duration_is_required():
    refused(
        r"^give end_time \(same forms as start_time\) or duration \(whole minutes\)$",
        start_time="2026-11-30 09:00:00",
        end_time=" ",
        duration="",
    )


@pytest.mark.parametrize("text", ["1.5", "sixty", "60m", "1e2"])
def test_duration_must_be_whole_minutes(text):
    refused(r"^duration must be a whole number of minutes", start_time="2026-11-30 09:00:00", duration=text)


@pytest.mark.parametrize("text", ["0", "-30"])
def test_duration_must_be_positive(text):
    refused(r"^duration must be at least 1 minute", start_time="2026-11-30 09:00:00", duration=text)


@pytest.mark.parametrize("end", ["2026-11-30 09:00:00", "2026-11-30 08:59:59"])
def test_end_time_must_be_after_start_time(end):
    refused(r"^end_time must be after start_time$", start_time="2026-11-30 09:00:00", end_time=end)


# --- the 4-hour and future rules --------------------------------------------------------------


def test_four_hours_is_the_most_by_duration():
    assert MAX_MINUTES == 240
    entry = parse(start_time="2026-11-30 07:00:00", duration="240")
    assert entry.end_ms - entry.start_ms == 240 * MINUTE_MS
    refused(
        r"^offline time may be at most 4 hours \(240 minutes\); duration is 241$",
        start_time="2026-11-30 07:00:00",
        duration="241",
    )


def test_four_hours_is_the_most_by_end_time():
    entry = parse(start_time="2026-11-30 07:00:00", end_time="2026-11-30 11:00:00")
    assert entry.end_ms - entry.start_ms == 240 * MINUTE_MS
    refused(
        r"^offline time may be at most 4 hours \(240 minutes\); end_time is 241 minutes after start_time$",
        start_time="2026-11-30 07:00:00",
        end_time="2026-11-30 11:01:00",
    )
    refused("at most 4 hours", start_time="2026-11-30 07:00:00", end_time="2026-11-30 11:00:01")


def test_the_block_may_end_up_to_the_tolerance_after_now():
    entry = parse(start_time="2026-11-30 11:05:00", end_time="2026-11-30 12:05:00")
    assert entry.end_ms == NOW + TOLERANCE
    refused(
        r"^offline time may not be in the future: it would end 6 minutes from now$",
        start_time="2026-11-30 11:05:00",
        end_time="2026-11-30 12:05:01",
    )


def test_a_block_starting_in_the_future_is_refused():
    refused("may not be in the future", start_time="2026-12-01 09:00:00", duration="30")


# --- names ------------------------------------------------------------------------------------


def test_activity_is_named_like_an_application_and_details_are_the_document():
    entry = parse(
        start_time="2026-11-30 09:00:00",
        duration="30",
        activity_name="  Team Meeting ",
        activity_details=" Daily Planning ",
    )
    assert (entry.activity, entry.details) == ("team meeting", "Daily Planning")
    assert entry.span == Span(entry.start_ms, entry.end_ms, "team meeting", "Daily Planning")


def test_blank_details_mean_none():
    assert parse(start_time="2026-11-30 09:00:00", duration="30", activity_details="  ").details is None


@pytest.mark.parametrize("text", ["", "   "])
def test_activity_name_is_required(text):
    refused(
        r"^activity_name is required: 1 to 255 characters",
        start_time="2026-11-30 09:00:00",
        duration="30",
        activity_name=text,
    )


def test_activity_name_is_at_most_255_characters():
    assert parse(start_time="2026-11-30 09:00:00", duration="30", activity_name="A" * 255).activity == "a" * 255
    refused(
        r"^activity_name must be at most 255 characters \(got 256\)$",
        start_time="2026-11-30 09:00:00",
        duration="30",
        activity_name="a" * 256,
    )


def test_activity_details_are_at_most_255_characters():
    assert parse(start_time="2026-11-30 09:00:00", duration="30", activity_details="d" * 255).details == "d" * 255
    refused(
        r"^activity_details must be at most 255 characters \(got 256\)$",
        start_time="2026-11-30 09:00:00",
        duration="30",
        activity_details="d" * 256,
    )
