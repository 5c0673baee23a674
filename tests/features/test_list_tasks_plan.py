"""The list is served by the (user_id, sort key) indexes: one user's page costs the same among many more rows.

PostgreSQL only (its planner is the one production uses). What a list costs in time is measured by `make bench`
(its scale probe), not here.
"""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.features.list_tasks.query import list_statement
from app.features.list_tasks.request import TaskListQuery
from app.shared.auth.ownership import owner_values
from app.shared.auth.principal import Principal
from app.shared.database import Database
from app.shared.database.migrations import upgrade_to_head
from tests.conftest import test_settings, throwaway_postgres_database

OWNER = "owner-with-10k"
SIGN_IN = "00000000-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module")
async def crowded(backend: str) -> AsyncIterator[Database]:
    if backend != "postgres":
        pytest.skip("query plans are PostgreSQL's")
    async with throwaway_postgres_database() as url:
        database = Database(test_settings(url))
        await upgrade_to_head(database)
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql(
                "INSERT INTO users (id, email, name, created_at, updated_at) "
                "SELECT 'user-' || n, 'user' || n || '@example.com', 'U', now(), now() "
                "FROM generate_series(1, 2000) AS n"
            )
            await connection.exec_driver_sql(
                f"INSERT INTO users (id, email, name, created_at, updated_at) "
                f"VALUES ('{OWNER}', 'owner@example.com', 'Owner', now(), now())"
            )
            await connection.exec_driver_sql(
                f"INSERT INTO sign_ins (id, user_id, refresh_jti, created_at, expires_at) "
                f"VALUES ('{SIGN_IN}', '{OWNER}', 'jti', now(), now() + interval '1 day')"
            )
        yield database
        await database.dispose()


async def fill(database: Database, others: int) -> None:
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("TRUNCATE tasks")
        for owner, count in ((None, others), (OWNER, 10_000)):
            user = f"'{owner}'" if owner else "'user-' || (1 + n % 2000)"
            await connection.exec_driver_sql(
                "INSERT INTO tasks (id, user_id, title, completed, created_at, updated_at) "
                f"SELECT gen_random_uuid(), {user}, md5(n::text), n % 3 = 0, "
                "now() - n * interval '1 second', now() - (n % 977) * interval '1 second' "
                f"FROM generate_series(1, {count}) AS n"
            )
        await connection.exec_driver_sql("ANALYZE tasks")


async def explain(database: Database, query: TaskListQuery, *, analyze: bool = False) -> dict[str, Any]:
    """The plan of the very statement the slice sends, with the values a request would bind."""
    owner = Principal(user_id=OWNER, email="owner@example.com", name=None, expires_at=0, sign_in_id=SIGN_IN)
    compiled = list_statement(query).compiled_for(database.dialect)
    values = {"offset": query.offset, "limit": query.limit} | owner_values(owner)
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        plan = await raw.driver_connection.fetchval(f"EXPLAIN ({options}) {compiled.sql}", *compiled.arguments(values))
    return (plan if isinstance(plan, list) else json.loads(plan))[0]  # type: ignore[no-any-return]


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


@pytest.mark.parametrize("sort", ["created", "updated", "title"])
async def test_each_sort_uses_its_index_and_never_scans_the_table(crowded: Database, backend: str, sort: str) -> None:
    if backend != "postgres":
        pytest.skip("query plans are PostgreSQL's")
    await fill(crowded, others=200_000)
    plan = await explain(crowded, TaskListQuery(sort=sort, limit=50))  # type: ignore[arg-type]
    on_tasks = [node for node in nodes(plan["Plan"]) if node.get("Relation Name") == "tasks"]
    assert on_tasks, plan
    assert all(node["Node Type"] != "Seq Scan" for node in on_tasks), plan
    assert any(node.get("Index Name", "").startswith("ix_tasks_user_id") for node in on_tasks), plan
