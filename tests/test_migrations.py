from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from selftime.db.migrate import current_revision, upgrade
from selftime.db.tables import metadata


def test_migrated_schema_matches_the_table_definitions(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_upgrade_is_idempotent_and_at_head(db):
    upgrade(db.engine)
    assert current_revision(db.engine) == "0004"
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM categories").scalar() == 79
