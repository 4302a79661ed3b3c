"""Privacy rules: what the agent never records, and what it records without window titles.

The rules live in `privacy.toml` (or `privacy.json`) in the agent's data dir and are applied to every span
before it reaches the durable queue, so what a rule hides is never written to disk or sent anywhere:

    [never]                     # the time is not recorded at all
    applications = ["keepassxc", "signal"]
    titles = ["private browsing", '^Inbox \\(\\d+\\)']   # '…': no escapes in TOML
    sites = ["mybank.example"]

    [without_titles]            # the time is recorded under the application, without title or URL
    applications = ["thunderbird"]
    titles = ["password"]
    sites = ["mail.google.com"] # …or under the site, without the page's title and path

Applications are names compared case-insensitively (`.exe`/`.app` ignored); titles are regular expressions
searched case-insensitively; sites are host names that also cover their subdomains, matched against the
span's URL and against host names that appear in its title (browsers often show none: add a title pattern
for the site's name as well). `never` wins over `without_titles`. No file: everything is recorded."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selftime.agent.queue import QueuedSpan

FILE_NAMES = ("privacy.toml", "privacy.json")
SECTIONS = ("never", "without_titles")
KINDS = ("applications", "titles", "sites")

# A host name as it shows inside free text (a window title): dot-separated labels, a letter-led last label.
_HOST_IN_TEXT = re.compile(
    r"(?<![\w.@-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9])(?![\w-]|\.[\w-])", re.IGNORECASE
)
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


# --- host names: shared with the focus blocker ------------------------------------------------------


def bare_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") and len(host) > 4 else host


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return bare_host(host) if host else None


def hosts_in(text: str | None) -> Iterator[str]:
    """Host names written in free text, such as 'Amazon.com: Books' or a URL in a window title."""
    if text:
        for found in _HOST_IN_TEXT.finditer(text):
            yield bare_host(found.group(1))


def listed_site(host: str, sites: frozenset[str] | set[str]) -> str | None:
    """The entry of `sites` that covers `host` (itself or a parent domain), else None."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in sites:
            return candidate
    return host if host in sites else None


def app_key(name: str) -> str:
    """How application names are compared: case-insensitive, without a Windows or macOS suffix."""
    key = name.strip().casefold()
    for suffix in (".exe", ".app"):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# --- the rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    applications: frozenset[str] = frozenset()
    titles: tuple[re.Pattern[str], ...] = ()
    sites: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.applications or self.titles or self.sites)

    def matches_application(self, span: QueuedSpan) -> bool:
        return span.application is not None and app_key(span.application) in self.applications

    def matches_title(self, span: QueuedSpan) -> bool:
        return span.title is not None and any(p.search(span.title) for p in self.titles)

    def matching_site(self, span: QueuedSpan) -> str | None:
        if not self.sites:
            return None
        candidates = [host_of(span.url), *hosts_in(span.title)]
        # Spans of ActivityWatch's web watcher and the like may name the site as the application.
        if span.application and _HOST.fullmatch(span.application.strip().lower()) and "." in span.application:
            candidates.append(bare_host(span.application))
        for host in candidates:
            if host and (site := listed_site(host, self.sites)):
                return site
        return None


@dataclass(frozen=True)
class Privacy:
    never: RuleSet = RuleSet()
    without_titles: RuleSet = RuleSet()
    source: Path | None = None  # the file the rules came from; None: there is none

    def __bool__(self) -> bool:
        return bool(self.never or self.without_titles)

    def filter(self, span: QueuedSpan) -> QueuedSpan | None:
        """The span as it may be recorded: unchanged, stripped of title and URL, or None (not at all)."""
        never = self.never
        if never.matches_application(span) or never.matches_title(span) or never.matching_site(span):
            return None
        hidden = self.without_titles
        if not hidden or (span.title is None and span.url is None):
            return span
        if hidden.matches_application(span) or hidden.matches_title(span):
            return replace(span, title=None, url=None)
        site = hidden.matching_site(span)
        if site is not None:
            # The time still counts for the site (the server names a span by its URL's host); the page's
            # title and path, which say what was read there, are dropped.
            host = host_of(span.url)
            return replace(span, title=None, url=f"https://{host}/" if host else None)
        return span

    def describe(self) -> str:
        if self.source is None:
            return "no privacy rules (no privacy.toml in the data dir): everything is recorded"
        counts = []
        for name in SECTIONS:
            rules: RuleSet = getattr(self, name)
            counts.append(
                f"{name}: {len(rules.applications)} applications, {len(rules.titles)} title patterns, "
                f"{len(rules.sites)} sites"
            )
        return f"privacy rules from {self.source} ({'; '.join(counts)})"


EVERYTHING = Privacy()


def load(data_dir: Path) -> Privacy:
    """The rules in the data dir; ValueError naming the file and the problem when they are broken."""
    found = [data_dir / name for name in FILE_NAMES if (data_dir / name).is_file()]
    if not found:
        return EVERYTHING
    if len(found) > 1:
        raise ValueError(f"{found[0]} and {found[1]} both exist: keep one of them (privacy.toml is read first)")
    return parse_file(found[0])


def parse_file(path: Path) -> Privacy:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from exc
    try:
        raw: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise ValueError(f"{path}: is not valid {kind}: {exc}") from exc
    try:
        return parse_rules(raw, source=path)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def parse_rules(raw: Any, source: Path | None = None) -> Privacy:
    # Unknown names are errors, not ignored: a misspelt section would otherwise silently record
    # exactly what the user meant to hide.
    if not isinstance(raw, dict):
        raise ValueError(f"expected a table with the sections {_listing(SECTIONS)}")
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r} (the sections are {_listing(SECTIONS)})")
    sets = {name: _rule_set(name, raw.get(name, {})) for name in SECTIONS}
    return Privacy(never=sets["never"], without_titles=sets["without_titles"], source=source)


def _rule_set(section: str, raw: Any) -> RuleSet:
    if not isinstance(raw, dict):
        raise ValueError(f"[{section}] must be a table with the keys {_listing(KINDS)}")
    unknown = sorted(set(raw) - set(KINDS))
    if unknown:
        raise ValueError(f"[{section}]: unknown key {unknown[0]!r} (the keys are {_listing(KINDS)})")
    lists = {kind: _strings(section, kind, raw.get(kind, [])) for kind in KINDS}
    return RuleSet(
        applications=frozenset(app_key(name) for name in lists["applications"]),
        titles=tuple(_pattern(section, text) for text in lists["titles"]),
        sites=frozenset(_site(section, text) for text in lists["sites"]),
    )


def _strings(section: str, kind: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(f"[{section}] {kind} must be a list of strings, not {raw!r}")
    empty = [i for i, item in enumerate(raw) if not item.strip()]
    if empty:
        raise ValueError(f"[{section}] {kind}[{empty[0]}] is empty")
    return list(raw)


def _pattern(section: str, text: str) -> re.Pattern[str]:
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"[{section}] titles: {text!r} is not a valid regular expression ({exc})") from exc


def _site(section: str, text: str) -> str:
    # A pasted URL is taken for its host; anything else must be a host name.
    host = host_of(text) if "://" in text else bare_host(text)
    if not host or not _HOST.fullmatch(host) or "." not in host:
        raise ValueError(f"[{section}] sites: {text!r} is not a host name (such as example.com)")
    return host


def _listing(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)
