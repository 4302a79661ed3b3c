"""history version: cached reports of days before yesterday outlive syncs of today

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # recent_from_day 0 (1970-01-01) keys no report by the history version until the next write
    # sets it: safe for every existing account without reading its rollups here.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("recent_from_day", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("recent_from_day")
        batch_op.drop_column("history_version")
