"""Every revision upgrades and downgrades, on both databases, and head matches the models exactly."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.shared.database import Database
from app.shared.database.migrations import alembic_config, head_revision
from app.shared.database.tables import metadata
from tests.conftest import TEST_SECRET, test_settings, throwaway_postgres_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_TABLES = {"users", "tasks", "sign_ins", "idempotency_keys"}


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    async with throwaway_postgres_database() as url:
        yield url


async def run(database: Database, step: str, revision: str) -> set[str]:
    """Runs one alembic step in-process and returns the tables that exist afterwards."""

    def migrate(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return set(inspect(connection).get_table_names())

    async with database.transactional_engine.connect() as connection:
        tables = await connection.run_sync(migrate)
        await connection.commit()
    return tables


# SQLite cannot reflect the lower(title) index, so alembic skips comparing it there (PostgreSQL compares it).
@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    database = Database(test_settings(fresh_url))
    try:
        assert await run(database, "upgrade", "head") >= APP_TABLES
        assert not (APP_TABLES & await run(database, "downgrade", "base"))
        assert await run(database, "upgrade", "head") >= APP_TABLES
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await database.dispose()
    assert differences == []


async def test_the_alembic_command_line_migrates_too(fresh_url: str) -> None:
    env = os.environ | {"DATABASE_URL": fresh_url, "BETTER_AUTH_SECRET": TEST_SECRET}
    alembic = Path(sys.executable).parent / "alembic"
    result = subprocess.run(
        [str(alembic), "upgrade", "head"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    database = Database(test_settings(fresh_url))
    try:
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await database.dispose()
    assert APP_TABLES | {"alembic_version"} <= tables


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_worker_that_finds_the_schema_at_head_never_loads_alembic(fresh_url: str) -> None:
    """The first start migrates; a second process on the same database serves without importing Alembic."""
    script = (
        "import asyncio, sys\n"
        "from app.main import create_app\n"
        "app = create_app()\n"
        "async def main():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        assert app.state.kernel.database.schema_ready\n"
        "asyncio.run(main())\n"
        "print('alembic loaded' if 'alembic' in sys.modules else 'alembic not loaded')\n"
    )
    environment = os.environ | {"DATABASE_URL": fresh_url, "BETTER_AUTH_SECRET": TEST_SECRET, "AUTO_MIGRATE": "true"}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env=environment,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert outputs == ["alembic loaded", "alembic not loaded"]
