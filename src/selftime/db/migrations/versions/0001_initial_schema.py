"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30 03:41:19.611915
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEED_CATEGORIES = [
    (1, None, "Business", 2),
    (100, 1, "General Business", 2),
    (101, 1, "Accounting", 2),
    (102, 1, "Administration", 2),
    (103, 1, "Sales", 2),
    (104, 1, "Marketing", 2),
    (105, 1, "Customer Relations", 2),
    (106, 1, "Intelligence", 2),
    (107, 1, "Operations", 2),
    (108, 1, "Project Management", 2),
    (2, None, "Communication & Scheduling", 0),
    (109, 2, "General Communication & Scheduling", 0),
    (110, 2, "Calendars", 0),
    (111, 2, "Email", 1),
    (112, 2, "Instant Message", 1),
    (113, 2, "Meetings", 1),
    (114, 2, "Voice", 1),
    (3, None, "Social Networking", -2),
    (115, 3, "General Social Networking", -2),
    (116, 3, "Professional Networking", 1),
    (4, None, "Design & Composition", 2),
    (117, 4, "General Design & Composition", 2),
    (118, 4, "3D Graphic Design", 2),
    (119, 4, "Audio Editing", 2),
    (120, 4, "Graphic Design", 2),
    (121, 4, "Presentation", 2),
    (122, 4, "Engineering & Drafting", 2),
    (123, 4, "Video Editing", 2),
    (124, 4, "Writing", 2),
    (5, None, "Entertainment", -2),
    (125, 5, "General Entertainment", -2),
    (126, 5, "Comedy", -2),
    (127, 5, "Games", -2),
    (128, 5, "Music", -2),
    (129, 5, "Photos", -2),
    (130, 5, "Video", -2),
    (6, None, "News & Opinion", -2),
    (131, 6, "General News & Opinion", -2),
    (132, 6, "Business", -1),
    (133, 6, "Entertainment", -2),
    (134, 6, "Society", -2),
    (135, 6, "Science & Technology", -1),
    (136, 6, "Sports", -1),
    (137, 6, "Regional", -2),
    (138, 6, "International", -2),
    (7, None, "Software Development", 2),
    (139, 7, "General Software Development", 2),
    (140, 7, "Design & Planning", 2),
    (141, 7, "Editing & IDEs", 2),
    (142, 7, "Quality Assurance", 2),
    (143, 7, "Systems Operations", 2),
    (144, 7, "Data Modeling & Analysis", 2),
    (8, None, "Reference & Learning", 2),
    (145, 8, "General Reference & Learning", 2),
    (146, 8, "Business & Finance", 1),
    (147, 8, "Employment", 2),
    (148, 8, "Food", 1),
    (149, 8, "Health & Medicine", 1),
    (150, 8, "Home & Garden", 0),
    (151, 8, "Legal & Gov't", 1),
    (152, 8, "Maps & Regional", 1),
    (153, 8, "Engineering & Technology", 1),
    (154, 8, "Search", 1),
    (155, 8, "Travel & Outdoors", 1),
    (9, None, "Shopping", -2),
    (156, 9, "General Shopping", -2),
    (157, 9, "Office", -2),
    (158, 9, "Electronics", -2),
    (159, 9, "Clothes & Personal", -2),
    (10, None, "Utilities", 1),
    (160, 10, "General Utilities", 1),
    (161, 10, "Anti-Virus & Spyware", 1),
    (162, 10, "Browsers", 0),
    (163, 10, "Internet Utilities", 1),
    (164, 10, "File Sharing", -2),
    (165, 10, "Virtualization", 0),
    (166, 10, "Other", 0),
    (11, None, "Uncategorized", 0),
    (167, 11, "Uncategorized", 0),
]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("productivity", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("rollup_zone", sa.String(length=64), nullable=False),
        sa.Column("catalog_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("default_category_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("productivity", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name=op.f("fk_activities_category_id_categories")),
        sa.ForeignKeyConstraint(
            ["default_category_id"], ["categories.id"], name=op.f("fk_activities_default_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("user_id", "name", name="uq_activities_user_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_used_ms", sa.BigInteger(), nullable=True),
        sa.Column("revoked_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_user", ["user_id"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("user_id", "external_id", name="uq_devices_user_external"),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_schedules_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=255), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("span_count", sa.Integer(), nullable=False),
        sa.Column("stored_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_batches_device_id_devices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("device_id", "batch_id", name="uq_batches_device_batch"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_documents_activity_id_activities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("activity_id", "name", name="uq_documents_activity_name"),
    )
    op.create_table(
        "rollup_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_rollup_days_activity_id_activities")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rollup_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "day", "activity_id", "source_type", name=op.f("pk_rollup_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollups_5m",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bucket_ms", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_rollups_5m_activity_id_activities")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rollups_5m_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "bucket_ms", "activity_id", "source_type", name=op.f("pk_rollups_5m")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_months",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_rollup_months_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rollup_months_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "month", "activity_id", "source_type", name=op.f("pk_rollup_months")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollups",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bucket_ms", sa.BigInteger(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_rollups_activity_id_activities")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_rollups_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "bucket_ms", "source_type", "activity_id", name=op.f("pk_rollups")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "schedule_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), nullable=False),
        sa.Column("from_minute", sa.SmallInteger(), nullable=False),
        sa.Column("to_minute", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_schedule_ranges_schedule_id_schedules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_ranges")),
    )
    op.create_table(
        "spans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_spans_activity_id_activities")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_spans_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_spans_device_id_devices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_spans_document_id_documents")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_spans_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spans")),
    )
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.create_index("ix_spans_device_time", ["device_id", "start_ms"], unique=False)
        batch_op.create_index(
            "ix_spans_user_time",
            ["user_id", "start_ms", "source_type", "activity_id", "document_id", "end_ms"],
            unique=False,
        )

    # The shipped taxonomy, frozen here: ids are referenced by activities and must never change.
    categories = sa.table(
        "categories",
        sa.column("id", sa.Integer),
        sa.column("parent_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("productivity", sa.SmallInteger),
    )
    op.bulk_insert(
        categories,
        [dict(zip(("id", "parent_id", "name", "productivity"), row, strict=True)) for row in SEED_CATEGORIES],
    )


def downgrade() -> None:
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index("ix_spans_user_time")
        batch_op.drop_index("ix_spans_device_time")

    op.drop_table("spans")
    op.drop_table("schedule_ranges")
    op.drop_table("rollups")
    op.drop_table("rollup_months")
    op.drop_table("rollups_5m")
    op.drop_table("rollup_days")
    op.drop_table("documents")
    op.drop_table("batches")
    op.drop_table("schedules")
    op.drop_table("devices")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_user")

    op.drop_table("api_keys")
    op.drop_table("activities")
    op.drop_table("users")
    op.drop_table("categories")
