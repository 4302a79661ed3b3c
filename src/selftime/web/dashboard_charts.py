"""The dashboard's charts as plain geometry for the template: no client-side drawing, no library.

A stacked bar chart of time per productivity level per bucket (hours of a day, days of a week or month),
drawn as SVG by templates/dashboard.html from the rectangles computed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from selftime.domain.zone import from_ms, local_range_ms

# Highest level first: the stack is drawn bottom-up from very productive to very distracting.
LEVEL_ORDER: tuple[int, ...] = (2, 1, 0, -1, -2)
LEVEL_NAMES: dict[int, str] = {
    2: "Very productive",
    1: "Productive",
    0: "Neutral",
    -1: "Distracting",
    -2: "Very distracting",
}

WIDTH = 720
HEIGHT = 240
LEFT = 44  # room for the axis labels
BOTTOM = 24
TOP = 8


@dataclass(frozen=True)
class Segment:
    level: int
    x: float
    y: float
    width: float
    height: float
    seconds: int
    title: str


@dataclass(frozen=True)
class Bucket:
    key: str  # the API's interval label, e.g. 2026-11-30T09:00:00
    label: str  # shown under the bar (may be empty to thin out the axis)
    full_label: str  # for the tooltip and screen readers
    x: float
    center: float
    seconds: int
    segments: list[Segment]
    by_level: dict[int, int]  # level → seconds, every level (0 where none): the chart's table shows them all


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    left: int
    plot_bottom: float
    buckets: list[Bucket]
    ticks: list[Tick]
    unit: str


def duration(seconds: int) -> str:
    """1h 05m, 12m 30s, 45s."""
    h, rest = divmod(max(0, seconds), 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h {m:02d}m"
    if m:
        return f"{m}m {s:02d}s"
    return f"{s}s"


def _nice_step(top: float) -> float:
    """A round step (in the axis unit) giving about four grid lines up to `top`."""
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 300, 600):
        if top / step <= 4:
            return float(step)
    return float(int(top / 4) + 1)


def stacked(keys: list[str], labels: list[tuple[str, str]], seconds: dict[tuple[str, int], int]) -> StackedChart:
    """keys: the buckets in order (the API's interval labels); labels: (axis text, full text) per bucket;
    seconds: (bucket key, level) → seconds as the API returns them."""
    totals = [sum(seconds.get((k, lv), 0) for lv in LEVEL_ORDER) for k in keys]
    biggest = max(totals, default=0)
    # Minutes on the axis for hours of a day, hours for days.
    unit_s, unit = (60, "min") if biggest <= 3600 else (3600, "h")
    top_units = max(biggest / unit_s, 1.0)
    step = _nice_step(top_units)
    axis_top = step * max(1, -(-top_units // step))
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - 4
    slot = plot_w / max(1, len(keys))
    bar_w = max(2.0, slot * 0.72)
    scale = plot_h / (axis_top * unit_s)
    buckets = []
    for i, key in enumerate(keys):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = float(HEIGHT - BOTTOM)
        segments = []
        for level in LEVEL_ORDER:
            s = seconds.get((key, level), 0)
            if s <= 0:
                continue
            h = s * scale
            y -= h
            title = f"{labels[i][1]}: {LEVEL_NAMES[level]} {duration(s)}"
            segments.append(Segment(level, round(x, 2), round(y, 2), round(bar_w, 2), round(h, 2), s, title))
        buckets.append(
            Bucket(
                key,
                labels[i][0],
                labels[i][1],
                round(x, 2),
                round(x + bar_w / 2, 2),
                totals[i],
                segments,
                {level: seconds.get((key, level), 0) for level in LEVEL_ORDER},
            )
        )
    ticks = []
    value = 0.0
    while value <= axis_top + 1e-9:
        y = HEIGHT - BOTTOM - value * unit_s * scale
        ticks.append(Tick(round(y, 2), f"{value:g}{unit}"))
        value += step
    return StackedChart(WIDTH, HEIGHT, LEFT, HEIGHT - BOTTOM, buckets, ticks, unit)


# A day's chart always spans at least these hours, and widens to every hour with time: empty nights
# would only squeeze the bars (a phone shows the day without scrolling far).
WORKDAY = (9, 17)


def local_hour_minutes(day: dt.date, tz: ZoneInfo) -> dict[int, int]:
    """How many minutes each local hour of `day` lasts: 60, but none for an hour the clocks skip and 120
    for one they repeat. Every offset change since 1980 falls on a quarter hour, so quarters are exact."""
    start, end = local_range_ms(day, day, tz)
    minutes: dict[int, int] = {}
    for ms in range(start, end, 15 * 60_000):
        hour = from_ms(ms).astimezone(tz).hour
        minutes[hour] = minutes.get(hour, 0) + 15
    return minutes


def hour_buckets(day: dt.date, busy_hours: set[int], tz: ZoneInfo) -> tuple[list[str], list[tuple[str, str]]]:
    first = min(busy_hours | {WORKDAY[0]})
    last = max(busy_hours | {WORKDAY[1]})
    # A 23-hour day has no bar for the hour the clocks skip; a 25-hour day's repeated hour is one bucket in
    # the API (its label comes twice), so its bar says why it can hold more than an hour.
    minutes = local_hour_minutes(day, tz)
    hours = [h for h in range(first, last + 1) if minutes.get(h) or h in busy_hours]
    keys = [f"{day.isoformat()}T{h:02d}:00:00" for h in hours]
    step = 1 if len(hours) <= 12 else 3
    labels = []
    for h in hours:
        full = f"{h:02d}:00 to {h:02d}:59"
        if minutes.get(h, 60) > 60:
            full += f" ({minutes[h]} minutes: the clocks went back)"
        labels.append(((f"{h:02d}" if h % step == 0 else ""), full))
    return keys, labels


def day_buckets(begin: dt.date, end: dt.date) -> tuple[list[str], list[tuple[str, str]]]:
    days = [begin + dt.timedelta(days=i) for i in range((end - begin).days + 1)]
    keys = [f"{d.isoformat()}T00:00:00" for d in days]
    if len(days) <= 7:
        labels = [(d.strftime("%a %d"), d.strftime("%A %d %B %Y")) for d in days]
    else:
        labels = [(str(d.day) if (d.day == 1 or d.day % 5 == 0) else "", d.strftime("%A %d %B %Y")) for d in days]
    return keys, labels
