"""The site of a browser window, from its title: what can honestly be known without the browser's help.

Browsers put the page title in the window title ("Pull requests - Chromium") and not the address. Many
people run an extension that appends the address or the host ("Add URL to Window Title", "URL in title",
ActivityWatch's advice for its window watcher): "Pull requests - github.com - Chromium" or "Pull requests -
https://github.com/pulls - Mozilla Firefox". Where the title ends with an address or a host name, it is the
site; where it does not, the window is recorded as the browser application with the page title as its
document. A site is never guessed from a page title ("GitHub" does not make github.com)."""

from __future__ import annotations

import re

# Process names (Linux, lower case), application names (macOS) and executables (Windows, without .exe).
BROWSERS = frozenset(
    {
        "firefox",
        "firefox-bin",
        "firefox-esr",
        "librewolf",
        "waterfox",
        "floorp",
        "zen",
        "chromium",
        "chromium-browse",  # "chromium-browser", cut to Linux's 15-character process names
        "chromium-browser",
        "chrome",
        "google-chrome",
        "google chrome",
        "brave",
        "brave-browser",
        "brave browser",
        "vivaldi",
        "vivaldi-bin",
        "opera",
        "msedge",
        "microsoft-edge",
        "microsoft edge",
        "epiphany",
        "falkon",
        "qutebrowser",
        "midori",
        "safari",
        "arc",
        "geckomain",
        "konqueror",
        "orion",
        "palemoon",
        "seamonkey",
        "tor browser",
        "yandex",
        "zen-bin",
    }
)

# What browsers append to the page title, compared without case and without zero-width characters (Edge
# writes "Microsoft\u200b Edge").
_BROWSER_SUFFIXES = frozenset(
    {
        "mozilla firefox",
        "mozilla firefox private browsing",
        "firefox",
        "firefox developer edition",
        "firefox nightly",
        "librewolf",
        "waterfox",
        "chromium",
        "google chrome",
        "chrome",
        "brave",
        "vivaldi",
        "opera",
        "microsoft edge",
        "epiphany",
        "web",
        "falkon",
        "qutebrowser",
        "midori",
        "safari",
    }
)
_SEPARATOR = re.compile(r"\s+(?:-|\u2014|\u2013|\||\u00b7|::)\s+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
# Lower case only: extensions write hosts in lower case, and "README.md" or "Notes.txt" must not become sites.
_HOST = re.compile(
    r"^(?:localhost|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?::\d{1,5})?(?P<path>/\S*)?$"
)
# A two-part "host" ending like a file is much more often a file name than a site.
_FILE_ENDING = re.compile(
    r"^(?:txt|md|py|pdf|png|jpe?g|gif|svg|webp|html?|js|ts|json|xml|csv|zip|gz|tar|docx?|xlsx?|pptx?|od[ts]|sh|rs"
    r"|go|c|h|cpp|java|rb|php|log|ini|cfg|conf|ya?ml|toml|lock)$"
)


def is_browser(application: str) -> bool:
    name = application.strip().lower()
    return name.removesuffix(".exe") in BROWSERS or name.removesuffix(".app") in BROWSERS


def _address(text: str) -> str | None:
    """The URL that `text` is, or names by host (scheme assumed https: only the host is used)."""
    text = text.strip()
    if _URL.match(text):
        return text
    found = _HOST.match(text)
    if not found:
        return None
    host = text.split("/", 1)[0].split(":", 1)[0]
    labels = host.split(".")
    if found["path"] is None and len(labels) == 2 and _FILE_ENDING.match(labels[1]):
        return None
    return "https://" + text if found["path"] else f"https://{text}/"


def split_browser_title(title: str) -> tuple[str | None, str | None]:
    """(page title, site URL or None) of a browser window's title."""
    rest = _ZERO_WIDTH.sub("", title).strip()
    head, tail = _split_last(rest)
    if tail.lower() in _BROWSER_SUFFIXES:  # the browser's own name, if it writes one
        rest = head
        head, tail = _split_last(rest)
    url = _address(tail)
    if url is None:
        return rest or None, None
    return head or None, url


def _split_last(text: str) -> tuple[str, str]:
    """("a - b", "c") for "a - b - c"; ("", text) without a separator."""
    last = None
    for match in _SEPARATOR.finditer(text):
        last = match
    if last is None:
        return "", text.strip()
    return text[: last.start()].strip(), text[last.end() :].strip()
