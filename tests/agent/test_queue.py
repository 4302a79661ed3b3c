"""The durable queue (agent/queue.py): pending → sealed → acknowledged, checkpoints, recovery, refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from selftime.agent.queue import LocalQueue, QueuedSpan, rfc3339


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    q = LocalQueue(tmp_path / "agent.sqlite3")
    yield q
    q.close()


def spans(n: int, start: int = 1_700_000_000_000, app: str = "code") -> list[QueuedSpan]:
    return [QueuedSpan(start + i * 10_000, start + i * 10_000 + 9_000, app, f"t{i}") for i in range(n)]


def test_rfc3339_keeps_milliseconds() -> None:
    assert rfc3339(1_700_000_000_123) == "2023-11-14T22:13:20.123Z"
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"


def test_add_seal_ack_and_pending_count(queue: LocalQueue) -> None:
    queue.add(spans(5))
    queue.add([QueuedSpan(5, 5, "empty")])  # zero length: nothing to record
    assert queue.pending_count() == 5
    made = queue.seal(max_spans=2)
    assert [b.span_count for b in made] == [2, 2, 1]
    assert queue.pending_count() == 5  # sealed but not acknowledged still counts
    assert [b.batch_id for b in queue.sealed()] == [b.batch_id for b in made]
    first = made[0].spans
    assert first[0] == {
        "start": rfc3339(1_700_000_000_000),
        "end": rfc3339(1_700_000_009_000),
        "application": "code",
        "title": "t0",
        "url": None,
    }
    queue.ack(made[0].batch_id)
    queue.ack(made[0].batch_id)  # acknowledging twice is harmless
    assert queue.pending_count() == 3
    assert queue.seal() == []  # nothing pending: no empty batches


def test_a_sealed_batch_is_resent_with_the_same_id_and_body(tmp_path: Path) -> None:
    path = tmp_path / "agent.sqlite3"
    q = LocalQueue(path)
    q.add(spans(3))
    (made,) = q.seal()
    q.add(spans(2, start=1_800_000_000_000))  # arrives later: goes into a new batch, not the sealed one
    q.close()
    again = LocalQueue(path)  # as after a crash and restart
    try:
        second = again.seal()
        sealed = again.sealed()
        assert (sealed[0].batch_id, sealed[0].body) == (made.batch_id, made.body)
        assert [b.batch_id for b in sealed] == [made.batch_id, second[0].batch_id]
        assert json.loads(sealed[0].body) == made.spans
    finally:
        again.close()


def test_seal_orders_by_start(queue: LocalQueue) -> None:
    late, early = spans(1, start=2_000_000), spans(1, start=1_000_000)
    queue.add(late)
    queue.add(early)
    (batch,) = queue.seal()
    assert [s["start"] for s in batch.spans] == [rfc3339(1_000_000), rfc3339(2_000_000)]


def test_checkpoint_then_recover_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "agent.sqlite3"
    q = LocalQueue(path)
    q.checkpoint("window", QueuedSpan(1000, 4000, "code", "a.py"))
    q.checkpoint("window", QueuedSpan(1000, 9000, "code", "a.py"))  # the same span, grown
    q.checkpoint("aw", QueuedSpan(2000, 2000, "firefox"))  # zero length: nothing to recover
    q.close()  # the process dies here: the open span was never closed
    again = LocalQueue(path)
    try:
        assert again.recover() == 1
        assert again.recover() == 0  # recovered once
        (batch,) = again.seal()
        assert [(s["start"], s["end"]) for s in batch.spans] == [(rfc3339(1000), rfc3339(9000))]
    finally:
        again.close()


def test_close_span_replaces_the_checkpoint_in_one_step(queue: LocalQueue) -> None:
    queue.checkpoint("window", QueuedSpan(1000, 9000, "code"))
    # The idle rule cut the span shorter than its last checkpoint: only the shorter one may survive.
    queue.close_span("window", QueuedSpan(1000, 5000, "code"))
    assert queue.recover() == 0
    (batch,) = queue.seal()
    assert [(s["start"], s["end"]) for s in batch.spans] == [(rfc3339(1000), rfc3339(5000))]
    queue.checkpoint("window", QueuedSpan(6000, 7000, "code"))
    queue.close_span("window", None)  # e.g. a privacy rule: nothing is kept, the checkpoint goes too
    assert queue.recover() == 0


def test_refuse_sets_one_span_aside_and_keeps_the_rest_in_place(queue: LocalQueue) -> None:
    queue.add(spans(3))
    (first,) = queue.seal()
    queue.add(spans(2, start=1_800_000_000_000))
    (second,) = queue.seal()
    replacement = queue.refuse(first.batch_id, "spans[1]: bad", now_ms=5, index=1)
    assert replacement is not None and replacement.batch_id != first.batch_id
    assert replacement.spans == [first.spans[0], first.spans[2]]
    assert [b.batch_id for b in queue.sealed()] == [replacement.batch_id, second.batch_id]  # order kept
    assert queue.refused_count() == 1
    assert queue.pending_count() == 4
    assert queue.refuse(second.batch_id, "the body", now_ms=6) is None  # the whole batch
    assert queue.refused_count() == 3
    assert queue.refuse("no-such-batch", "x", now_ms=7) is None


def test_state(queue: LocalQueue) -> None:
    assert queue.get("k") is None and queue.get("k", "d") == "d"
    queue.set("k", "1")
    queue.set("k", "2")
    assert queue.get("k") == "2"
    queue.set("k", None)
    assert queue.get("k") is None
