"""Behind a transaction-mode PgBouncer, where every session is one transaction (pooled mode), If-Match still lets
exactly one of ten writers through, and ten concurrent creates with one Idempotency-Key, spread over two workers,
still make exactly one task: the claim is committed on its own (`Session.commit`), before the work runs.
"""

import asyncio
from typing import Any

import pytest

from app.shared.kernel import Kernel
from tests.conftest import client_for, running_app
from tests.conftest import test_settings as settings_for
from tests.factories import create_task, signed_in_user, stored_task
from tests.resilience.components import PgBouncer
from tests.resilience.conftest import through

WRITERS = 10


@pytest.mark.slow
async def test_of_ten_writers_with_one_tag_one_wins_through_pgbouncer(
    pgbouncer: PgBouncer, cluster_database: str
) -> None:
    settings = settings_for(through(pgbouncer, cluster_database), database_pooled=True)
    async with running_app(settings) as app, client_for(app) as client:
        kernel: Kernel = app.state.kernel
        assert kernel.database.target.wraps_statements_in_transactions
        me = await signed_in_user(kernel)
        task = await create_task(kernel, me)
        tag = (await client.get(f"/api/tasks/{task.id}", headers=me.headers)).headers["ETag"]
        responses = await asyncio.gather(
            *(
                client.put(f"/api/tasks/{task.id}", json={"title": f"w{n}"}, headers=me.headers | {"If-Match": tag})
                for n in range(WRITERS)
            )
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [412] * (WRITERS - 1), [response.text for response in responses]
        winner = next(response for response in responses if response.status_code == 200)
        assert (await stored_task(kernel, task.id)).title == winner.json()["title"]  # type: ignore[union-attr]


@pytest.mark.slow
async def test_ten_creates_with_one_key_make_one_task_through_pgbouncer_across_two_workers(
    pgbouncer: PgBouncer, cluster_database: str
) -> None:
    settings = settings_for(through(pgbouncer, cluster_database), database_pooled=True)
    async with running_app(settings) as first, running_app(settings) as second:
        kernel: Kernel = first.state.kernel
        me = await signed_in_user(kernel)
        headers = me.headers | {"Idempotency-Key": "one-task-please"}
        async with client_for(first) as one, client_for(second) as two:
            sends: list[Any] = [
                (one if n % 2 else two).post("/api/tasks", json={"title": "once"}, headers=headers)
                for n in range(WRITERS)
            ]
            responses = await asyncio.gather(*sends)
            retry = await one.post("/api/tasks", json={"title": "once"}, headers=headers)
            listed = await two.get("/api/tasks", headers=me.headers)
    assert {response.status_code for response in responses} <= {201, 409}, [response.text for response in responses]
    created = [response for response in responses if response.status_code == 201]
    assert created
    assert len({response.content for response in created}) == 1
    assert (retry.status_code, retry.headers["Idempotent-Replayed"]) == (201, "true")
    assert listed.headers["X-Total-Count"] == "1"
    assert [task["id"] for task in listed.json()] == [created[0].json()["id"]]
