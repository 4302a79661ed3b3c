"""Accounts. Missing → None; constraint failures raise."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, insert, literal, select, update

from selftime.db.tables import users
from selftime.store import web_sessions

PLANS = ("premium", "lite")

Account = tuple[int, int]  # (id, created_ms): see User.account
ReportVersions = tuple[int, int, str]  # (data version, catalog version, time zone)


@dataclass(frozen=True)
class User:
    id: int
    email: str
    time_zone: str
    plan: str
    password_hash: str
    catalog_version: int = 0
    auth_epoch: int = 0
    week_start: int = 0  # 0 Sunday, 1 Monday: the web reports' weeks
    created_ms: int = 0
    data_version: int = 0  # see bump_data_version
    history_version: int = 0
    recent_from_day: int = 0

    @property
    def account(self) -> Account:
        """Names this account for good: SQLite may give a deleted account's id to the next one."""
        return (self.id, self.created_ms)

    @property
    def report_versions(self) -> ReportVersions:
        """What a report of this account depends on besides the question (see report_cache)."""
        return (self.data_version, self.catalog_version, self.time_zone)

    def versions_for(self, last_day: int) -> tuple[object, ...]:
        """What a report of a range ending on local day number `last_day` depends on besides the
        question: ranges that end before recent_from_day change only with the history version (see
        bump_data_version), the rest with every write."""
        if last_day < self.recent_from_day:
            return ("history", self.history_version, self.catalog_version, self.time_zone)
        return ("data", self.data_version, self.catalog_version, self.time_zone)

    @property
    def is_premium(self) -> bool:
        return self.plan == "premium"


def from_row(row: object) -> User:
    """The user from a row of `users`, alone or joined (the columns are looked up as columns, not names)."""
    m = row._mapping  # type: ignore[attr-defined]
    c = users.c
    return User(
        m[c.id],
        m[c.email],
        m[c.time_zone],
        m[c.plan],
        m[c.password_hash],
        m[c.catalog_version],
        m[c.auth_epoch],
        m[c.week_start],
        m[c.created_ms],
        m[c.data_version],
        m[c.history_version],
        m[c.recent_from_day],
    )


def create(conn: Connection, *, email: str, password_hash: str, time_zone: str, plan: str, now_ms: int) -> User:
    user_id = conn.execute(
        insert(users)
        .values(
            email=email.lower(),
            password_hash=password_hash,
            time_zone=time_zone,
            plan=plan,
            created_ms=now_ms,
            rollup_zone=time_zone,
        )
        .returning(users.c.id)
    ).scalar_one()
    return User(user_id, email.lower(), time_zone, plan, password_hash, created_ms=now_ms)


class AccountGone(LookupError):
    """The account was deleted after the caller read it (its key was checked before the deletion)."""


def lock_for_time_write(conn: Connection, user_id: int) -> bool:
    """Take the account's row lock first in a transaction that changes its time or its catalog
    (PostgreSQL; SQLite writers are serialized already). Such a write locks shared rollup rows and
    the account row twice (a new activity moves the catalog version early, the data version moves
    late), and inserting an activity checks the account's row (its foreign key): without one lock
    taken first, two concurrent batches of one account, or a batch and a categorization of the
    activity it creates, could each hold what the other waits for, and PostgreSQL aborted one as a
    deadlock. False when the account no longer exists (deleted by a transaction that held the lock)."""
    query = select(users.c.id).where(users.c.id == user_id)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def bump_data_version(conn: Connection, user_id: int, days: tuple[int, int] | None) -> None:
    """Call in the transaction of any write that changes the user's time totals, with the first and
    last local day it touched (None: any day, as a zone change does). Cached reports (see
    report_cache) are keyed on these versions, and other server processes read them with the user.

    The data version moves on with every write. The history version moves on only when the write
    touches a day before recent_from_day, the newest day with time less one, which this moves up to
    `last - 1`: so a report of a range that ended before recent_from_day when it was computed is
    still right until the history version moves, whatever today's syncs add. Both sides read the
    day after this write (SET reads the old values), and it only ever grows."""
    c = users.c
    if days is None:
        values = {"data_version": c.data_version + 1, "history_version": c.history_version + 1}
    else:
        first, last = days
        recent = case((c.recent_from_day > last - 1, c.recent_from_day), else_=literal(last - 1))
        values = {
            "data_version": c.data_version + 1,
            "history_version": c.history_version + case((recent > first, 1), else_=0),
            "recent_from_day": recent,
        }
    conn.execute(update(users).where(c.id == user_id).values(**values))


def report_versions(conn: Connection, ids: list[int]) -> dict[Account, ReportVersions]:
    """The accounts' current report versions (as User.report_versions), by account; a deleted
    account is missing."""
    c = users.c
    rows = conn.execute(select(c.id, c.created_ms, c.data_version, c.catalog_version, c.time_zone).where(c.id.in_(ids)))
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def by_email(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == email.lower())).first()
    return from_row(row) if row else None


def by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return from_row(row) if row else None


def all_users(conn: Connection) -> list[User]:
    return [from_row(r) for r in conn.execute(select(users).order_by(users.c.id))]


def set_plan(conn: Connection, user_id: int, plan: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(plan=plan))


def set_time_zone(conn: Connection, user_id: int, time_zone: str) -> None:
    """Change the zone; the day and month rollups are re-keyed in the same transaction."""
    from selftime.store import tiers

    conn.execute(update(users).where(users.c.id == user_id).values(time_zone=time_zone))
    tiers.rebuild(conn, user_id=user_id, zone=time_zone)


def set_week_start(conn: Connection, user_id: int, week_start: int) -> None:
    if week_start not in (0, 1):
        raise ValueError("the week starts on Sunday (0) or Monday (1)")
    conn.execute(update(users).where(users.c.id == user_id).values(week_start=week_start))


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    """New password; every web session signed in with the old one ends (its row goes, and the epoch
    its cookie carries moves on). The web page changing it signs its own session in again."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, auth_epoch=users.c.auth_epoch + 1)
    )
    web_sessions.end_all(conn, user_id)
