"""Applies Alembic migrations from inside the app, so a fresh database is ready without a separate step."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.shared.database.core import Database

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Any constant works; it only has to be the same in every worker that races to migrate.
MIGRATION_LOCK_KEY = 727_011


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["connection"] = connection
    return config


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
    before = _current_revision(connection)
    command.upgrade(alembic_config(connection), "head")
    return before, _current_revision(connection)


async def upgrade_to_head(database: Database) -> tuple[str | None, str | None]:
    """Brings the schema to head; returns the revision found and the one left (the same when nothing ran).

    Replicas and workers starting together on PostgreSQL take turns on a transaction-scoped advisory lock, so the
    first one migrates and the others find the schema at head. Transaction-scoped, because a transaction-mode
    pooler (PgBouncer, Neon's -pooler endpoint) may hand the next statement to another server connection: a
    session lock could outlive its holder there, the transaction's lock ends with it.
    """
    async with database.transactional_engine.connect() as connection:
        if database.dialect_name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        revisions = await connection.run_sync(_upgrade)
        await connection.commit()
    return revisions
