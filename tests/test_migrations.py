import subprocess
import sys

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, update

from selftime.db.migrate import alembic_config, current_revision, upgrade
from selftime.db.tables import activities, documents, metadata, rollup_doc_days, spans
from tests.conftest import send, span


def test_migrated_schema_matches_the_table_definitions(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_upgrade_is_idempotent_and_at_head(db):
    upgrade(db.engine)
    assert current_revision(db.engine) == "0008"
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM categories").scalar() == 79


def _document_days(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return sorted(tuple(r) for r in conn.execute(select(rollup_doc_days)))


def test_0005_fills_the_document_days_from_existing_spans(client, account, db):
    send(
        client,
        account,
        [
            span("2026-11-28T22:50:00Z", "2026-11-29T01:10:00Z", "Code", "main.py"),
            span("2026-11-29T09:00:00Z", "2026-11-29T09:30:00Z", "Slack"),
            span("2026-11-29T09:30:00Z", "2026-11-29T09:40:00Z", "Code", "No Details"),
        ],
    )
    kept_at_ingest = _document_days(db)
    command.downgrade(alembic_config(db.engine), "0004")
    with db.write() as conn:  # as stored before 0005: the title "No Details" was a document
        code = conn.execute(select(activities.c.id).where(activities.c.name == "code")).scalar_one()
        legacy = conn.execute(
            insert(documents).values(activity_id=code, name="No Details").returning(documents.c.id)
        ).scalar_one()
        conn.execute(
            update(spans).where(spans.c.document_id.is_(None), spans.c.activity_id == code).values(document_id=legacy)
        )
    upgrade(db.engine)
    assert _document_days(db) == kept_at_ingest
    assert len(kept_at_ingest) == 4  # main.py on the 28th and the 29th, slack, code without a document
    with db.read() as conn:
        assert conn.execute(select(documents.c.id).where(documents.c.name == "No Details")).first() is None
        assert conn.execute(select(spans.c.id).where(spans.c.document_id == legacy)).first() is None


def test_a_downgrade_that_rebuilds_the_users_table_keeps_everything_that_refers_to_it(client, account, db):
    """On SQLite, dropping a column copies `users` and drops the old table: with foreign keys on, that
    DROP cascaded to every span, key and activity of every account."""
    send(client, account, [span("2026-11-29T09:00:00Z", "2026-11-29T09:30:00Z", "Code", "main.py")])

    def counts() -> list[int]:
        with db.read() as conn:
            return [
                conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one()
                for table in ("users", "api_keys", "activities", "spans", "rollup_days")
            ]

    stored = counts()
    command.downgrade(alembic_config(db.engine), "0005")
    assert counts() == stored
    upgrade(db.engine)
    assert counts() == stored
    assert client.get("/anapi/data", params={"key": account.key, "rb": "2026-11-29"}).json()["rows"][0][1] == 1800


def _migrate_together(database_url: str) -> list[str]:
    """`selftime migrate` twice at once, in processes (Alembic's context is global: threads would share it); the
    error output of each that failed."""
    command_line = [sys.executable, "-m", "selftime.cli", "--database-url", database_url, "migrate"]
    runs = [subprocess.Popen(command_line, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    return [err.decode()[-2000:] for run in runs for err in [run.communicate(timeout=120)[1]] if run.returncode]


def test_processes_that_start_at_once_on_a_new_database_both_end_at_head(database_url, db):
    """Every command and server process applies pending migrations. Two starting together on a new database
    both ran the first migration: on PostgreSQL one died on a duplicate key (a traceback), on SQLite on
    'database is locked'. The second now waits for the first and then finds nothing to do."""
    for _ in range(3):
        command.downgrade(alembic_config(db.engine), "base")
        assert _migrate_together(database_url) == []
        assert current_revision(db.engine) == "0008"
