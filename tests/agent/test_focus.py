"""Focus sessions without a desktop (agent/focus.py): the server's commands, the session's life and what
the user is told, what a block list matches, and notifications where there is no notification program.
The windows themselves are minimized on a real X server in test_focus_x.py."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from selftime.agent import notify
from selftime.agent.focus import Blocklist, FocusEnforcer, local_time, parse_command, site_name
from selftime.agent.window_control import NoWindows
from selftime.api.focus import utc_rfc3339
from selftime.domain.focus import block_lists

NOW = 1_796_040_000_000  # 2026-11-30T12:00:00Z
MINUTE = 60_000


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> int:
        return self.now


def command(session_id: int = 7, ends_ms: int = NOW + 30 * MINUTE, **block: list[str]) -> dict[str, Any]:
    return {
        "type": "focus_session",
        "id": session_id,
        "started_at": utc_rfc3339(NOW - MINUTE),
        "ends_at": utc_rfc3339(ends_ms),
        "block": {"applications": block.get("applications", ["steam"]), "sites": block.get("sites", ["reddit.com"])},
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def told() -> list[str]:
    return []


@pytest.fixture
def enforcer(told: list[str], clock: Clock) -> FocusEnforcer:
    return FocusEnforcer(told.append, NoWindows("no display in this test"), clock_ms=clock)


def until(ms: int) -> str:
    return local_time(ms, NOW)


def test_start_is_announced_once_with_the_end_time_and_the_counts(
    enforcer: FocusEnforcer, told: list[str], clock: Clock
) -> None:
    # The server's real default lists, as device_commands sends them.
    lists = block_lists([])
    cmd = command(applications=list(lists.applications), sites=list(lists.sites))
    enforcer.update([cmd])
    enforcer.update([cmd])  # every sync repeats the command: still one session
    for _ in range(3):
        clock.now += 1000
        enforcer.tick()
    apps, sites = len(lists.applications), len(lists.sites)
    assert told == [
        f"Focus session until {until(NOW + 30 * MINUTE)}: blocking {apps} distracting apps and {sites} sites"
        " (windows cannot be minimized here: no display in this test)"
    ]
    assert enforcer.session is not None and enforcer.session.id == 7


def test_singular_counts(enforcer: FocusEnforcer, told: list[str]) -> None:
    enforcer.update([command(applications=["steam"], sites=["x.com"])])
    assert told[0].startswith(f"Focus session until {until(NOW + 30 * MINUTE)}: blocking 1 distracting app and 1 site")


def test_no_command_ends_the_session_once(enforcer: FocusEnforcer, told: list[str]) -> None:
    enforcer.update([command()])
    enforcer.update([])
    enforcer.update([])
    enforcer.tick()
    assert told[1:] == ["Focus session ended: distracting apps and sites are no longer blocked"]
    assert enforcer.session is None


def test_ends_at_passing_on_the_local_clock_ends_it_even_without_a_sync(
    enforcer: FocusEnforcer, told: list[str], clock: Clock
) -> None:
    enforcer.update([command(ends_ms=NOW + 5 * MINUTE)])
    clock.now = NOW + 5 * MINUTE - 1
    enforcer.tick()
    assert len(told) == 1
    clock.now = NOW + 5 * MINUTE
    enforcer.tick()
    assert told[1:] == ["Focus session ended: distracting apps and sites are no longer blocked"]
    # A sync from a server whose clock is behind still lists it: it stays over.
    enforcer.update([command(ends_ms=NOW + 5 * MINUTE)])
    enforcer.update([command(ends_ms=NOW + 6 * MINUTE)])
    enforcer.tick()
    assert len(told) == 2 and enforcer.session is None


def test_a_command_already_over_is_not_started(enforcer: FocusEnforcer, told: list[str]) -> None:
    enforcer.update([command(ends_ms=NOW - 1)])
    enforcer.tick()
    assert told == [] and enforcer.session is None


def test_a_replacing_session_is_announced_without_an_end(enforcer: FocusEnforcer, told: list[str]) -> None:
    enforcer.update([command(7)])
    enforcer.update([command(8, ends_ms=NOW + 90 * MINUTE)])
    assert len(told) == 2
    assert told[1].startswith(f"Focus session until {until(NOW + 90 * MINUTE)}: ")
    assert enforcer.session is not None and enforcer.session.id == 8


def test_new_lists_for_the_same_session_are_taken_silently(enforcer: FocusEnforcer, told: list[str]) -> None:
    enforcer.update([command(applications=["steam"])])
    enforcer.update([command(applications=["steam", "spotify"])])
    assert len(told) == 1
    assert enforcer.session is not None
    assert enforcer.session.block.applications == frozenset({"steam", "spotify"})


def test_other_and_malformed_commands_are_ignored(
    enforcer: FocusEnforcer, told: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    broken = {"type": "focus_session", "id": 9, "ends_at": "tomorrow", "block": {}}
    with caplog.at_level(logging.WARNING, logger="selftime.agent.focus"):
        enforcer.update([{"type": "wipe_disk"}, broken, "junk"])  # type: ignore[list-item]
    assert told == [] and enforcer.session is None
    assert "does not understand" in caplog.text
    assert parse_command({**command(), "block": {"applications": [1]}}) is None
    assert parse_command({**command(), "ends_at": "2026-11-30T12:00:00"}) is None  # no zone
    assert parse_command(command()) is not None


def test_local_time_names_the_day_when_it_is_not_today() -> None:
    local = dt.datetime.fromtimestamp(NOW / 1000)
    tomorrow = local + dt.timedelta(days=1)
    assert local_time(NOW, NOW) == local.strftime("%H:%M")
    assert local_time(round(tomorrow.timestamp() * 1000), NOW) == tomorrow.strftime("%a %H:%M")


# --- what a block list matches ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def block() -> Blocklist:
    lists = block_lists([])
    return Blocklist.of(lists.applications, lists.sites)


def test_applications_by_name(block: Blocklist) -> None:
    assert block.blocked_application("steam") == "steam"
    assert block.blocked_application("Steam.exe") == "steam"
    assert block.blocked_application("Spotify") == "spotify"
    assert block.blocked_application("Epic Games Launcher") == "epic games launcher"
    assert block.blocked_application("code") is None
    assert block.blocked_application("") is None
    # Linux cuts process names to 15 characters.
    assert block.blocked_application("minecraft-launc") == "minecraft-launcher"
    assert block.blocked_application("minecraft-laun") is None
    # Any of a window's names (X11: process name, then WM_CLASS instance and class).
    assert block.blocked_application("python3", "quodlibet", "Quodlibet") == "quodlibet"


@pytest.mark.parametrize(
    ("application", "title", "site"),
    [
        # The host in the title (an extension, or the page itself).
        ("firefox", "Amazon.com: Books — Mozilla Firefox", "amazon.com"),
        ("chromium", "r/python - https://old.reddit.com/r/python - Chromium", "old.reddit.com"),
        ("chrome", "Something - www.reddit.com - Google Chrome", "reddit.com"),
        ("firefox", "a.b.c.twitch.tv — Mozilla Firefox", "twitch.tv"),
        # The site's name as a title segment.
        ("firefox", "Never Gonna Give You Up - YouTube — Mozilla Firefox", "youtube.com"),
        ("chromium", "(3) YouTube - Chromium", "youtube.com"),
        ("brave", "Reddit - Dive into anything", "reddit.com"),
        ("Google Chrome", "Home / X", "x.com"),
        ("msedge", "Ars Technica - Microsoft\u200b Edge", "arstechnica.com"),
        ("firefox", "BBC — Mozilla Firefox", "bbc.co.uk"),
        # A browser is also known by what it appends to titles.
        ("", "Netflix - Google Chrome", "netflix.com"),
        # Not blocked: other programs, a name inside a longer segment, a search, subdomain-only entries.
        ("code", "reddit.com.md - Visual Studio Code", None),
        ("gedit", "YouTube", None),
        ("firefox", "Why I left Reddit for good — Mozilla Firefox", None),
        ("firefox", "reddit - Google Search — Mozilla Firefox", None),
        ("firefox", "Google News — Mozilla Firefox", None),
        ("firefox", "Google — Mozilla Firefox", None),
        ("firefox", "Python documentation — Mozilla Firefox", None),
        ("firefox", "", None),
    ],
)
def test_sites_by_browser_window_title(block: Blocklist, application: str, title: str, site: str | None) -> None:
    assert block.blocked_site(application, title) == site


def test_site_names() -> None:
    assert site_name("youtube.com") == "youtube"
    assert site_name("bbc.co.uk") == "bbc"
    assert site_name("9gag.com") == "9gag"
    assert site_name("news.google.com") is None
    assert site_name("abcnews.go.com") is None


# --- notifications without a notification program ----------------------------------------------------


def test_no_notification_program_means_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert notify.notifier_command("Linux", path=str(tmp_path)) is None
    assert notify.notifier_command("Darwin", path=str(tmp_path)) is None
    assert notify.notifier_command("Windows") is None
    with caplog.at_level(logging.INFO, logger="selftime.agent.notify"):
        show = notify.desktop_notifier("Linux", path=str(tmp_path))
        show("Focus session until 15:30: blocking 2 distracting apps and 3 sites")
    assert "Focus session until 15:30: blocking 2 distracting apps and 3 sites" in caplog.messages


def test_the_enforcer_without_a_display_says_why(
    told: list[str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    enforcer = FocusEnforcer(told.append, clock_ms=clock)
    enforcer.update([command()])
    enforcer.tick()
    assert told[0].endswith("(windows cannot be minimized here: there is no X display (DISPLAY is not set))")
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    told.clear()
    FocusEnforcer(told.append, clock_ms=clock).update([command()])
    assert "a Wayland session does not let programs list or minimize windows" in told[0]
