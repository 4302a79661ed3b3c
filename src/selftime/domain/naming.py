"""How the service names what it records: lower-case applications, bare domains, titles as documents."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

NO_DETAILS = "No Details"
MAX_NAME = 255


def stored_document(title: str | None) -> str | None:
    """The document a span is stored with. A title reading "No Details" is stored as no document: on
    the wire both are the row "No Details", so reports never have two rows to merge."""
    return None if title is None or title == NO_DETAILS else title


# Tabs, line breaks and other control characters: a name shows on one line, and a browser sends a
# line break in a form field back as CR LF, so a name holding one could not be found again from a
# page (the categorization editor) once stored.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def application_activity(application: str) -> str:
    if not application.isprintable():  # rare; the regex costs more than the test
        application = _CONTROLS.sub(" ", application)
    return application.strip().lower()


# "about:blank", "mailto:…", "data:…": a scheme and no "//". Not "localhost:3000", whose colon leads a port.
_OPAQUE_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])")
WEB_SCHEMES = frozenset({"http", "https"})


@lru_cache(maxsize=65536)
def site_activity(url: str) -> str | None:
    """The site a page is on: its host, lower case, without a leading `www.`. None for a page that is
    not on the web (about:blank, file:, a browser's own pages, an extension's): its application names
    it, as when no URL is sent. A URL without a scheme (`github.com/x`, `localhost:3000`) is read as
    http. ValueError (a sentence about the URL) for a web URL without a usable host.

    Memoized: agents send the same pages over and over, and URL parsing is most of ingest's per-span cost."""
    text = url.strip()
    if "://" not in text:
        if _OPAQUE_SCHEME.match(text):
            return None
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in WEB_SCHEMES:
        return None
    if not host or any(c.isspace() for c in host):
        raise ValueError("has no host name (expected a URL such as https://example.com/)")
    return strip_www(host.lower().rstrip("."))


def named_activity(value: str) -> str:
    """An activity as a person names it: a pasted URL (`https://www.github.com/x`) stands for its
    site, named as ingest names it; anything else is the name as given. ValueError (a sentence) for
    a URL with no usable host or one off the web, whose application names its time instead."""
    if "://" not in value:
        return value
    try:
        site = site_activity(value)
    except ValueError as exc:
        raise ValueError(f"{value.strip()!r} {exc}") from None
    if site is None:
        raise ValueError(f"{value.strip()!r} is not a web page: name its application instead")
    return site


def strip_www(name: str) -> str:
    return name[4:] if name.startswith("www.") and len(name) > 4 else name


def thing_key(name: str) -> str:
    """The form in which a requested name is compared with stored names."""
    return strip_www(name.strip().casefold())
