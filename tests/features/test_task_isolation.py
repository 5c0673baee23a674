"""The isolation matrix: user B against user A's task, on every verb. Always 404, and A's task never changes."""

from typing import Any

import httpx
import pytest
from loguru import logger

from app.shared.kernel import Kernel
from tests.factories import create_task, signed_in_user, stored_task
from tests.inventory import task_item_operations

# Derived from the app's own routes: a new route on one task joins the matrix without an edit here.
VERBS = task_item_operations()
NOT_FOUND = {"detail": "Task not found", "message": "Task not found"}


@pytest.mark.parametrize(("verb", "path", "body"), VERBS)
async def test_another_users_task_is_404_and_untouched(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, path: str, body: dict[str, Any] | None
) -> None:
    alice, bob = await signed_in_user(kernel), await signed_in_user(kernel)
    task = await create_task(kernel, alice, title="Alice's", description="private", completed=False)
    events: list[dict[str, Any]] = []
    sink = logger.add(lambda message: events.append(message.record["extra"]), level="WARNING")
    try:
        # Under /api/{user_id}/tasks… Bob names himself: the task, not the path, is what is not his.
        url = path.format(task_id=task.id, user_id=bob.user.id)
        response = await client.request(verb, url, json=body, headers=bob.headers)
    finally:
        logger.remove(sink)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert (row.title, row.description, row.completed, row.user_id, row.updated_at) == (
        "Alice's",
        "private",
        False,
        alice.user.id,
        task.updated_at,
    )
    probes = [event for event in events if event.get("event") == "task_probe"]
    assert len(probes) == 1
    assert probes[0]["user_id"] == bob.user.id


@pytest.mark.parametrize(("verb", "path", "body"), VERBS)
async def test_malformed_ids_are_404_on_every_verb(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, path: str, body: dict[str, Any] | None
) -> None:
    me = await signed_in_user(kernel)
    url = path.format(task_id="not-a-uuid", user_id=me.user.id)
    response = await client.request(verb, url, json=body, headers=me.headers)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


async def test_a_list_never_shows_another_users_tasks(client: httpx.AsyncClient, kernel: Kernel) -> None:
    alice, bob = await signed_in_user(kernel), await signed_in_user(kernel)
    for number in range(3):
        await create_task(kernel, alice, title=f"a{number}")
    assert (await client.get("/api/tasks", headers=bob.headers)).json() == []
