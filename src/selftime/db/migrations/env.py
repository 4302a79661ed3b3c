from __future__ import annotations

from alembic import context

from selftime.db.tables import metadata

# An arbitrary key of PostgreSQL's advisory locks, for migrations only.
MIGRATION_LOCK = 0x5E1F7133

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"

with engine.connect() as connection:
    driver = connection.connection.driver_connection
    if sqlite:
        # Batch mode alters a SQLite table by copying it and dropping the old one; with foreign keys
        # on, that DROP would cascade and delete every row that refers to the table (a user's whole
        # history, for `users`). The pragma only takes effect outside a transaction, hence the driver.
        driver.execute("PRAGMA foreign_keys=OFF")
        # Every command and server process migrates before it starts; two starting at once must not both
        # migrate. BEGIN IMMEDIATE (see db/engine) makes the second wait for the first's commit.
        connection.execution_options(selftime_write=True)
    try:
        # Alembic takes SQLite's DDL for non-transactional and gives each migration a transaction of
        # its own: the lock was let go between migrations, and a second process that had read the
        # revision before waiting ran a migration again ('duplicate column name'). SQLite's DDL is
        # transactional (the driver is in autocommit, our BEGIN is the only one): one transaction, one lock.
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=sqlite, transactional_ddl=True
        )
        with context.begin_transaction():
            if not sqlite:  # the same on PostgreSQL: released at commit, then the revision is read afresh
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            before = context.get_context().get_current_revision()
            context.run_migrations()
            if sqlite and context.get_context().get_current_revision() != before:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows referring to missing rows: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
