"""The OAuth2 scopes RescueTime defines, in plain words for the consent and connected-apps pages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    name: str
    title: str
    description: str


# In the order of RescueTime's documentation; pages list a token's scopes in this order.
SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope(
            "time_data",
            "Your full time history",
            "every activity, website and document with the time spent on it, your daily summaries, "
            "and adding offline time",
        ),
        Scope("category_data", "Time per category", "how much time you spent in each category"),
        Scope(
            "productivity_data",
            "Time per productivity level",
            "how much time you spent at each productivity level, from very productive to very distracting",
        ),
        Scope("alert_data", "Your alerts", "the alerts you defined and when they were triggered"),
        Scope("highlight_data", "Your daily highlights", "reading your daily highlights and adding new ones"),
        Scope(
            "focustime_data",
            "Your focus sessions",
            "your focus session history, and starting and ending focus sessions",
        ),
    )
}

_SEPARATORS = re.compile(r"[\s,]+")


def split(text: str | None) -> list[str]:
    """`a b`, `a,b` and `a, b` alike (clients send both separators); duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text or ""):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def unknown(names: list[str]) -> list[str]:
    return [n for n in names if n not in SCOPES]


def ordered(names: Iterable[str]) -> list[Scope]:
    """The known scopes among `names`, in the table's order."""
    wanted = set(names)
    return [s for s in SCOPES.values() if s.name in wanted]
