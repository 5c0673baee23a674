"""Three replicas started together on an empty PostgreSQL database: one migrates it, the others wait and find it done.

Each replica is `python -m app.serving` (what the image runs) with one worker. To make them really start together,
the test holds the migration lock itself until all three are queued behind it, then lets go: from that moment they
race, as replicas that a platform starts at once would. Afterwards exactly one says it migrated, the other two say
the schema was already at head, alembic_version holds the one head revision, and all three are ready.
"""

import asyncio
import sys
import time
from contextlib import ExitStack

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from app.shared.database.migrations import MIGRATION_LOCK_KEY, alembic_config
from tests.conftest import throwaway_postgres_database
from tests.resilience.components import UvicornProcess, server_environment

pytestmark = pytest.mark.slow

REPLICAS = 3
QUEUE_TIMEOUT_SECONDS = 60.0
# pg_locks shows a bigint advisory key as two 32-bit halves.
WAITING_FOR_THE_MIGRATION_LOCK = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


class ServingProcess(UvicornProcess):
    """`python -m app.serving`, configured through its environment alone, as in the container."""

    def __init__(self, environment: dict[str, str]) -> None:
        super().__init__(environment)
        self.environment |= {"HOST": "127.0.0.1", "PORT": str(self.port), "WORKERS": "1"}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "app.serving"]


async def test_three_replicas_starting_together_on_an_empty_database_migrate_it_once() -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with throwaway_postgres_database() as url:
        holder = await asyncpg.connect(url)
        try:
            await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            with ExitStack() as stack:
                replicas = [ServingProcess(server_environment(url)) for _ in range(REPLICAS)]
                for replica in replicas:
                    stack.callback(replica.log.unlink, missing_ok=True)
                    stack.callback(replica.stop)
                await asyncio.gather(*(asyncio.to_thread(replica.start) for replica in replicas))
                await _until_queued(holder, REPLICAS)
                await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
                await asyncio.gather(*(asyncio.to_thread(replica.wait_until_ready, 60) for replica in replicas))
                logs = [replica.output() for replica in replicas]
            versions = [row["version_num"] for row in await holder.fetch("SELECT version_num FROM alembic_version")]
        finally:
            await holder.close()

    said = [line for log in logs for line in log.splitlines() if "Database schema is at head" in line]
    assert len(said) == REPLICAS, logs
    assert len([line for line in said if f"migrated from an empty database to {head}" in line]) == 1, said
    assert len([line for line in said if f"already at {head}" in line]) == REPLICAS - 1, said
    assert versions == [head]


async def _until_queued(holder: asyncpg.Connection, waiting: int) -> None:
    """Until `waiting` sessions wait for the migration lock the test holds (a wait, with a deadline for safety)."""
    deadline = time.monotonic() + QUEUE_TIMEOUT_SECONDS
    key = (MIGRATION_LOCK_KEY >> 32, MIGRATION_LOCK_KEY & 0xFFFFFFFF)
    while await holder.fetchval(WAITING_FOR_THE_MIGRATION_LOCK, *key) < waiting:
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {waiting} replicas queued for the migration lock within {QUEUE_TIMEOUT_SECONDS}s")
        await asyncio.sleep(0.1)
