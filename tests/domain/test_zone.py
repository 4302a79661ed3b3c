import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selftime.domain.zone import (
    HOUR_MS,
    MINUTE_MS,
    known_zones,
    local_label,
    local_range_ms,
    offset_segments,
    to_ms,
    validate_zone,
)


def test_segments_find_both_transitions_of_a_year():
    tz = ZoneInfo("Europe/Berlin")
    start, end = local_range_ms(dt.date(2026, 1, 1), dt.date(2026, 12, 31), tz)
    segs = offset_segments("Europe/Berlin", start, end)
    assert [s.offset_ms // HOUR_MS for s in segs] == [1, 2, 1]
    assert segs[1].start_ms == to_ms(dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC))
    assert segs[2].start_ms == to_ms(dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC))


def test_segments_for_fixed_zone():
    assert len(offset_segments("Asia/Kathmandu", 0, 400 * 86_400_000)) == 1


def test_twenty_three_and_twenty_five_hour_days():
    tz = ZoneInfo("Europe/Berlin")
    s, e = local_range_ms(dt.date(2026, 3, 29), dt.date(2026, 3, 29), tz)
    assert e - s == 23 * HOUR_MS
    s, e = local_range_ms(dt.date(2026, 10, 25), dt.date(2026, 10, 25), tz)
    assert e - s == 25 * HOUR_MS


def test_validate_zone():
    assert validate_zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(ValueError, match="unknown time zone"):
        validate_zone("Mars/Olympus")


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory"])
def test_files_of_the_zone_directory_that_are_not_zones_are_refused(name):
    # "localtime" would make a user's days the server's, whatever zone that is.
    with pytest.raises(ValueError, match="unknown time zone"):
        validate_zone(name)
    assert name not in known_zones()


@given(
    st.one_of(
        # 1900 to 2200: whole minutes (every report bucket), and any millisecond.
        st.integers(min_value=-(10**8) // 3, max_value=10**8 * 4 // 3).map(lambda n: n * MINUTE_MS),
        st.integers(min_value=-2 * 10**12, max_value=7 * 10**12),
    )
)
def test_labels_are_the_wall_clock_to_the_second(local_ms):
    # The fast path (whole minutes) and the general one must both write what strftime would.
    expected = (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=local_ms)).strftime("%Y-%m-%dT%H:%M:%S")
    assert local_label(local_ms) == expected
