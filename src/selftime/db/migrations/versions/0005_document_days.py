"""document day rollups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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
    # Existing history: each user's documents re-keyed from the spans in the user's rollup zone.
    from selftime.store import tiers

    for user_id, zone in conn.execute(sa.text("SELECT id, rollup_zone FROM users")).all():
        tiers.rebuild_document_days(conn, user_id=int(user_id), zone=str(zone))


def downgrade() -> None:
    op.drop_table("rollup_doc_days")
