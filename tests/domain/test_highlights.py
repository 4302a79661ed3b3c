"""Parsing a highlight: its date (calendar date or Unix timestamp in the user's zone), text and source."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from selftime.domain.highlights import (
    MAX_DESCRIPTION,
    MAX_SOURCE,
    HighlightError,
    NewHighlight,
    parse_date,
    parse_description,
    parse_highlight,
    parse_source,
)

UTC = ZoneInfo("UTC")
# 2020-12-01T00:00:00Z, which is still 30 November in Los Angeles and already afternoon in Auckland.
MIDNIGHT_UTC = "1606780800"


def test_calendar_date_is_taken_as_is_in_any_zone():
    assert parse_date("2020-02-29", ZoneInfo("Pacific/Auckland")) == dt.date(2020, 2, 29)
    assert parse_date("  2020-07-08 ", UTC) == dt.date(2020, 7, 8)


@pytest.mark.parametrize(
    "zone,expected",
    [
        ("UTC", dt.date(2020, 12, 1)),
        ("America/Los_Angeles", dt.date(2020, 11, 30)),
        ("Pacific/Auckland", dt.date(2020, 12, 1)),
        ("Pacific/Honolulu", dt.date(2020, 11, 30)),
    ],
)
def test_unix_timestamp_is_the_local_date_in_the_users_zone(zone, expected):
    assert parse_date(MIDNIGHT_UTC, ZoneInfo(zone)) == expected


def test_fractional_timestamp_counts_like_its_second():
    assert parse_date("1606780799.5", UTC) == dt.date(2020, 11, 30)
    assert parse_date("1606780800.25", UTC) == dt.date(2020, 12, 1)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_date_is_required(text):
    with pytest.raises(HighlightError, match=r"^highlight_date is required: a date as YYYY-MM-DD or a Unix timestamp"):
        parse_date(text, UTC)


@pytest.mark.parametrize("text", ["2020/07/08", "2020-7-8", "yesterday", "08-07-2020", "2020-07-08T10:00:00", "-5"])
def test_date_in_another_form_is_refused(text):
    with pytest.raises(HighlightError, match=r"^highlight_date must be a date as YYYY-MM-DD or a Unix timestamp"):
        parse_date(text, UTC)


@pytest.mark.parametrize("text", ["2020-02-30", "2021-02-29", "2020-13-01", "2020-00-10"])
def test_date_that_is_not_on_the_calendar_is_refused(text):
    with pytest.raises(HighlightError, match="is not a calendar date"):
        parse_date(text, UTC)


def test_timestamp_beyond_the_calendar_is_refused():
    with pytest.raises(HighlightError, match="out of range"):
        parse_date("999999999999", UTC)


def test_description_is_trimmed_and_kept_otherwise():
    assert parse_description("  Shipped *v2* — finally \n") == "Shipped *v2* — finally"


@pytest.mark.parametrize("text", [None, "", " \t\n "])
def test_description_is_required(text):
    with pytest.raises(HighlightError, match=r"^description is required: 1 to 255 characters"):
        parse_description(text)


def test_description_length_is_counted_after_trimming():
    assert parse_description("  " + "x" * MAX_DESCRIPTION + "  ") == "x" * MAX_DESCRIPTION
    with pytest.raises(HighlightError, match=r"^description must be at most 255 characters \(got 256\)$"):
        parse_description("x" * (MAX_DESCRIPTION + 1))


def test_source_is_optional_and_blank_means_none():
    assert parse_source(None) is None
    assert parse_source("   ") is None
    assert parse_source(" git ") == "git"


def test_source_is_short():
    assert parse_source("s" * MAX_SOURCE) == "s" * MAX_SOURCE
    with pytest.raises(HighlightError, match=r"^source must be at most 64 characters \(got 65\)$"):
        parse_source("s" * (MAX_SOURCE + 1))


def test_parse_highlight_reads_the_three_parameters_and_ignores_others():
    params = {"highlight_date": "2020-07-08", "description": "Merged #42", "source": "GitHub", "format": "csv"}
    assert parse_highlight(params, UTC) == NewHighlight(dt.date(2020, 7, 8), "Merged #42", "GitHub")
    assert parse_highlight({"highlight_date": "2020-07-08", "description": "x"}, UTC).source is None


def test_parse_highlight_names_the_first_bad_parameter():
    with pytest.raises(HighlightError, match=r"^highlight_date"):
        parse_highlight({"description": "x" * 300}, UTC)
    with pytest.raises(HighlightError, match=r"^description"):
        parse_highlight({"highlight_date": "2020-07-08", "source": "s" * 100}, UTC)
