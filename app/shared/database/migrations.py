"""Applies Alembic migrations from inside the app, so a fresh database is ready without a separate step.

A worker that finds the schema already at head (every worker but the first, every restart) never loads Alembic:
the newest revision is read from the migration files themselves and compared with `alembic_version`. Alembic
adds 9 MB to a worker that would keep it loaded for nothing. Anything unusual (a branch, a merge, a file that
does not say its revisions plainly, a database behind or ahead) goes to Alembic, which decides as it always did.
"""

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from app.shared.database.core import Database

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[3]
VERSIONS = PROJECT_ROOT / "migrations" / "versions"
# Any constant works; it only has to be the same in every worker that races to migrate.
MIGRATION_LOCK_KEY = 727_011
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision(?:: [\w |]+)? = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config  # only when a migration may run (module docstring)

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    """The one revision no other names as its parent, from the files' own lines; None when that is not plain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, parent = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or parent is None:
            return None
        revisions.add(revision.group(1))
        if parent.group(1):
            parents.add(parent.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _recorded_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions[0] if len(versions) == 1 else None


def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
    from alembic import command  # only when a migration may run (module docstring)
    from alembic.migration import MigrationContext

    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(alembic_config(connection), "head")
    return before, MigrationContext.configure(connection).get_current_revision()


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
        recorded = await connection.run_sync(_recorded_revision)
        if recorded is not None and recorded == head_revision():
            revisions: tuple[str | None, str | None] = (recorded, recorded)
        else:
            revisions = await connection.run_sync(_upgrade)
        await connection.commit()
    return revisions
