"""Whole response bodies for every (perspective, kind), in JSON and CSV, against hand-computed rows."""

from __future__ import annotations

import json

import pytest

from tests.golden_data import DAY, ZONE, load

NOTES = "data is an array of arrays (rows), column names for rows in row_headers"
H = "2026-11-30T09:00:00"
T = "2026-11-30T10:00:00"
EDIT, GSD, GSN = "Editing & IDEs", "General Software Development", "General Social Networking"

HEADERS = {
    "overview": ["Time Spent (seconds)", "Number of People", "Category"],
    "category": ["Time Spent (seconds)", "Number of People", "Category"],
    "activity": ["Time Spent (seconds)", "Number of People", "Activity", "Category", "Productivity"],
    "productivity": ["Time Spent (seconds)", "Number of People", "Productivity"],
    "document": ["Time Spent (seconds)", "Number of People", "Activity", "Document", "Category", "Productivity"],
    "efficiency": ["Time Spent (seconds)", "Number of People", "Efficiency (-2:2)", "Efficiency (percent)"],
}

EXPECTED = {
    ("rank", "overview"): [
        [1, 2700, 1, "Software Development"],
        [2, 900, 1, "Entertainment"],
        [3, 600, 1, "Social Networking"],
        [4, 300, 1, "Communication & Scheduling"],
        [5, 100, 1, "Uncategorized"],
    ],
    ("rank", "category"): [
        [1, 2100, 1, EDIT],
        [2, 900, 1, "Video"],
        [3, 600, 1, GSN],
        [4, 600, 1, GSD],
        [5, 300, 1, "Instant Message"],
        [6, 100, 1, "Uncategorized"],
    ],
    ("rank", "activity"): [
        [1, 2100, 1, "code", EDIT, 2],
        [2, 900, 1, "youtube.com", "Video", -2],
        [3, 600, 1, "github.com", GSD, 2],
        [4, 600, 1, "reddit.com", GSN, -2],
        [5, 300, 1, "slack", "Instant Message", 1],
        [6, 100, 1, "mystery-app", "Uncategorized", 0],
    ],
    ("rank", "productivity"): [[1, 2700, 1, 2], [2, 1500, 1, -2], [3, 300, 1, 1], [4, 100, 1, 0]],
    ("rank", "document"): [
        [1, 1800, 1, "code", "main.py", EDIT, 2],
        [2, 900, 1, "youtube.com", 'Cats, "funny"', "Video", -2],
        [3, 600, 1, "github.com", "Pull requests", GSD, 2],
        [4, 600, 1, "reddit.com", "r/python", GSN, -2],
        [5, 300, 1, "code", "No Details", EDIT, 2],
        [6, 300, 1, "slack", "#general", "Instant Message", 1],
        [7, 100, 1, "mystery-app", "x", "Uncategorized", 0],
    ],
    ("interval", "overview"): [
        [H, 2400, 1, "Software Development"],
        [H, 600, 1, "Social Networking"],
        [H, 300, 1, "Communication & Scheduling"],
        [T, 900, 1, "Entertainment"],
        [T, 300, 1, "Software Development"],
        [T, 100, 1, "Uncategorized"],
    ],
    ("interval", "category"): [
        [H, 1800, 1, EDIT],
        [H, 600, 1, GSN],
        [H, 600, 1, GSD],
        [H, 300, 1, "Instant Message"],
        [T, 900, 1, "Video"],
        [T, 300, 1, EDIT],
        [T, 100, 1, "Uncategorized"],
    ],
    ("interval", "activity"): [
        [H, 1800, 1, "code", EDIT, 2],
        [H, 600, 1, "github.com", GSD, 2],
        [H, 600, 1, "reddit.com", GSN, -2],
        [H, 300, 1, "slack", "Instant Message", 1],
        [T, 900, 1, "youtube.com", "Video", -2],
        [T, 300, 1, "code", EDIT, 2],
        [T, 100, 1, "mystery-app", "Uncategorized", 0],
    ],
    ("interval", "productivity"): [
        [H, 2400, 1, 2],
        [H, 600, 1, -2],
        [H, 300, 1, 1],
        [T, 900, 1, -2],
        [T, 300, 1, 2],
        [T, 100, 1, 0],
    ],
    ("interval", "document"): [
        [H, 1800, 1, "code", "main.py", EDIT, 2],
        [H, 600, 1, "github.com", "Pull requests", GSD, 2],
        [H, 600, 1, "reddit.com", "r/python", GSN, -2],
        [H, 300, 1, "slack", "#general", "Instant Message", 1],
        [T, 900, 1, "youtube.com", 'Cats, "funny"', "Video", -2],
        [T, 300, 1, "code", "No Details", EDIT, 2],
        [T, 100, 1, "mystery-app", "x", "Uncategorized", 0],
    ],
    # 09h: (2*2400 - 2*600 + 1*300) / 3300 = 1.1818 → 1.18, (1.1818+2)*25 = 79.545 → 79.55
    # 10h: (-2*900 + 2*300 + 0*100.4) / 1300.4 = -0.92279 → -0.92, 26.930 → 26.93
    ("interval", "efficiency"): [[H, 3300, 1, 1.18, 79.55], [T, 1300, 1, -0.92, 26.93]],
}


@pytest.fixture
def golden(client, make_account):
    account = make_account("golden@example.com", time_zone=ZONE)
    load(client, account)
    return account


def expected_json(perspective: str, kind: str) -> bytes:
    first = "Date" if perspective == "interval" else "Rank"
    rows = json.dumps(EXPECTED[(perspective, kind)], ensure_ascii=False, separators=(",", ":"))
    # As Rails writes them (real bodies read "Editing \u0026 IDEs").
    rows = rows.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    headers = json.dumps([first, *HEADERS[kind]], separators=(",", ":"))
    return f'{{"notes":"{NOTES}","row_headers":{headers},"rows":{rows}}}'.encode()


def _csv_cell(value: object) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def expected_csv(perspective: str, kind: str) -> bytes:
    first = "Date" if perspective == "interval" else "Rank"
    lines = [",".join([first, *HEADERS[kind]])]
    lines += [",".join(_csv_cell(v) for v in row) for row in EXPECTED[(perspective, kind)]]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(("perspective", "kind"), sorted(EXPECTED))
def test_json_body(client, golden, perspective, kind):
    response = client.get(
        "/anapi/data",
        params={
            "key": golden.key,
            "perspective": perspective,
            "restrict_kind": kind,
            "resolution_time": "hour",
            "restrict_begin": DAY,
            "restrict_end": DAY,
            "format": "json",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == expected_json(perspective, kind)


@pytest.mark.parametrize(("perspective", "kind"), sorted(EXPECTED))
def test_csv_body(client, golden, perspective, kind):
    response = client.get(
        "/anapi/data",
        params={"key": golden.key, "pv": perspective, "rk": kind, "rs": "hour", "rb": DAY, "re": DAY, "format": "csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content == expected_csv(perspective, kind)


def test_literal_bytes_of_one_json_and_one_csv_answer(client, golden):
    """The helpers above are checked once against bytes written out by hand."""
    params = {"key": golden.key, "by": "rank", "ty": "productivity", "rb": DAY, "re": DAY}
    assert client.get("/anapi/data", params=params).content == (
        b'{"notes":"data is an array of arrays (rows), column names for rows in row_headers",'
        b'"row_headers":["Rank","Time Spent (seconds)","Number of People","Productivity"],'
        b'"rows":[[1,2700,1,2],[2,1500,1,-2],[3,300,1,1],[4,100,1,0]]}'
    )
    params = {"key": golden.key, "by": "rank", "ty": "document", "rb": DAY, "re": DAY, "format": "csv"}
    body = client.get("/anapi/data", params=params).content.decode()
    assert body.splitlines(keepends=True)[:3] == [
        "Rank,Time Spent (seconds),Number of People,Activity,Document,Category,Productivity\n",
        "1,1800,1,code,main.py,Editing & IDEs,2\n",
        '2,900,1,youtube.com,"Cats, ""funny""",Video,-2\n',
    ]


def test_day_efficiency_rounds_the_whole_day(client, golden):
    # (3,900,000 - 1,200,000) ms-weighted / 4,600,400 ms = 0.58690 → 0.59; (2.58690)*25 = 64.673 → 64.67
    params = {"key": golden.key, "by": "interval", "ty": "efficiency", "i": "day", "rb": DAY, "re": DAY}
    assert client.get("/anapi/data", params=params).json()["rows"] == [["2026-11-30T00:00:00", 4600, 1, 0.59, 64.67]]


def test_minute_resolution_is_five_minute_buckets(client, golden):
    params = {"key": golden.key, "by": "interval", "ty": "activity", "i": "minute", "rb": DAY, "re": DAY}
    rows = client.get("/anapi/data", params=params).json()["rows"]
    expected = [[f"2026-11-30T09:{m:02d}:00", 300, 1, "code", EDIT, 2] for m in range(0, 30, 5)]
    expected += [
        ["2026-11-30T09:30:00", 300, 1, "github.com", GSD, 2],
        ["2026-11-30T09:35:00", 300, 1, "github.com", GSD, 2],
        ["2026-11-30T09:40:00", 300, 1, "slack", "Instant Message", 1],
        ["2026-11-30T09:50:00", 300, 1, "reddit.com", GSN, -2],
        ["2026-11-30T09:55:00", 300, 1, "reddit.com", GSN, -2],
        ["2026-11-30T10:10:00", 300, 1, "youtube.com", "Video", -2],
        ["2026-11-30T10:15:00", 300, 1, "youtube.com", "Video", -2],
        ["2026-11-30T10:20:00", 300, 1, "youtube.com", "Video", -2],
        ["2026-11-30T10:25:00", 300, 1, "code", EDIT, 2],
        ["2026-11-30T10:30:00", 100, 1, "mystery-app", "Uncategorized", 0],
    ]
    assert rows == expected


@pytest.mark.parametrize("resolution", ["day", "week", "month"])
def test_coarse_resolutions_label_the_bucket_start(client, golden, resolution):
    label = {"day": "2026-11-30T00:00:00", "week": "2026-11-29T00:00:00", "month": "2026-11-01T00:00:00"}[resolution]
    params = {"key": golden.key, "by": "interval", "ty": "productivity", "i": resolution, "rb": DAY, "re": DAY}
    rows = client.get("/anapi/data", params=params).json()["rows"]
    assert rows == [[label, 2700, 1, 2], [label, 1500, 1, -2], [label, 300, 1, 1], [label, 100, 1, 0]]
