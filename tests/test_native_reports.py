"""The C paths give the Python paths' bytes: document reports summed and ordered by selftime._documents,
and the rows array written by selftime.compat._rows (see their sources' heads).

The golden tests check both against hand-computed bodies (SQLite takes the C paths, PostgreSQL the
Python ones); here random data and every document shape compare the two paths directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selftime import analytics
from selftime.analytics import Report, ReportRequest
from selftime.catalog_cache import CatalogCache
from selftime.compat import render
from selftime.store import document_reader, schedules, users
from selftime.store.totals import ScheduleRange
from tests.conftest import send, span

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the C reader is for SQLite

TITLES = ["main.py", "Main.py", "MAIN.PY", "b & <c>", "é accent", "Éclair", "tab\there", 'say "hi"', "\u2028sep", None]
APPS = ["Code", "code-insiders", "Slack", "Ünïcode", "Firefox"]


def test_the_c_extensions_are_built() -> None:
    """Without them every report is still right, only slower: this says when a build lost them."""
    assert document_reader.available()
    assert render._rows is not None


@contextmanager
def pure_python() -> Iterator[None]:
    saved = document_reader._documents, render._rows
    document_reader._documents, render._rows = None, None
    try:
        yield
    finally:
        document_reader._documents, render._rows = saved


@contextmanager
def counting_c_reports() -> Iterator[list[int]]:
    """How many reports the C path answered (it may decline: see analytics._grouped_documents)."""
    answered = [0]
    grouped_documents = analytics._grouped_documents

    def counted(*args: Any) -> Any:
        report = grouped_documents(*args)
        answered[0] += report is not None
        return report

    analytics._grouped_documents = counted  # type: ignore[assignment]
    try:
        yield answered
    finally:
        analytics._grouped_documents = grouped_documents  # type: ignore[assignment]


def bodies(db: Any, req: ReportRequest) -> list[bytes]:
    with db.read() as conn:
        report = analytics.run(conn, req, CatalogCache())
    return [render.data_body(req.perspective, report, fmt)[0] for fmt in ("json", "csv")]


spans_strategy = st.lists(
    st.tuples(
        st.integers(0, len(APPS) - 1),
        st.integers(0, len(TITLES) - 1),
        st.integers(0, 9 * 288).map(lambda n: n * 300),  # start, s after a Sunday, on 5-minute edges
        st.one_of(st.sampled_from([1, 60, 120, 300]), st.integers(1, 5_400)),  # duration, s: ties are common
        st.sampled_from(["computers", "mobile"]),
    ),
    min_size=1,
    max_size=40,
)


@SQLITE_ONLY
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spans=spans_strategy,
    zone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"]),
)
def test_every_document_shape_is_the_same_in_c_and_python(client, make_account, db, clock, spans, zone):
    account = make_account(time_zone=zone)
    first = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # a Sunday, in the week that ends summer time in America
    by_source: dict[str, list[dict[str, Any]]] = {}
    for app, title, offset, duration, source in spans:
        start = first + dt.timedelta(seconds=offset)
        item = span(start.isoformat(), (start + dt.timedelta(seconds=duration)).isoformat(), APPS[app], TITLES[title])
        by_source.setdefault(source, []).append(item)
    for source, items in by_source.items():
        send(client, account, items, device=source, source=source)
    with db.write() as conn:
        schedule = schedules.create(
            conn,
            user_id=account.id,
            name="mornings",
            ranges=[ScheduleRange(0b0111110, 6 * 60, 12 * 60)],
            now_ms=clock(),
        )
        user = users.by_id(conn, account.id)
    assert user is not None

    shapes: list[dict[str, Any]] = [
        {"perspective": p, "resolution": r, "kind": "document"}
        for p in ("rank", "interval")
        for r in ("month", "week", "day", "hour", "minute")
    ]
    shapes += [
        {"perspective": "interval", "resolution": "day", "kind": "activity", "thing": "code"},
        {"perspective": "rank", "resolution": "hour", "kind": "document", "thing": "code"},
        {"perspective": "interval", "resolution": "hour", "kind": "activity", "thing": "code", "thingy": "main.py"},
        {"perspective": "rank", "resolution": "day", "kind": "document", "thing": "code", "thingy": "No Details"},
        {"perspective": "interval", "resolution": "week", "kind": "document", "schedule": schedule},
        {"perspective": "interval", "resolution": "month", "kind": "activity", "thing": "code", "schedule": schedule},
        {"perspective": "rank", "resolution": "day", "kind": "document", "source_type": "mobile"},
    ]
    for shape in shapes:
        req = ReportRequest(
            user_id=user.id,
            time_zone=zone,
            begin=dt.date(2026, 10, 31),
            end=dt.date(2026, 11, 11),
            catalog_version=user.catalog_version,
            created_ms=user.created_ms,
            **shape,
        )
        with counting_c_reports() as answered:
            native = bodies(db, req)
        assert answered == [1], shape
        with pure_python():
            assert bodies(db, req) == native, shape


def todays_documents(user: users.User) -> ReportRequest:
    """2026-11-30's documents ranked, in UTC, with what lets the caches hold the account's names."""
    return ReportRequest(
        user_id=user.id,
        time_zone="UTC",
        perspective="rank",
        resolution="hour",
        kind="document",
        begin=dt.date(2026, 11, 30),
        end=dt.date(2026, 11, 30),
        catalog_version=user.catalog_version,
        created_ms=user.created_ms,
    )


@SQLITE_ONLY
def test_a_document_newer_than_the_name_cache_is_named(client, make_account, db):
    """The C reader reads the latest data; a document the cache has not seen sends the report down
    the Python path, which reads the name."""
    account = make_account()
    catalogs = CatalogCache()
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code", "old.py")])
    with db.read() as conn:
        user = users.by_id(conn, account.id)
        assert user is not None
        req = todays_documents(user)
        assert [r[3] for r in analytics.run(conn, req, catalogs).rows] == ["old.py"]
    send(client, account, [span("2026-11-30T10:00:00Z", "2026-11-30T10:20:00Z", "Code", "new.py")])
    with db.read() as conn:
        assert [r[3] for r in analytics.run(conn, req, catalogs).rows] == ["new.py", "old.py"]


cells = st.one_of(st.text(), st.text(alphabet=',"\r\n a'), st.integers(-(2**63), 2**63 - 1), st.none(), st.booleans())
report_rows = st.lists(
    st.tuples(st.one_of(st.none(), st.text()), st.integers(0, 2**62), cells, cells, cells), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(rows=report_rows, interval=st.booleans())
def test_the_rows_array_is_written_as_json_bytes_writes_it(rows, interval):
    report = Report("document", rows)
    perspective = "interval" if interval else "rank"
    expected = render.json_bytes(render.rows(perspective, report))
    assert render._rows is not None
    assert render._rows.rows_json(rows, interval) == expected


@settings(max_examples=300, deadline=None)
@given(
    rows=report_rows,
    interval=st.booleans(),
    shape=st.sampled_from(["overview", "category", "activity", "productivity", "document"]),
)
def test_the_csv_rows_are_written_as_the_csv_module_writes_them(rows, interval, shape):
    """Including a lone CR, which render.csv_body quotes as the csv module quotes LF."""
    report = Report(shape, rows)
    perspective = "interval" if interval else "rank"
    in_c = render.csv_body(perspective, report)
    with pure_python():
        assert render.csv_body(perspective, report) == in_c


@pytest.mark.parametrize(
    "text", ["&<>", "\u2028\u2029", "\x00\x1f\x7f", "\\\"'", "\u00e2\u0080", "é\u2027\u202a", "\U0001f600"]
)
def test_escapes_match_rails_and_orjson(text: str) -> None:
    rows = [(text, 1499, text, 2, None)]
    assert render._rows is not None
    assert render._rows.rows_json(rows, True) == render.json_bytes(render.rows("interval", Report("x", rows)))


def test_cells_it_cannot_write_are_refused_not_guessed() -> None:
    assert render._rows is not None
    with pytest.raises(TypeError):
        render._rows.rows_json([(None, 1, 0.5)], False)
    with pytest.raises(OverflowError):
        render._rows.rows_json([(None, 1, 2**64)], False)


def test_strings_written_again_come_out_the_same() -> None:
    """_rows.c keeps the escaped bytes of each string object it wrote (a report repeats its labels,
    activities and categories): thousands of rows sharing a few objects, among unique ones that
    push them out of its slots."""
    shared = ["Editing \u0026 IDEs", "<b>", "x" * 64, "y" * 65, "\u2028"]
    rows = [(shared[i % 5], i * 7, f"doc {i} & more", shared[(i * 3) % 5], i % 5 - 2) for i in range(5_000)]
    assert render._rows is not None
    for interval in (True, False):
        perspective = "interval" if interval else "rank"
        expected = render.json_bytes(render.rows(perspective, Report("activity", rows)))
        assert render._rows.rows_json(rows, interval) == expected


@SQLITE_ONLY
def test_a_reader_that_cannot_open_its_file_leaves_the_report_to_python(client, make_account, db, caplog):
    account = make_account()
    send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:10:00Z", "Code", "a.py")])
    with db.read() as conn:
        user = users.by_id(conn, account.id)
        assert user is not None
        req = todays_documents(user)
        reader = document_reader._documents.Reader  # type: ignore[union-attr]

        def unopenable(path: str) -> Any:
            return reader(path + ".missing")

        conn.info.pop(document_reader._KEY, None)
        document_reader._documents.Reader = unopenable  # type: ignore[union-attr]
        try:
            rows = analytics.run(conn, req).rows
        finally:
            document_reader._documents.Reader = reader  # type: ignore[union-attr]
    assert [r[3] for r in rows] == ["a.py"]
    assert "answering in Python" in caplog.text
