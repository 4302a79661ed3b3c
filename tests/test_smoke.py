from tests.conftest import data, send, span


def test_ingest_then_query(client, account):
    result = send(client, account, [span("2026-11-30T09:00:00Z", "2026-11-30T09:03:10Z", "Code", "main.py")])
    assert result["accepted"] == 1 and result["duplicate"] is False
    body = data(client, account, perspective="rank", restrict_kind="activity", restrict_begin="2026-11-30")
    assert body["rows"] == [[1, 190, 1, "code", "Editing & IDEs", 2]]
