"""The hand-made day behind the golden tests: Europe/Berlin (UTC+1), Monday 2026-11-30.

Local times:  09:00-09:30 code "main.py" 1800 s      09:30-09:40 github.com "Pull requests" 600 s
              09:40-09:45 slack "#general" 300 s      09:50-10:00 reddit.com "r/python" 600 s (phone)
              10:10-10:25 youtube.com 'Cats, "funny"' 900 s
              10:25-10:30 code, no title 300 s        10:30-10:31:40.4 mystery-app "x" 100.4 s
"""

from __future__ import annotations

from tests.conftest import send, span

ZONE = "Europe/Berlin"
DAY = "2026-11-30"


def load(client, account) -> None:  # type: ignore[no-untyped-def]
    laptop = [
        span("2026-11-30T08:00:00Z", "2026-11-30T08:30:00Z", "Code", "main.py"),
        span(
            "2026-11-30T08:30:00Z",
            "2026-11-30T08:40:00Z",
            "Firefox",
            "Pull requests",
            "https://github.com/selftime/selftime/pulls",
        ),
        span("2026-11-30T08:40:00Z", "2026-11-30T08:45:00Z", "Slack", "#general"),
        span(
            "2026-11-30T09:10:00Z",
            "2026-11-30T09:25:00Z",
            "Firefox",
            'Cats, "funny"',
            "https://www.youtube.com/watch?v=1",
        ),
        span("2026-11-30T09:25:00Z", "2026-11-30T09:30:00Z", "Code", None),
        span("2026-11-30T09:30:00Z", "2026-11-30T09:31:40.400Z", "mystery-app", "x"),
    ]
    phone = [
        span("2026-11-30T08:50:00Z", "2026-11-30T09:00:00Z", "Reddit", "r/python", "https://www.reddit.com/r/python"),
    ]
    send(client, account, laptop, device="laptop")
    send(client, account, phone, device="phone", source="mobile")
