"""Deterministic synthetic activity for the demo account and for benchmarks.

The output has the shape of the ingest API's span objects. Everything is derived from one
``random.Random(seed)`` (plus per-activity sub-seeds), so a seed is a reproducible dataset.
Standard library only, so benchmarks can run without anything beyond the server's own deps.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from functools import cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

# Real names ordered by rough popularity: the position is the Zipf rank, so the head of this
# list is what dominates the demo dashboards. Entries with a dot are websites (URL hosts);
# some keep "www." on purpose so the ingest path's host normalisation gets exercised.
_KNOWN = (
    "Code=editor|github.com=code|gnome-terminal=terminal|Slack=chat|stackoverflow.com=qa|"
    "mail.google.com=webmail|www.youtube.com=video|docs.python.org=docs|Zoom=meeting|"
    "PyCharm=editor|calendar.google.com=web|news.ycombinator.com=forum|Thunderbird=mail|"
    "www.reddit.com=forum|Spotify=media|docs.google.com=web|en.wikipedia.org=wiki|"
    "LibreOffice Writer=office|www.notion.so=web|Figma=design|twitter.com=social|"
    "www.linkedin.com=social|Discord=chat|www.nytimes.com=news|www.amazon.com=shop|"
    "LibreOffice Calc=office|www.google.com=search|Nautilus=files|gitlab.com=code|pypi.org=docs|"
    "Evince=office|developer.mozilla.org=docs|Obsidian=notes|chat.openai.com=web|claude.ai=web|"
    "GIMP=design|www.netflix.com=video|Steam=game|meet.google.com=web|Microsoft Teams=chat|"
    "www.twitch.tv=video|Signal=chat|www.bbc.com=news|Telegram Desktop=chat|drive.google.com=web|"
    "www.theguardian.com=news|Postman=app|www.figma.com=web|DBeaver=app|trello.com=web|"
    "IntelliJ IDEA=editor|medium.com=news|Vim=editor|dev.to=news|Emacs=editor|lwn.net=news|"
    "Kate=editor|arxiv.org=web|Inkscape=design|translate.google.com=web|Krita=design|"
    "www.facebook.com=social|Blender=design|www.instagram.com=social|VLC=media|www.ebay.com=shop|"
    "KeePassXC=app|www.booking.com=shop|OBS Studio=app|weather.com=web|Audacity=app|"
    "fastapi.tiangolo.com=docs|Transmission=app|docs.sqlalchemy.org=docs|gnome-calculator=app|"
    "realpython.com=docs|System Settings=app|crates.io=docs|Okular=office|www.npmjs.com=docs|"
    "Zotero=app|hub.docker.com=docs|Joplin=notes|console.aws.amazon.com=web|Alacritty=terminal|"
    "outlook.office.com=webmail|Konsole=terminal|web.whatsapp.com=social|Sublime Text=editor|"
    "open.spotify.com=web|Rhythmbox=media|duckduckgo.com=search|Shotwell=design|"
    "mastodon.social=social|Element=chat|bsky.app=social|Anki=app|www.imdb.com=web|Calibre=app|"
    "www.goodreads.com=web|Minecraft=game|www.etsy.com=shop|Lutris=game|www.heise.de=news|"
    "Wireshark=app|www.spiegel.de=news|virt-manager=app|www.lemonde.fr=news|www.nhk.or.jp=news|"
    "kubernetes.io=docs|docs.docker.com=docs|www.postgresql.org=docs"
)
# Evenings and weekends favour these, work sessions keep the plain popularity order.
_LEISURE = frozenset({"video", "forum", "news", "shop", "social", "media", "game"})
_APP_SHARE = 0.45

# (title format, URL path format); path is "" for desktop applications.
_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "editor": (("{f} - {p}", ""), ("{f} - {p} - {a}", "")),
    "terminal": (("{u}@laptop: ~/src/{p}", ""), ("pytest tests/test_{f}", ""), ("{w} — {p}", "")),
    "chat": (("#{w} | {o} - {a}", ""), ("{u} | {o} - {a}", ""), ("Thread: {t} - {a}", "")),
    "mail": (("{t} - Inbox - {a}", ""), ('Re: "{t}", follow-up - {a}', "")),
    "meeting": (("{a} Meeting: {t}", ""),),
    "office": (("{t}.odt - {a}", ""), ("{t}.pdf - {a}", "")),
    "design": (("{t}.png - {a}", ""), ("{t} \N{EN DASH} {a}", "")),
    "notes": (("{t} - {p} - {a}", ""),),
    "files": (("{w} - {a}", ""), ("{p} - {a}", "")),
    "media": (("{u} - {t}", ""),),
    "game": (("{t}", ""),),
    "app": (("{t} - {a}", ""),),
    "code": (
        ("{t} · Pull Request #{n} · {o}/{p}", "/{o}/{p}/pull/{n}"),
        ("{t} · Issue #{n} · {o}/{p}", "/{o}/{p}/issues/{n}"),
        ("{o}/{p}: {t}", "/{o}/{p}"),
    ),
    "qa": (("python - {t}? - Stack Overflow", "/questions/{n}/{s}"),),
    "docs": (("{t} — {a} documentation", "/en/latest/{s}.html"),),
    "webmail": (("{t} - me@example.com - Mail", "/mail/u/0/#inbox/{x}"),),
    "video": (("{t} - {a}", "/watch?v={x}"),),
    "forum": (("{t} : {w}", "/r/{w}/comments/{x}/{s}/"),),
    "news": (("{t} - {a}", "/2026/{n}/{s}.html"), ('Opinion | "{t}" - {a}', "/opinion/{s}")),
    "shop": (("{a}: {t}", "/dp/{x}"),),
    "wiki": (("{t} - Wikipedia", "/wiki/{s}"),),
    "social": (('{u} on {a}: "{t}"', "/{u}/status/{n}"),),
    "search": (("{t} at {a}", "/search?q={s}"),),
    "web": (("{t} | {a}", "/{s}"),),
}


def _split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


_WORDS = _split(
    "budget cache report draft review release planning search sync index parser invoice roadmap "
    "meeting notes backup schedule export import query schema design sprint bug feature client "
    "server login deploy metrics chart garden recipe travel music photo football weather market "
    "climate election history science coffee bicycle kitchen holiday museum concert"
)
# Sprinkled into a small share of phrases so CSV quoting and encoding paths always get hit.
_SPECIAL = _split("café Müller über naïve résumé 日本 東京 Zürich Ångström")
_PEOPLE = _split(
    "alice bob carol dave erin frank grace heidi ivan judy mallory oscar peggy trent José_Núñez Jürgen_Müller 山田太郎"
)
_PROJECTS = _split("selftime api-gateway dotfiles website infra data-pipeline homelab thesis")
_ORGS = _split("acme selftime-org octo python fastapi ops-team")
_EXTS = _split("py ts md toml yaml sql rs go html css")

# Only the fields a template uses get drawn: building pools is most of a short run's cost.
_FIELDS: dict[str, Callable[[random.Random], str]] = {
    "n": lambda r: str(r.randint(1, 99999)),
    "p": lambda r: r.choice(_PROJECTS),
    "f": lambda r: f"{r.choice(_WORDS)}.{r.choice(_EXTS)}",
    "o": lambda r: r.choice(_ORGS),
    "x": lambda r: f"{r.getrandbits(44):011x}",
    "u": lambda r: r.choice(_PEOPLE).replace("_", " "),
    "w": lambda r: r.choice(_WORDS),
}
_NEEDED = {
    tpl: tuple(k for k in _FIELDS if f"{{{k}}}" in tpl[0] + tpl[1]) for tpls in _TEMPLATES.values() for tpl in tpls
}

_PARETO_MIN, _PARETO_ALPHA, _MAX_DUR = 3.0, 1.3, 900
# Zipf picks use int((m + 1) ** u) - 1, a density ~1/rank; u < 1 with margin so pow rounding
# can never produce index m.
_U = 1.0 - 1e-9
# Empirical mean of the capped, truncated Pareto below; sessions budget their idle time with it.
_MEAN_DUR = 10.7
_MIN_GAP, _MAX_GAP = 60.0, 3600.0
_MEAN_GAP = (_MAX_GAP - _MIN_GAP) / math.log(_MAX_GAP / _MIN_GAP)
_DAY_OFF_P, _WEEKEND_SHARE = 0.03, 0.25
# Workday volume such that the week-average (incl. random days off) is spans_per_day.
_WORKDAY_FACTOR = 7 / (5 * (1 - _DAY_OFF_P + _DAY_OFF_P * _WEEKEND_SHARE) + 2 * _WEEKEND_SHARE)

_Activity = tuple[str, str | None, str]  # (application or site label, URL host, kind)
_Doc = tuple[str, str | None]  # (title, url)
_Session = tuple[int, int, int, bool]  # (local start s, local end s, spans, leisure)


def demo_span_count_estimate(days: int, spans_per_day: int = 1500) -> int:
    """Expected number of spans; exact only on average over whole weeks."""
    return round(max(days, 0) * spans_per_day)


def _vocabulary(n: int) -> list[_Activity]:
    n_apps = round(n * _APP_SHARE)
    quota = {False: n_apps, True: n - n_apps}
    out: list[_Activity] = []
    for entry in _KNOWN.split("|"):
        name, kind = entry.split("=")
        is_site = "." in name
        if quota[is_site] > 0:
            quota[is_site] -= 1
            out.append((name.removeprefix("www."), name, kind) if is_site else (name, None, kind))
    # Long tail of made-up but plausible names (a real tail is mostly tools and sites no rule knows,
    # which stay Uncategorized), interleaved so neither kind is pushed to the very bottom ranks.
    apps, sites = _tail_apps(), _tail_sites()
    i = 0
    while quota[False] > 0 or quota[True] > 0:
        if quota[False] > 0:
            quota[False] -= 1
            out.append((apps[i % len(apps)] + (f" {i // len(apps) + 1}" if i >= len(apps) else ""), None, "app"))
        if quota[True] > 0:
            quota[True] -= 1
            host = sites[i % len(sites)] if i < len(sites) else f"{i}.{sites[i % len(sites)]}"
            out.append((host, host, "web"))
        i += 1
    return out


_TAIL_APP_STEMS = _split("Kestrel Orbit Vela Tamarind Luma Brio Nimbus Coda Pico Solace Arbor Quill Ember Tidal")
_TAIL_APP_ENDS = _split("Pad Desk Flow Kit Board Deck Box Lab")
_TAIL_TLDS = _split("com net org io blog dev")


def _tail_apps() -> list[str]:
    """112 application names, in an order that mixes stems and ends."""
    pairs = [(s, e) for e in _TAIL_APP_ENDS for s in _TAIL_APP_STEMS]
    return [f"{s} {e}" for s, e in pairs[::3] + pairs[1::3] + pairs[2::3]]


def _tail_sites() -> list[str]:
    """Some hundreds of distinct hosts made of two words of the vocabulary, as blogs and shops are."""
    hosts: list[str] = []
    seen = set()
    n = len(_WORDS)
    for i in range(n * n):
        first, second = _WORDS[i % n], _WORDS[(i * 7 + i // n + 3) % n]
        host = f"{first}{second}.{_TAIL_TLDS[i % len(_TAIL_TLDS)]}"
        if first != second and host not in seen:
            seen.add(host)
            hosts.append(host)
        if len(hosts) == 400:
            break
    return hosts


def _phrase(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(2, 6))
    words[0] = words[0].capitalize()
    r = rng.random()
    if r < 0.04:
        words[0] += ","
    elif r < 0.07:
        words[-1] = f'"{words[-1]}"'
    elif r < 0.12:
        words[-1] = rng.choice(_SPECIAL)
    return " ".join(words)


def _documents(seed: int, idx: int, act: _Activity, size: int) -> list[_Doc]:
    # Own sub-seed per activity: pools are built lazily, so their content must not depend on
    # when (or whether) they are first used.
    rng = random.Random(f"{seed}:{idx}")
    label, host, kind = act
    templates = _TEMPLATES[kind]
    docs: list[_Doc] = []
    for _ in range(size):
        title_fmt, path_fmt = rng.choice(templates)
        t = _phrase(rng)
        fields = {"t": t, "s": t.lower().replace(" ", "-"), "a": label}
        for name in _NEEDED[title_fmt, path_fmt]:
            fields[name] = _FIELDS[name](rng)
        url = None
        if host is not None:
            safe = {k: quote(v, safe="-") if k in "suw" else v for k, v in fields.items()}
            url = f"https://{host}{path_fmt.format(**safe)}"
        docs.append((title_fmt.format(**fields), url))
    return docs


def _sessions(rng: random.Random, date: dt.date, workday: float) -> list[_Session]:
    h, m = 3600, 60
    if date.weekday() < 5 and rng.random() >= _DAY_OFF_P:
        total = workday * rng.uniform(0.8, 1.2)
        m0 = int(8.5 * h + rng.uniform(-20, 20) * m)
        lunch = int(12.25 * h + rng.uniform(-20, 20) * m)
        a0 = lunch + int(rng.uniform(35, 60) * m)
        a1 = int(18.5 * h + rng.uniform(-30, 30) * m)
        e0 = int(20 * h + rng.uniform(0, 60) * m)
        return [
            (m0, lunch, round(total * 0.42), False),
            (a0, a1, round(total * 0.50), False),
            (e0, e0 + int(1.5 * h), round(total * 0.08), True),
        ]
    total = workday * rng.uniform(0.2, 0.3)
    out: list[_Session] = []
    for centre in (10.5, 15.0, 20.5):
        start = int((centre + rng.uniform(-0.75, 0.75)) * h)
        out.append((start, start + int(rng.uniform(1, 2) * h), round(total / 3), True))
    return out


def _to_utc(midnight: dt.datetime, sec: int, tz: ZoneInfo) -> int | None:
    """Epoch seconds of a local wall time, or None if that wall time does not exist (DST)."""
    local = midnight + dt.timedelta(seconds=sec)  # wall-clock arithmetic on aware datetimes
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return int(utc.timestamp())


@cache
def _clock_table() -> list[str]:
    # Formatting ~1M timestamps via datetime would dominate the runtime; a lookup doesn't.
    return [f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)]


def generate_spans(
    *,
    seed: int,
    start: dt.date,
    days: int,
    time_zone: str,
    spans_per_day: int = 1500,
    n_activities: int = 300,
    n_documents: int = 20000,
) -> Iterator[dict[str, object]]:
    """Yield chronological, non-overlapping spans for ``days`` local days from ``start``."""
    if n_activities < 1 or days < 0 or spans_per_day < 0 or n_documents < 1:
        raise ValueError("n_activities and n_documents must be >= 1; days, spans_per_day >= 0")
    tz = ZoneInfo(time_zone)
    rng = random.Random(seed)
    acts = _vocabulary(n_activities)
    n_act = len(acts)
    work_order = list(range(n_act))
    leisure_order = sorted(work_order, key=lambda i: acts[i][2] not in _LEISURE)
    # Pool sizes follow the same Zipf weights as activity popularity, so the number of
    # distinct titles actually seen over a year lands near n_documents.
    weights = [math.log((r + 2) / (r + 1)) for r in range(n_act)]
    wsum = sum(weights)
    sizes = [max(1, round(n_documents * w / wsum)) for w in weights]
    pools: dict[int, list[_Doc]] = {}
    clock = _clock_table()
    prefixes: dict[int, str] = {}
    epoch0 = dt.date(1970, 1, 1)
    zipf_base = n_act + 1.0
    inv_alpha = -1.0 / _PARETO_ALPHA
    workday = spans_per_day * _WORKDAY_FACTOR
    rand = rng.random
    last_end = 0

    def stamp(t: int) -> str:
        day, sec = divmod(t, 86400)
        prefix = prefixes.get(day)
        if prefix is None:
            prefix = prefixes[day] = f"{epoch0 + dt.timedelta(days=day)}T"
        return prefix + clock[sec]

    for day_i in range(days):
        date = start + dt.timedelta(days=day_i)
        midnight = dt.datetime(date.year, date.month, date.day, tzinfo=tz)
        for s_start, s_end, n_spans, leisure in _sessions(rng, date, workday):
            order = leisure_order if leisure else work_order
            # Idle time is whatever the window leaves after the expected active time, cut into
            # log-uniform 1-60 min gaps; bursts then partition the session's span count.
            budget = max(0.0, (s_end - s_start) - n_spans * _MEAN_DUR)
            n_gaps = round(budget / _MEAN_GAP)
            gaps = [_MIN_GAP * (_MAX_GAP / _MIN_GAP) ** rand() for _ in range(n_gaps)]
            scale = budget / sum(gaps) if gaps else 1.0
            gaps = [min(_MAX_GAP, max(_MIN_GAP, g * scale)) for g in gaps] + [0.0]
            cuts = sorted(rng.randrange(n_spans + 1) for _ in range(len(gaps) - 1))
            sizes_b = [b - a for a, b in zip([0, *cuts], [*cuts, n_spans], strict=True)]
            local = s_start
            for burst, gap in zip(sizes_b, gaps, strict=True):
                t0 = _to_utc(midnight, local, tz)
                if t0 is None:  # inside a spring-forward hole: that wall time never happened
                    local += int(burst * _MEAN_DUR + gap)
                    continue
                t = max(t0, last_end)
                begin = t
                focus = order[int(zipf_base ** (rand() * _U)) - 1]
                browser = "Firefox" if rand() < 0.8 else "Google Chrome"
                s_str = stamp(t)
                for _ in range(burst):
                    d = int(_PARETO_MIN * (1.0 - rand()) ** inv_alpha)
                    t += d if d < _MAX_DUR else _MAX_DUR
                    e_str = stamp(t)
                    r = rand()
                    if r < 0.02:  # attention drifts: a new main activity for the burst
                        focus = order[int(zipf_base ** (rand() * _U)) - 1]
                        a = focus
                    elif r < 0.72:
                        a = focus
                    else:
                        a = order[int(zipf_base ** (rand() * _U)) - 1]
                    pool = pools.get(a)
                    if pool is None:
                        pool = pools[a] = _documents(seed, a, acts[a], sizes[a])
                    title, url = pool[int((len(pool) + 1.0) ** (rand() * _U)) - 1]
                    label, host, _kind = acts[a]
                    yield {
                        "start": s_str,
                        "end": e_str,
                        "application": label if host is None else browser,
                        "title": None if rand() < 0.03 else title,
                        "url": url,
                    }
                    s_str = e_str
                last_end = t
                local += (t - begin) + int(gap)
