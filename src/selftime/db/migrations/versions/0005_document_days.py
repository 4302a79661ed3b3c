"""document day rollups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from alembic import op

from selftime.domain.zone import DAY_MS, offset_segments

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_doc_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day", "activity_id", "document_id", "source_type"),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    # A document named "No Details" is now stored as no document (domain.naming.stored_document).
    conn.execute(
        sa.text(
            "UPDATE spans SET document_id = NULL"
            " WHERE document_id IN (SELECT id FROM documents WHERE name = 'No Details')"
        )
    )
    conn.execute(sa.text("DELETE FROM documents WHERE name = 'No Details'"))
    # Existing history: each user's documents keyed from the spans in the user's rollup zone. The SQL
    # is this revision's own, not the store's: a migration must do tomorrow what it does today.
    for user_id, zone in conn.execute(sa.text("SELECT id, rollup_zone FROM users")).all():
        _document_days(conn, int(user_id), str(zone))


_FIFTEEN_MINUTES_MS = 15 * 60 * 1000


def _document_days(conn: sa.Connection, uid: int, zone: str) -> None:
    """Each span lies in one 15-minute UTC bucket, whose local day is taken at the bucket's start (shifted
    by a day to divide: SQL truncates toward zero, and local times of early 1970 west of UTC are negative)."""
    first, last = conn.execute(sa.text(f"SELECT MIN(start_ms), MAX(start_ms) FROM spans WHERE user_id = {uid}")).one()
    if first is None:
        return
    segments = offset_segments(zone, int(first) - int(first) % DAY_MS, int(last) - int(last) % DAY_MS + 2 * DAY_MS)
    if len(segments) == 1:
        offset = str(int(segments[0].offset_ms))
    else:
        whens = " ".join(
            f"WHEN b < {int(nxt.start_ms)} THEN {int(seg.offset_ms)}" for seg, nxt in itertools.pairwise(segments)
        )
        offset = f"(CASE {whens} ELSE {int(segments[-1].offset_ms)} END)"
    conn.execute(
        sa.text(
            "INSERT INTO rollup_doc_days (user_id, day, activity_id, document_id, source_type, duration_ms)"
            f" SELECT {uid}, (b + {offset} + {DAY_MS}) / {DAY_MS} - 1, activity_id, document_id, source_type, SUM(ms)"
            " FROM (SELECT"
            f" (start_ms / {_FIFTEEN_MINUTES_MS}) * {_FIFTEEN_MINUTES_MS} AS b, activity_id,"
            " COALESCE(document_id, 0) AS document_id, source_type, end_ms - start_ms AS ms"
            f" FROM spans WHERE user_id = {uid}) s GROUP BY 2, activity_id, document_id, source_type"
        )
    )


def downgrade() -> None:
    op.drop_table("rollup_doc_days")
