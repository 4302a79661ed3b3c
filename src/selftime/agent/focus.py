"""Focus sessions on the desktop: announce them, and keep distracting windows minimized until they end.

The server says what to block in the `commands` of every ingest response (docs/focus.md): a
`focus_session` command while a session is active, nothing once it is over. `FocusEnforcer.update` takes
those commands after each sync; `tick`, called about once a second, ends the session when its `ends_at`
passes on the local clock (syncs may be late or fail) and minimizes every window of a blocked application,
and every browser window whose title shows a blocked site.

Minimize, not close: a closed window can lose unsaved work or a browser's tabs, a minimized one is one click
away once the session is over. A window the user restores is minimized again at the next tick; the user is
told why once per window and session. When the session ends nothing is restored: the user picks up what
they want. Sites are judged by window titles only (see docs/agent-focus-privacy.md for what that cannot
do)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from selftime.agent.privacy import app_key, hosts_in, listed_site
from selftime.agent.sites import BROWSERS
from selftime.agent.window_control import (
    COMM_LENGTH,
    NoWindows,
    WindowControl,
    WindowInfo,
    default_window_control,
)

log = logging.getLogger(__name__)

Notify = Callable[[str], None]

# A window still not minimized this many ticks after the first request: the window manager ignores us.
GIVE_UP_TICKS = 3


# --- what a session blocks --------------------------------------------------------------------------

# What browsers append to a page's title; also how a browser is recognised when its name is unknown.
_BROWSER_SUFFIX = re.compile(
    r"\s+[-\u2013\u2014]\s+(?:Mozilla Firefox|Firefox|Google Chrome|Chromium|Brave|Microsoft\u200b? Edge|"
    r"Vivaldi|Opera|Safari|LibreWolf|Waterfox|Floorp|Zen Browser|Tor Browser|Web)(?:\s+Private Browsing)?\s*$",
    re.IGNORECASE,
)
# Sites put their name in a title segment: "Video - YouTube", "Home / X", "r/python - Reddit".
_SEGMENT_SEPARATOR = re.compile(r"\s+[-\u2013\u2014|/\u00b7:•]\s+|:\s+")
_UNREAD_COUNT = re.compile(r"^\(\d+\+?\)\s*")
# A page whose title ends like this lists search results: the query may name a blocked site.
_SEARCH_PAGES = frozenset(
    {"googlesearch", "bing", "duckduckgo", "startpagesearchresults", "ecosia", "yahoosearch", "kagisearch"}
)  # normalized: lower case, letters and digits only
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "or", "ac", "gov", "edu", "ne", "go"})


def _normalized(segment: str) -> str:
    return re.sub(r"[\W_]+", "", segment.casefold())


def site_name(host: str) -> str | None:
    """The name a site shows in titles ('youtube' for youtube.com, 'bbc' for bbc.co.uk), or None for a
    subdomain entry such as news.google.com, whose name would be its parent's and block all of it."""
    labels = host.split(".")
    if len(labels) == 2 or (len(labels) == 3 and labels[1] in _SECOND_LEVEL and len(labels[2]) == 2):
        return _normalized(labels[0]) or None
    return None


@dataclass(frozen=True)
class Blocklist:
    applications: frozenset[str]
    sites: frozenset[str]
    # Applications cut to Linux's 15-character process names, for long names such as minecraft-launcher.
    cut_applications: dict[str, str] = field(default_factory=dict)
    site_names: dict[str, str] = field(default_factory=dict)  # normalized name → site

    @classmethod
    def of(cls, applications: Iterable[str], sites: Iterable[str]) -> Blocklist:
        apps = frozenset(app_key(a) for a in applications if a.strip())
        hosts = frozenset(s.strip().lower().removeprefix("www.") for s in sites if s.strip())
        cut = {a[:COMM_LENGTH]: a for a in sorted(apps) if len(a) > COMM_LENGTH}
        names: dict[str, str] = {}
        for host in sorted(hosts):
            name = site_name(host)
            if name:
                names.setdefault(name, host)
        return cls(apps, hosts, cut, names)

    def blocked_application(self, *names: str) -> str | None:
        """The blocked application among a window's names, else None."""
        for name in names:
            key = app_key(name)
            if not key:
                continue
            if key in self.applications:
                return key
            if len(key) == COMM_LENGTH and key in self.cut_applications:
                return self.cut_applications[key]
        return None

    def blocked_site(self, application: str, title: str) -> str | None:
        """The blocked site a browser window's title shows, else None (also for windows of other programs)."""
        page, suffixed = _BROWSER_SUFFIX.subn("", title)
        if not suffixed and app_key(application) not in BROWSERS:
            return None
        for host in hosts_in(page):
            if site := listed_site(host, self.sites):
                return site
        segments = [s for s in _SEGMENT_SEPARATOR.split(_UNREAD_COUNT.sub("", page.strip())) if s]
        if not segments or _normalized(segments[-1]) in _SEARCH_PAGES:
            return None
        for segment in segments:
            if site := self.site_names.get(_normalized(segment)):
                return site
        return None


@dataclass(frozen=True)
class Session:
    id: Any
    ends_ms: int
    block: Blocklist


def parse_command(command: Any) -> Session | None:
    """A `focus_session` command as sent by the server, or None when it is not one or is malformed."""
    if not isinstance(command, dict) or command.get("type") != "focus_session":
        return None
    try:
        ends_ms = _utc_ms(command["ends_at"])
        block = command.get("block") or {}
        apps, sites = block.get("applications") or [], block.get("sites") or []
        if not all(isinstance(x, str) for x in [*apps, *sites]):
            raise ValueError("block lists must hold names")
        return Session(command["id"], ends_ms, Blocklist.of(apps, sites))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("ignoring a focus_session command the agent does not understand (%s): %r", exc, command)
        return None


def _utc_ms(text: str) -> int:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"ends_at has no offset: {text!r}")
    return round(moment.timestamp() * 1000)


def local_time(ms: int, now_ms: int) -> str:
    """'15:30' today, 'Tue 09:00' on another day, on the computer's clock and zone."""
    moment = dt.datetime.fromtimestamp(ms / 1000)
    today = dt.datetime.fromtimestamp(now_ms / 1000).date()
    return moment.strftime("%H:%M") if moment.date() == today else moment.strftime("%a %H:%M")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- the enforcer -----------------------------------------------------------------------------------


class FocusEnforcer:
    """Applies the server's focus commands to this desktop. `update` and `tick` may come from different
    threads; `notify` is called with one sentence per event and should not block for long."""

    def __init__(
        self,
        notify: Notify,
        windows: WindowControl | None = None,
        *,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self._notify = notify
        self._windows = windows
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.RLock()
        self._session: Session | None = None
        self._finished: set[Any] = set()  # ids of sessions that ran out here: a late sync must not revive them
        self._told: set[tuple[Hashable, str]] = set()  # (window, blocked thing) the user was told about
        self._tries: dict[Hashable, int] = {}  # ticks a window has stayed up since the first minimize request
        self._gave_up: set[Hashable] = set()
        self._failing = False

    @property
    def session(self) -> Session | None:
        return self._session

    def update(self, commands: list[dict[str, Any]]) -> None:
        """The `commands` of an ingest response: they describe the state now, a missing session means none."""
        now = self._clock_ms()
        with self._lock:
            wanted = None
            for command in commands or []:
                wanted = parse_command(command)
                if wanted is not None:
                    break
            if wanted is not None and (wanted.id in self._finished or wanted.ends_ms <= now):
                wanted = None
            current = self._session
            if wanted is None:
                if current is not None:
                    self._end(now)
                return
            if current is not None and current.id == wanted.id:
                self._session = wanted  # the lists may change (the user re-categorized something)
                return
            self._start(wanted, now)  # a new session, or one that replaced the current one

    def tick(self) -> None:
        now = self._clock_ms()
        with self._lock:
            session = self._session
            if session is None:
                return
            if now >= session.ends_ms:
                self._finished.add(session.id)
                self._end(now)
                return
            try:
                self._enforce(session, now)
                self._failing = False
            except Exception:  # the desktop may misbehave (the X server went away); the runner's loop goes on
                if not self._failing:
                    log.exception("focus session: could not check the windows (said once until it works again)")
                self._failing = True

    def _start(self, session: Session, now: int) -> None:
        self._session = session
        self._told.clear()
        self._tries.clear()
        self._gave_up.clear()
        block = session.block
        text = (
            f"Focus session until {local_time(session.ends_ms, now)}: blocking "
            f"{_count(len(block.applications), 'distracting app', 'distracting apps')} and "
            f"{_count(len(block.sites), 'site', 'sites')}"
        )
        control = self._control()
        if isinstance(control, NoWindows):
            text += f" (windows cannot be minimized here: {control.reason})"
        self._notify(text)

    def _end(self, now: int) -> None:
        self._session = None
        self._told.clear()
        self._tries.clear()
        self._gave_up.clear()
        self._notify("Focus session ended: distracting apps and sites are no longer blocked")

    def _control(self) -> WindowControl:
        # Made on first use, so an agent that never gets a session never touches the display.
        if self._windows is None:
            self._windows = default_window_control()
        return self._windows

    def _enforce(self, session: Session, now: int) -> None:
        control = self._control()
        until = local_time(session.ends_ms, now)
        listed = set()
        for win in control.windows():
            listed.add(win.key)
            blocked = self._why(session.block, win)
            if blocked is None:
                self._tries.pop(win.key, None)
                continue
            target, why = blocked
            if win.minimized:
                self._tries.pop(win.key, None)
                continue
            tries = self._tries.get(win.key, 0)
            self._tries[win.key] = tries + 1
            control.minimize(win.key)
            # Once per window and blocked thing: a browser window that moves on to another blocked site
            # says so again, one that keeps being restored does not.
            if (win.key, target) not in self._told:
                self._told.add((win.key, target))
                self._notify(f"Focus session: minimized {why}, blocked until {until}")
            elif tries >= GIVE_UP_TICKS and win.key not in self._gave_up:
                # Still up after several requests: say so rather than pretend. A tiling window manager ignores
                # the request; some programs undo it at once. The requests go on all the same.
                self._gave_up.add(win.key)
                self._notify(f"Focus session: could not minimize {why}: it keeps coming back")
        # Forget windows that are gone: a new window may get the id of a closed one.
        self._told = {told for told in self._told if told[0] in listed}
        self._gave_up &= listed
        self._tries = {k: v for k, v in self._tries.items() if k in listed}

    @staticmethod
    def _why(block: Blocklist, win: WindowInfo) -> tuple[str, str] | None:
        """(the blocked application or site, a sentence saying so) for a window to minimize, else None."""
        app = block.blocked_application(win.application, *win.aliases)
        if app is not None:
            return app, f"{win.application or app} ({app} is a distracting app)"
        site = block.blocked_site(win.application, win.title)
        if site is not None:
            return site, f"“{_short(win.title)}” ({site} is a distracting site)"
        return None


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"
