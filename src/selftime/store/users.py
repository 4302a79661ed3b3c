"""Accounts. Missing → None; constraint failures raise."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from selftime.db.tables import users

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

    @property
    def account(self) -> Account:
        """Names this account for good: SQLite may give a deleted account's id to the next one."""
        return (self.id, self.created_ms)

    @property
    def report_versions(self) -> ReportVersions:
        """What a report of this account depends on besides the question (see report_cache)."""
        return (self.data_version, self.catalog_version, self.time_zone)

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


def bump_data_version(conn: Connection, user_id: int) -> None:
    """Call in the transaction of any write that changes the user's time totals: cached reports
    (see report_cache) are keyed on the version, and other server processes read it with the user."""
    conn.execute(update(users).where(users.c.id == user_id).values(data_version=users.c.data_version + 1))


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
    """New password; the epoch moves on, so every web session signed in with the old one ends."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, auth_epoch=users.c.auth_epoch + 1)
    )
