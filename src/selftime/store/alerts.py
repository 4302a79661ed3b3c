"""Alerts and their triggers. Missing → None or False; a trigger is recorded once per alert per day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from selftime.db.tables import alert_triggers, alerts, is_row_id, users
from selftime.domain.alerts import Alert, Target, Verdict

# Ids are INTEGER columns: a larger number names nothing, and PostgreSQL refuses to compare it.


@dataclass(frozen=True)
class Trigger:
    id: int
    alert_id: int
    day: int
    created_ms: int
    description: str


def _alert(row: Any) -> Alert:
    m = row._mapping
    return Alert(
        id=m["id"],
        user_id=m["user_id"],
        comparison=m["comparison"],
        threshold_ms=int(m["threshold_ms"]),
        target=Target(m["target_kind"], m["target"]),
        created_ms=int(m["created_ms"]),
        judged_through_day=m["judged_through_day"],
    )


def create(conn: Connection, *, user_id: int, comparison: str, threshold_ms: int, target: Target, now_ms: int) -> Alert:
    alert_id = conn.execute(
        insert(alerts)
        .values(
            user_id=user_id,
            comparison=comparison,
            threshold_ms=threshold_ms,
            target_kind=target.kind,
            target=target.value,
            created_ms=now_ms,
        )
        .returning(alerts.c.id)
    ).scalar_one()
    return Alert(alert_id, user_id, comparison, threshold_ms, target, now_ms, None)


def for_user(conn: Connection, user_id: int, *, lock: bool = False) -> list[Alert]:
    """The user's alerts by id. lock: hold them until commit (PostgreSQL; SQLite's writer is alone anyway),
    so that a concurrent delete cannot pull an alert from under the triggers about to be recorded."""
    query = select(alerts).where(alerts.c.user_id == user_id).order_by(alerts.c.id)
    if lock:
        query = query.with_for_update()
    return [_alert(r) for r in conn.execute(query)]


def one(conn: Connection, user_id: int, alert_id: int) -> Alert | None:
    if not is_row_id(alert_id):
        return None
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id, alerts.c.user_id == user_id)).first()
    return None if row is None else _alert(row)


def redefine(
    conn: Connection, user_id: int, alert_id: int, *, comparison: str, threshold_ms: int, target: Target
) -> bool:
    """Change what an alert watches; its past triggers and the days already judged stand."""
    if not is_row_id(alert_id):
        return False
    result = conn.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.user_id == user_id)
        .values(comparison=comparison, threshold_ms=threshold_ms, target_kind=target.kind, target=target.value)
    )
    return result.rowcount > 0


def delete_alert(conn: Connection, user_id: int, alert_id: int) -> bool:
    """Deletes the alert and its triggers; False when the user has no such alert."""
    if not is_row_id(alert_id):
        return False
    result = conn.execute(delete(alerts).where(alerts.c.id == alert_id, alerts.c.user_id == user_id))
    return result.rowcount > 0


def has_unjudged(conn: Connection, user_id: int, through_day: int) -> bool:
    """Whether some alert of the user has not been judged through `through_day`."""
    query = select(
        exists().where(
            alerts.c.user_id == user_id,
            or_(alerts.c.judged_through_day.is_(None), alerts.c.judged_through_day < through_day),
        )
    )
    return bool(conn.execute(query).scalar())


def triggered(conn: Connection, alert_ids: Sequence[int], first_day: int, last_day: int) -> set[tuple[int, int]]:
    """(alert id, day) pairs already recorded among these alerts and days."""
    if not alert_ids:
        return set()
    rows = conn.execute(
        select(alert_triggers.c.alert_id, alert_triggers.c.day).where(
            alert_triggers.c.alert_id.in_(alert_ids),
            alert_triggers.c.day >= first_day,
            alert_triggers.c.day <= last_day,
        )
    )
    return {(int(a), int(d)) for a, d in rows}


def record(conn: Connection, user_id: int, verdicts: Iterable[tuple[Verdict, int]]) -> None:
    """Record (verdict, created_ms) pairs; a pair already recorded (by anyone) stays as it was."""
    rows = [
        {"alert_id": v.alert_id, "user_id": user_id, "day": v.day, "created_ms": created, "description": v.description}
        for v, created in verdicts
    ]
    if not rows:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(
        dialect.insert(alert_triggers).on_conflict_do_nothing(index_elements=["alert_id", "day"]),
        rows,
    )


def mark_judged(conn: Connection, alert_ids: Sequence[int], through_day: int) -> None:
    """Days up to `through_day` are judged; never moves backwards."""
    if not alert_ids:
        return
    conn.execute(
        update(alerts)
        .where(
            alerts.c.id.in_(alert_ids),
            or_(alerts.c.judged_through_day.is_(None), alerts.c.judged_through_day < through_day),
        )
        .values(judged_through_day=through_day)
    )


def triggers(conn: Connection, user_id: int, *, alert_id: int | None = None, limit: int = 100) -> list[Trigger]:
    """The user's triggers, newest first."""
    if alert_id is not None and not is_row_id(alert_id):
        return []
    query = select(
        alert_triggers.c.id,
        alert_triggers.c.alert_id,
        alert_triggers.c.day,
        alert_triggers.c.created_ms,
        alert_triggers.c.description,
    ).where(alert_triggers.c.user_id == user_id)
    if alert_id is not None:
        query = query.where(alert_triggers.c.alert_id == alert_id)
    query = query.order_by(alert_triggers.c.created_ms.desc(), alert_triggers.c.id.desc()).limit(limit)
    return [Trigger(int(i), int(a), int(d), int(c), desc) for i, a, d, c, desc in conn.execute(query)]


def catalog_version(conn: Connection, user_id: int) -> int:
    """The user's categorization version as of now (ingest may have added activities since the
    caller read the user)."""
    return int(conn.execute(select(users.c.catalog_version).where(users.c.id == user_id)).scalar_one())
