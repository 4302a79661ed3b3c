"""Table definitions. Times are integer milliseconds since the Unix epoch, UTC, so sums are exact."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Ids are INTEGER on PostgreSQL: a larger number from a request names no row and must not reach the driver.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    return 0 < value <= MAX_ROW_ID


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("plan", String(16), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    # The zone the day and month rollups are keyed in; they are rebuilt when time_zone changes.
    Column("rollup_zone", String(64), nullable=False),
    # Bumped with every new activity or categorization change: report caches key on it.
    Column("catalog_version", Integer, nullable=False, server_default="0"),
    # Bumped in every transaction that changes time totals: cached report bodies key on it.
    Column("data_version", Integer, nullable=False, server_default="0"),
    # Bumped only by writes that touch a day before recent_from_day (the newest day with time, less
    # one): reports of ranges that end before that day key on it, and outlive syncs of today.
    Column("history_version", Integer, nullable=False, server_default="0"),
    Column("recent_from_day", Integer, nullable=False, server_default="0"),
    # Bumped when the password changes: web sessions carry it, so older sessions end.
    Column("auth_epoch", Integer, nullable=False, server_default="0"),
    # First day of the week in the web reports: 0 = Sunday (RescueTime's API), 1 = Monday.
    Column("week_start", SmallInteger, nullable=False, server_default="0"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_used_ms", BigInteger),
    Column("revoked_ms", BigInteger),
    Index("ix_api_keys_user", "user_id"),
)

# Shipped taxonomy: top-level categories have parent_id NULL. Seeded by the first migration.
categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("categories.id")),
    Column("name", String(255), nullable=False),
    Column("productivity", SmallInteger, nullable=False),
    UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),
)

# Activities are per user so that categorization overrides and account deletion stay per user.
activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("default_category_id", Integer, ForeignKey("categories.id"), nullable=False),
    Column("category_id", Integer, ForeignKey("categories.id")),
    Column("productivity", SmallInteger),
    UniqueConstraint("user_id", "name", name="uq_activities_user_name"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    UniqueConstraint("activity_id", "name", name="uq_documents_activity_name"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("source_type", String(16), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_seen_ms", BigInteger),
    UniqueConstraint("user_id", "external_id", name="uq_devices_user_external"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", String(255), nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("span_count", Integer, nullable=False),
    Column("stored_ms", BigInteger, nullable=False),
    UniqueConstraint("device_id", "batch_id", name="uq_batches_device_batch"),
)

# The truth: what devices reported, trimmed so one device never counts the same instant twice,
# and cut at 5-minute UTC boundaries so every row lies inside one 5-minute bucket of every zone.
spans = Table(
    "spans",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE")),
    Column("source_type", String(16), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("activity_id", Integer, ForeignKey("activities.id"), nullable=False),
    Column("document_id", Integer, ForeignKey("documents.id")),
    Index(
        "ix_spans_user_time",
        "user_id",
        "start_ms",
        "source_type",
        "activity_id",
        "document_id",
        "end_ms",
    ),
    Index("ix_spans_device_time", "device_id", "start_ms"),
)

# Seconds per activity per 15-minute UTC bucket: every zone's hour/day/week/month boundary falls on
# a 15-minute UTC boundary, so coarse queries never need the raw spans.
rollups = Table(
    "rollups",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("bucket_ms", BigInteger, primary_key=True),
    Column("source_type", String(16), primary_key=True),
    Column("activity_id", Integer, ForeignKey("activities.id"), primary_key=True),
    Column("duration_ms", BigInteger, nullable=False),
    # Clustered on the key in SQLite, so a range scan reads the seconds without a second lookup.
    sqlite_with_rowid=False,
)

# Seconds per activity per local day and per local month (day number of the 1st) in the user's zone:
# a year's report reads ~12 months of rows plus the days at its edges instead of ~35,000 buckets.


def _keyed_rollup(name: str, period: str, period_type: type[Integer] = Integer) -> Table:
    """Seconds per activity per period; the key leads with the period so ranges are index scans."""
    return Table(
        name,
        metadata,
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column(period, period_type, primary_key=True),
        Column("activity_id", Integer, ForeignKey("activities.id"), primary_key=True),
        Column("source_type", String(16), primary_key=True),
        Column("duration_ms", BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


rollup_days = _keyed_rollup("rollup_days", "day")

# Seconds per document per local day in the user's zone (document_id 0: time without a document):
# a week's document report groups ~40 % fewer rows than from the spans. Re-keyed with the day rollups.
rollup_doc_days = Table(
    "rollup_doc_days",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("activity_id", Integer, ForeignKey("activities.id"), primary_key=True),
    Column("document_id", Integer, primary_key=True, autoincrement=False),
    Column("source_type", String(16), primary_key=True),
    Column("duration_ms", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
rollup_months = _keyed_rollup("rollup_months", "month")
# The same at 5 minutes (UTC bucket start), for `minute` resolution: a third of the raw spans' rows.
rollups_5m = _keyed_rollup("rollups_5m", "bucket_ms", BigInteger)

schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

# Weekdays as a bitmask, bit 0 = Sunday; minutes of the local day, [from, to).
schedule_ranges = Table(
    "schedule_ranges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", Integer, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("weekdays", SmallInteger, nullable=False),
    Column("from_minute", SmallInteger, nullable=False),
    Column("to_minute", SmallInteger, nullable=False),
)

# A day's Daily Summary Feed object, kept as computed once the local day was over (point in time).
daily_summaries = Table(
    "daily_summaries",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),  # local day number
    Column("computed_ms", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),  # the JSON object, keys in the contract's order
)

# "more"/"less" than threshold_ms per local day on a target: all_productive, all_distracting,
# productivity (target "-2".."2"), category, sub_category or activity (target = its name).
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("comparison", String(8), nullable=False),
    Column("threshold_ms", BigInteger, nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target", String(255)),
    Column("created_ms", BigInteger, nullable=False),
    # Local days up to and including this one have been judged at their end.
    Column("judged_through_day", Integer),
    Index("ix_alerts_user", "user_id"),
)

alert_triggers = Table(
    "alert_triggers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("day", Integer, nullable=False),  # local day number the alert was about
    Column("created_ms", BigInteger, nullable=False),
    Column("description", String(255), nullable=False),
    # Once per alert per local day, whoever races to record it.
    UniqueConstraint("alert_id", "day", name="uq_alert_triggers_alert_day"),
    Index("ix_alert_triggers_user_created", "user_id", "created_ms"),
)

highlights = Table(
    "highlights",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("date", String(10), nullable=False),  # YYYY-MM-DD, the local date it is about
    Column("description", String(255), nullable=False),
    Column("source", String(255)),
    Column("created_ms", BigInteger, nullable=False),
    Index("ix_highlights_user_created", "user_id", "created_ms"),
)

# duration_minutes as asked (-1: until the end of the local day); ends_ms computed at start.
focus_sessions = Table(
    "focus_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("started_ms", BigInteger, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("ends_ms", BigInteger, nullable=False),
    Column("ended_ms", BigInteger),
    Column("end_reason", String(16)),  # api, expired, replaced
    Index("ix_focus_sessions_user_started", "user_id", "started_ms"),
)

# OAuth2: apps registered by the operator; secrets, codes and tokens are stored as SHA-256 digests.
oauth_apps = Table(
    "oauth_apps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("redirect_uris", Text, nullable=False),  # one per line, matched exactly
    Column("created_ms", BigInteger, nullable=False),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("app_id", Integer, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", String(255), nullable=False),  # space-separated
    Column("code_challenge", String(128)),
    Column("code_challenge_method", String(16)),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("used_ms", BigInteger),  # a second use revokes what the first issued
)

oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("access_hash", String(64), nullable=False, unique=True),
    Column("refresh_hash", String(64), unique=True),
    Column("app_id", Integer, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", Integer, ForeignKey("oauth_codes.id", ondelete="SET NULL")),
    Column("scopes", String(255), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger),  # None: the access token does not expire
    Column("revoked_ms", BigInteger),
    Index("ix_oauth_tokens_user_app", "user_id", "app_id"),
    Index("ix_oauth_tokens_code", "code_id"),  # a reused code revokes what it issued
)

# Signed-in web sessions: the cookie names one by a random token (only its digest is kept), so logging
# out ends that session here and a copy of the cookie opens nothing. Sliding expiry, as the cookie's.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Index("ix_web_sessions_user", "user_id"),
    Index("ix_web_sessions_expires", "expires_ms"),
)

# Failed logins by key (an e-mail address or a client address), for rate limiting across processes.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(320), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_login_failures_key_at", "key", "at_ms"),
)
