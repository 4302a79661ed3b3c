"""Sites from browser window titles (agent/sites.py) and how a sample is described (agent/window.py)."""

from __future__ import annotations

import re

import pytest

from selftime.agent.sites import is_browser, split_browser_title
from selftime.agent.window import WindowSample, describe


@pytest.mark.parametrize(
    ("title", "page", "url"),
    [
        # An extension appended the host, the browser its name.
        ("Pull requests - github.com - Chromium", "Pull requests", "https://github.com/"),
        ("Inbox (3) - mail.google.com - Google Chrome", "Inbox (3)", "https://mail.google.com/"),
        ("Docs | Python 3.11 - docs.python.org:8000 - Brave", "Docs | Python 3.11", "https://docs.python.org:8000/"),
        # …or the whole address; Firefox writes an em dash, Edge a zero-width space in its name.
        ("Pulls - https://github.com/a/b/pulls?q=1 — Mozilla Firefox", "Pulls", "https://github.com/a/b/pulls?q=1"),
        ("Outlook - outlook.live.com - Microsoft\u200b Edge", "Outlook", "https://outlook.live.com/"),
        ("Dev server - localhost:8080 - Chromium", "Dev server", "https://localhost:8080/"),
        # Chromium shows the address as the title of a page without one.
        ("example.org/some/path - Chromium", None, "https://example.org/some/path"),
        # No address in the title: no site, the page title stays the document. Nothing is guessed.
        ("Pull requests · selftime - Chromium", "Pull requests · selftime", None),
        ("GitHub - Mozilla Firefox", "GitHub", None),
        ("README.md - Chromium", "README.md", None),  # a file name, not a host
        ("Notes - report.pdf - Chromium", "Notes - report.pdf", None),
        ("Firmware - README.MD - Chromium", "Firmware - README.MD", None),  # hosts are written in lower case
        ("Mozilla Firefox", None, None),
        ("Foo - Web - Mozilla Firefox", "Foo - Web", None),  # only one browser name is taken off
    ],
)
def test_split_browser_title(title: str, page: str | None, url: str | None) -> None:
    assert split_browser_title(title) == (page, url)


def test_browsers_by_process_name_app_name_or_executable() -> None:
    for name in ("firefox", "chromium", "chromium-browse", "Google Chrome", "msedge.exe", "Safari", "brave"):
        assert is_browser(name), name
    for name in ("code", "xterm", "thunderbird", "chromium-ish"):
        assert not is_browser(name), name


def test_describe_splits_sites_only_for_browsers() -> None:
    assert describe("chromium", "Pulls - github.com - Chromium") == WindowSample(
        "chromium", "Pulls", "https://github.com/"
    )
    assert describe("code", "Pulls - github.com - Chromium") == WindowSample(
        "code", "Pulls - github.com - Chromium", None
    )


def test_describe_fits_the_ingest_api() -> None:
    assert describe("", None) == WindowSample("unknown", None, None)
    assert describe("  my   app ", "  \t ") == WindowSample("my app", None, None)
    long = describe("a" * 300, "t" * 300)
    assert len(long.application) == 255 and long.title is not None and len(long.title) == 255
    assert describe("xterm", "vim\n~/notes") == WindowSample("xterm", "vim ~/notes", None)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "Wayland session without X (no DISPLAY)"),
        ({}, "no X display (DISPLAY is not set)"),
    ],
)
def test_no_window_information_says_why(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str) -> None:
    import sys

    from selftime.agent.window import WindowUnavailable, open_window_source

    if sys.platform in ("darwin", "win32"):
        pytest.fail("written for Linux: elsewhere pywinctl needs no DISPLAY")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(WindowUnavailable, match=re.escape(message)):
        open_window_source()
