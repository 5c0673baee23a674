"""Applies Alembic migrations from inside the app, so a fresh database is ready without a separate step."""

from pathlib import Path

from alembic import command
from alembic.config import Config
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


async def upgrade_to_head(database: Database) -> None:
    async with database.transactional_engine.connect() as connection:
        if database.dialect_name == "postgresql":
            # Workers starting together take turns; the lock ends with the transaction.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        await connection.commit()
