"""A user's complete data, as one JSON document or as a zip of CSV files (see docs/settings.md).

Both carry every row of every user-owned table (store/account_data.owned_tables), with the same
columns as the database minus secrets (password, key, token and code digests). Activities gain their
effective category, sub-category and productivity; OAuth codes and tokens gain the app's name.
The zip adds timeline.csv: one line per span with local times and names, for spreadsheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, select

from selftime.db.tables import oauth_apps, users
from selftime.domain.zone import from_ms, zone
from selftime.store import account_data, catalog

FORMAT = "selftime-export"
COMPRESS_LEVEL = 6
VERSION = 1


def _enricher(conn: Connection, user_id: int, table: str) -> Any:
    """Extra, readable columns for some tables (names instead of ids)."""
    if table == "activities":
        info = catalog.categorization(conn, user_id)

        def activity(row: dict[str, Any]) -> dict[str, Any]:
            found = info.get(row["id"])
            row["category"] = found.top if found else None
            row["sub_category"] = found.sub if found else None
            row["effective_productivity"] = found.productivity if found else None
            return row

        return activity
    if table in ("oauth_codes", "oauth_tokens"):
        apps = dict(conn.execute(select(oauth_apps.c.id, oauth_apps.c.name)).all())

        def app(row: dict[str, Any]) -> dict[str, Any]:
            row["app_name"] = apps.get(row["app_id"])
            return row

        return app
    return None


def table_rows(conn: Connection, user_id: int) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    """(table name, its rows) for every user-owned table but `users` itself, in dependency order."""
    for table in account_data.owned_tables():
        if table.name == "users":
            continue
        enrich = _enricher(conn, user_id, table.name)
        found = account_data.rows(conn, table, user_id)
        yield str(table.name), (map(enrich, found) if enrich else found)


def profile(conn: Connection, user_id: int) -> dict[str, Any]:
    (row,) = account_data.rows(conn, users, user_id)
    return row


def json_chunks(conn: Connection, user_id: int, now_ms: int) -> Iterator[bytes]:
    """One document, {format, version, exported_ms, exported_at, user, tables: {name: [row, …]}}, in pieces.

    Rows are serialized 2,000 at a time, so a year of spans never sits in memory as Python objects."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_ms": now_ms,
        "exported_at": dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).isoformat(),
        "user": profile(conn, user_id),
    }
    yield orjson.dumps(head)[:-1] + b',"tables":{'
    for position, (name, found) in enumerate(table_rows(conn, user_id)):
        yield (b"," if position else b"") + orjson.dumps(name) + b":["
        first = True
        for chunk in _batched(found, 2000):
            if name == "daily_summaries":
                for row in chunk:
                    row["payload"] = orjson.loads(row["payload"])
            body = b",".join(orjson.dumps(row) for row in chunk)
            yield body if first else b"," + body
            first = False
        yield b"]"
    yield b"}}"


def _batched(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def as_json(conn: Connection, user_id: int, now_ms: int) -> bytes:
    return b"".join(json_chunks(conn, user_id, now_ms))


_README = """Selftime data export ({email}, exported {when} UTC)

One CSV file per table, UTF-8, with a header line; times are milliseconds since 1970-01-01 UTC.
Ids link the files (spans.activity_id -> activities.id, documents.activity_id -> activities.id, ...).
user.csv is the account (no password hash); api_keys.csv has names and prefixes, never the keys.
timeline.csv is the spans again, one per line, with local times in {zone}, device, activity,
document, category, sub-category and productivity (-2 very distracting .. 2 very productive).
"""

TIMELINE_HEADER = [
    "start",
    "end",
    "seconds",
    "device",
    "source_type",
    "activity",
    "document",
    "category",
    "sub_category",
    "productivity",
]


class _LocalClock:
    """UTC ms → local ISO time with offset, exactly as compat.feeds.local_datetime writes it, but with
    the zone looked up and the date formatted once per 15-minute UTC bucket (zone offsets change only
    at such boundaries, and whole-quarter-hour offsets keep a bucket inside one local hour)."""

    def __init__(self, time_zone: str) -> None:
        self.zone = zone(time_zone)
        self.buckets: dict[int, tuple[str, int, str] | None] = {}

    def _slow(self, ms: int) -> str:
        moment = from_ms(ms).astimezone(self.zone)
        offset = int((moment.utcoffset() or dt.timedelta(0)).total_seconds()) // 60
        sign, minutes = ("-" if offset < 0 else "+"), abs(offset)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    def __call__(self, ms: int) -> str:
        bucket = ms // 900_000
        if bucket not in self.buckets:
            start = self._slow(bucket * 900_000)
            # "YYYY-MM-DDTHH:" + the bucket's first local minute + the offset text, or None: no shortcut.
            whole = start[17:19] == "00" and int(start[14:16]) % 15 == 0
            self.buckets[bucket] = (start[:14], int(start[14:16]), start[23:]) if whole else None
        found = self.buckets[bucket]
        if found is None:
            return self._slow(ms)
        prefix, minute, offset = found
        within = ms - bucket * 900_000
        return f"{prefix}{minute + within // 60_000:02d}:{within // 1000 % 60:02d}.{ms % 1000:03d}{offset}"


def _timeline(conn: Connection, user_id: int, time_zone: str) -> Iterator[list[Any]]:
    from selftime.db.tables import devices, documents, spans

    info = catalog.categorization(conn, user_id)
    device_names = dict(conn.execute(select(devices.c.id, devices.c.name).where(devices.c.user_id == user_id)).all())
    query = (
        select(
            spans.c.start_ms,
            spans.c.end_ms,
            spans.c.device_id,
            spans.c.source_type,
            spans.c.activity_id,
            documents.c.name,
        )
        .outerjoin(documents, documents.c.id == spans.c.document_id)
        .where(spans.c.user_id == user_id)
        .order_by(spans.c.start_ms, spans.c.id)
        .execution_options(yield_per=5000)
    )
    local = _LocalClock(time_zone)
    for start, end, device, source, activity_id, document in conn.execute(query):
        a = info.get(activity_id)
        yield [
            local(start),
            local(end),
            (end - start) / 1000,
            device_names.get(device, ""),
            source,
            a.name if a else "",
            document or "",
            a.top if a else "",
            a.sub if a else "",
            a.productivity if a else "",
        ]


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken away as they come (zipfile then streams)."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pending.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.pending)
        self.pending.clear()
        return out


def zip_chunks(conn: Connection, user_id: int, now_ms: int) -> Iterator[bytes]:
    """A zip (deflated) of user.csv, one CSV per table, timeline.csv and README.txt, in pieces."""
    pipe = _Pipe()
    user = profile(conn, user_id)
    when = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")
    owned = {t.name: t for t in account_data.owned_tables()}
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("README.txt", _README.format(email=user["email"], when=when, zone=user["time_zone"]))
        _write_csv(archive, "user.csv", list(user), [list(user.values())])
        yield pipe.take()
        for name, found in table_rows(conn, user_id):
            with archive.open(f"{name}.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv.writer(text)
                header: list[str] | None = None
                for chunk in _batched(found, 2000):
                    if header is None:
                        header = list(chunk[0])
                        writer.writerow(header)
                    writer.writerows(row.values() for row in chunk)  # csv writes None as ""
                    yield pipe.take()
                if header is None:  # no rows: the header still, from the table's (exported) columns
                    writer.writerow([c.name for c in owned[name].c if c.name not in account_data.SECRET_COLUMNS])
            yield pipe.take()
        with archive.open("timeline.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            writer = csv.writer(text)
            writer.writerow(TIMELINE_HEADER)
            lines: list[list[Any]] = []
            for line in _timeline(conn, user_id, user["time_zone"]):
                lines.append(line)
                if len(lines) == 2000:
                    writer.writerows(lines)
                    lines.clear()
                    yield pipe.take()
            writer.writerows(lines)
    yield pipe.take()


def as_zip(conn: Connection, user_id: int, now_ms: int) -> bytes:
    return b"".join(zip_chunks(conn, user_id, now_ms))


def _write_csv(archive: zipfile.ZipFile, name: str, header: list[str], rows: list[list[Any]]) -> None:
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)


def file_name(email: str, now_ms: int, extension: str) -> str:
    day = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).strftime("%Y-%m-%d")
    local = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in email.split("@")[0])
    return f"selftime-{local}-{day}.{extension}"
