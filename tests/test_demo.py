"""The demo account a new user gets from `selftime serve --demo`: every report and feed has something."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from selftime.db.tables import alerts, batches, focus_sessions, highlights, rollup_days, spans
from selftime.demo import DEMO_EMAIL, ensure_demo


def _count(db, table) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _get(client, path: str, key: str, **params: str):  # type: ignore[no-untyped-def]
    response = client.get(path, params={"key": key, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_account_fills_every_report_and_feed(client, db, clock):
    email, key = ensure_demo(db, clock())
    assert email == DEMO_EMAIL

    ranked = _get(client, "/anapi/data", key, restrict_begin="2026-10-19", restrict_end="2026-11-30")
    assert len(ranked["rows"]) > 100
    offline = _get(client, "/anapi/data", key, restrict_begin="2026-10-19", restrict_source_type="offline")
    assert [row[3] for row in offline["rows"]] == ["meeting"]
    summaries = _get(client, "/anapi/daily_summary_feed", key)
    assert len(summaries) == 14 and all(s["total_hours"] > 0 for s in summaries)
    assert len(_get(client, "/anapi/alerts_feed", key, op="list")) == 3
    triggered = _get(client, "/anapi/alerts_feed", key)
    assert triggered and all(t["description"].startswith("You spent ") for t in triggered)
    assert len(_get(client, "/anapi/highlights_feed", key)) == 5
    assert len(_get(client, "/anapi/focustime_started_feed", key)) == 6
    assert len(_get(client, "/anapi/focustime_ended_feed", key)) == 6


def test_running_it_again_adds_nothing_and_rotates_the_key(client, db, clock):
    _email, first_key = ensure_demo(db, clock())
    counts = [_count(db, t) for t in (spans, batches, alerts, highlights, focus_sessions)]
    _email, second_key = ensure_demo(db, clock())
    assert [_count(db, t) for t in (spans, batches, alerts, highlights, focus_sessions)] == counts
    assert second_key != first_key
    assert _get(client, "/anapi/highlights_feed", first_key) == {
        "error": "# key not found",
        "messages": "key not found",
    }
    assert len(_get(client, "/anapi/highlights_feed", second_key)) == 5


def test_running_it_days_later_adds_only_the_new_days(db, clock):
    """The generator's days depend on where it starts (42 days before today): a later run made other spans for
    the days already there, and their gaps were filled with them (a Saturday went from 2.4 to 4.7 hours)."""

    def day_totals() -> dict[int, int]:
        with db.read() as conn:
            rows = conn.execute(select(rollup_days.c.day, func.sum(rollup_days.c.duration_ms)).group_by("day"))
            return {int(day): int(ms) for day, ms in rows}

    ensure_demo(db, clock())
    before = day_totals()
    clock.set(clock.now + dt.timedelta(days=3))
    ensure_demo(db, clock())
    after = day_totals()
    last = max(before)  # the first run's today, cut at its now: the rest of it is added
    assert {day: ms for day, ms in after.items() if day < last} == {day: ms for day, ms in before.items() if day < last}
    assert after[last] >= before[last] and max(after) == last + 3
