from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from selftime.demo_data import _to_utc, demo_span_count_estimate, generate_spans

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
BROWSERS = {"Firefox", "Google Chrome"}


def _spans(days: int, **kw: object) -> list[dict[str, object]]:
    args: dict[str, object] = {
        "seed": 42,
        "start": dt.date(2026, 11, 2),
        "days": days,
        "time_zone": "Europe/Berlin",
    }
    args.update(kw)
    return list(generate_spans(**args))  # type: ignore[arg-type]


def _ts(value: object) -> dt.datetime:
    assert isinstance(value, str) and STAMP.match(value), value
    return dt.datetime.fromisoformat(value)


def _activity(span: dict[str, object]) -> str:
    url = span["url"]
    if url is None:
        return str(span["application"])
    host = str(url).split("/")[2]
    return host.removeprefix("www.")


def _assert_valid_timeline(spans: list[dict[str, object]]) -> None:
    prev_end: dt.datetime | None = None
    for span in spans:
        assert set(span) == {"start", "end", "application", "title", "url"}
        start, end = _ts(span["start"]), _ts(span["end"])
        assert end > start
        assert end - start <= dt.timedelta(minutes=15)
        if prev_end is not None:
            assert start >= prev_end
        prev_end = end


def test_deterministic_and_seed_sensitive() -> None:
    a = _spans(3)
    assert a == _spans(3)
    assert a != _spans(3, seed=43)


def test_is_lazy_generator() -> None:
    gen = generate_spans(seed=1, start=dt.date(2026, 1, 1), days=365, time_zone="UTC")
    assert isinstance(gen, Iterator)
    assert len(list(itertools.islice(gen, 10))) == 10


def test_chronological_non_overlapping_and_well_formed() -> None:
    spans = _spans(14)
    _assert_valid_timeline(spans)
    for span in spans:
        url = span["url"]
        title = span["title"]
        assert title is None or (isinstance(title, str) and title)
        if url is None:
            assert span["application"] not in BROWSERS
        else:
            assert isinstance(url, str) and url.startswith("https://")
            assert span["application"] in BROWSERS
    assert any(str(s["url"]).startswith("https://www.") for s in spans if s["url"])
    none_share = sum(s["title"] is None for s in spans) / len(spans)
    assert 0.01 < none_share < 0.06


def test_count_close_to_estimate_for_four_weeks() -> None:
    expected = demo_span_count_estimate(28)
    assert expected == 28 * 1500
    for seed in (1, 2, 3):
        n = sum(1 for _ in generate_spans(seed=seed, start=dt.date(2026, 6, 1), days=28, time_zone="America/New_York"))
        assert abs(n - expected) <= 0.1 * expected
    n = sum(1 for _ in generate_spans(seed=5, start=dt.date(2026, 6, 1), days=28, time_zone="UTC", spans_per_day=200))
    assert abs(n - demo_span_count_estimate(28, 200)) <= 0.1 * 28 * 200


def test_weekends_lighter_and_workdays_in_office_hours() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    spans = _spans(28, time_zone="Asia/Tokyo")
    per_day: Counter[dt.date] = Counter()
    hours: Counter[int] = Counter()
    for span in spans:
        local = _ts(span["start"]).astimezone(tz)
        per_day[local.date()] += 1
        if local.weekday() < 5:
            hours[local.hour] += 1
    weekday = [n for d, n in per_day.items() if d.weekday() < 5]
    weekend = [n for d, n in per_day.items() if d.weekday() >= 5]
    ratio = (sum(weekend) / len(weekend)) / (sum(weekday) / len(weekday))
    assert 0.1 < ratio < 0.45
    office = sum(n for h, n in hours.items() if 8 <= h < 19)
    assert office / sum(hours.values()) > 0.8
    assert sum(n for h, n in hours.items() if h < 7) == 0


def test_dst_weeks_in_berlin_stay_valid() -> None:
    for start in (dt.date(2026, 3, 23), dt.date(2026, 10, 19)):
        spans = _spans(14, start=start)
        _assert_valid_timeline(spans)
        assert abs(len(spans) - 14 * 1500) <= 0.15 * 14 * 1500


def test_nonexistent_local_time_is_skipped() -> None:
    tz = ZoneInfo("Europe/Berlin")
    midnight = dt.datetime(2026, 3, 29, tzinfo=tz)
    assert _to_utc(midnight, int(2.5 * 3600), tz) is None
    assert _to_utc(midnight, 9 * 3600, tz) == int(dt.datetime(2026, 3, 29, 7, tzinfo=dt.UTC).timestamp())


def test_activity_vocabulary_bounded_and_skewed() -> None:
    spans = _spans(14, n_activities=40)
    assert len({_activity(s) for s in spans}) <= 40
    counts = Counter(_activity(s) for s in _spans(28))
    assert len(counts) <= 300
    top10 = sum(n for _, n in counts.most_common(10))
    assert top10 / sum(counts.values()) > 0.3
    assert counts.most_common(1)[0][0] == "Code"
    apps = {a for a in counts if "." not in a}
    assert {"Code", "Slack", "gnome-terminal"} <= apps
    assert {"github.com", "stackoverflow.com", "youtube.com"} <= set(counts)


def test_many_distinct_titles_over_two_months() -> None:
    spans = _spans(60)
    titles = {s["title"] for s in spans if s["title"] is not None}
    assert len(titles) >= 5000
    # The pools cap what can appear (every activity has at least one document).
    small = {s["title"] for s in _spans(14, n_documents=500) if s["title"] is not None}
    assert len(small) <= 500 + 300


def test_titles_exercise_csv_quoting_and_unicode() -> None:
    titles = [str(s["title"]) for s in _spans(7) if s["title"] is not None]
    assert any("," in t for t in titles)
    assert any('"' in t for t in titles)
    assert any(not t.isascii() for t in titles)
    assert any(ch in t for t in titles for ch in ("é", "ü", "日本"))
