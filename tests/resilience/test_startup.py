"""Start-up with the database down: the process serves at once, says so in one line, and migrates once it can."""

import asyncio

import asyncpg
import httpx
import pytest

from tests.resilience.components import PostgresCluster, server_environment, uvicorn_process

pytestmark = pytest.mark.slow

SCHEMA_TABLES = {"alembic_version", "users", "tasks", "sign_ins"}


async def test_starting_while_the_database_is_down_serves_then_migrates_when_it_returns(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    await cluster.stop_async()
    with uvicorn_process(server_environment(cluster_database)) as server:
        await asyncio.to_thread(server.start)
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            health = await http.get("/health")
            ready = await http.get("/health/ready")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            assert ready.status_code == 503
            assert ready.headers["Retry-After"] == "5"
            await asyncio.sleep(2)  # a few retries happen while the database stays down

            await cluster.start_async()
            await asyncio.to_thread(server.wait_until_ready, 20)

        log = server.output().splitlines()
    assert await _tables(cluster_database) >= SCHEMA_TABLES
    unreachable = [line for line in log if "Database unreachable" in line]
    assert len(unreachable) == 1, unreachable
    assert "ConnectionRefusedError" in unreachable[0]
    assert not [line for line in log if "Traceback" in line or "| ERROR" in line]
    # Everything but the per-request access lines: start-up, the one warning, the migration, shut-down.
    assert len([line for line in log if " GET /" not in line]) <= 12, log


async def _tables(database_url: str) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}
