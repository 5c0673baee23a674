"""Idempotency-Key on POST /api/tasks and PATCH …/toggle (…/complete): a retry runs nothing again and gets the
first answer; another body or route is 422, a key still running is 409, errors are never kept, keys are per user.
"""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlmodel import col, func, select

from app.shared.database.column_types import utc_now
from app.shared.database.tables import IdempotencyKey, Task
from app.shared.idempotency.keys import LEASE, TIME_TO_LIVE, purge_expired
from app.shared.kernel import Kernel
from tests.conftest import client_for
from tests.factories import SignedInUser, create_task, signed_in_user, stored_task


def keyed(me: SignedInUser, key: str) -> dict[str, str]:
    return me.headers | {"Idempotency-Key": key}


async def tasks_of(kernel: Kernel, me: SignedInUser) -> int:
    async with kernel.database.orm_session() as session:
        return (await session.exec(select(func.count()).where(col(Task.user_id) == me.user.id))).one()


async def keys_of(kernel: Kernel, me: SignedInUser) -> int:
    async with kernel.database.orm_session() as session:
        query = select(func.count()).where(col(IdempotencyKey.user_id) == me.user.id)
        return (await session.exec(query)).one()


async def test_a_retried_create_replays_the_first_answer_and_makes_no_second_task(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    me = await signed_in_user(kernel)
    body = {"title": "once", "completed": False}
    first = await client.post("/api/tasks", json=body, headers=keyed(me, "create-1"))
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    # The same body, its keys in another order and spaced otherwise, is the same request.
    json_type = {"Content-Type": "application/json"}
    respaced = b'{ "completed" : false,\n "title": "once" }'
    again = await client.post("/api/tasks", content=respaced, headers=keyed(me, "create-1") | json_type)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert (again.headers["Location"], again.headers["ETag"]) == (first.headers["Location"], first.headers["ETag"])
    assert await tasks_of(kernel, me) == 1


async def test_the_user_scoped_alias_is_the_same_operation(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    first = await client.post("/api/tasks", json={"title": "once"}, headers=keyed(me, "alias"))
    again = await client.post(f"/api/{me.user.id}/tasks", json={"title": "once"}, headers=keyed(me, "alias"))
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert await tasks_of(kernel, me) == 1


@pytest.mark.parametrize("alias", ["toggle", "complete"])
async def test_a_retried_toggle_flips_once_and_shows_its_own_flip(
    client: httpx.AsyncClient, kernel: Kernel, alias: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, completed=False)
    first = await client.patch(f"/api/tasks/{task.id}/{alias}", headers=keyed(me, "flip"))
    again = await client.patch(f"/api/tasks/{task.id}/{alias}", headers=keyed(me, "flip"))
    assert (first.status_code, first.json()["completed"]) == (200, True)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (200, "true")
    assert (again.json(), again.headers["ETag"]) == (first.json(), first.headers["ETag"])
    assert (await stored_task(kernel, task.id)).completed is True  # type: ignore[union-attr]
    # A new key is a new flip.
    assert (await client.patch(f"/api/tasks/{task.id}/{alias}", headers=keyed(me, "flip-2"))).json()[
        "completed"
    ] is False


async def test_the_same_key_for_another_request_is_422_on_the_header(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    other_task = await create_task(kernel, me)
    assert (await client.post("/api/tasks", json={"title": "a"}, headers=keyed(me, "k"))).status_code == 201
    assert (await client.patch(f"/api/tasks/{task.id}/toggle", headers=keyed(me, "t"))).status_code == 200
    reused = [
        await client.post("/api/tasks", json={"title": "b"}, headers=keyed(me, "k")),
        await client.patch(f"/api/tasks/{task.id}/toggle", headers=keyed(me, "k")),
        await client.patch(f"/api/tasks/{other_task.id}/toggle", headers=keyed(me, "t")),
        await client.patch(f"/api/tasks/{task.id}/complete", headers=keyed(me, "t")),
    ]
    for response in reused:
        assert response.status_code == 422, response.text
        problem = response.json()
        assert [item["loc"] for item in problem["detail"]] == [["header", "Idempotency-Key"]]
        assert isinstance(problem["message"], str)
    assert await tasks_of(kernel, me) == 3
    assert (await stored_task(kernel, other_task.id)).completed is False  # type: ignore[union-attr]


async def test_keys_are_per_user(client: httpx.AsyncClient, kernel: Kernel) -> None:
    alice, bob = await signed_in_user(kernel), await signed_in_user(kernel)
    for me in (alice, bob):
        response = await client.post("/api/tasks", json={"title": "mine"}, headers=keyed(me, "shared-key"))
        assert (response.status_code, response.json()["user_id"]) == (201, me.user.id)
        assert "Idempotent-Replayed" not in response.headers
    assert (await tasks_of(kernel, alice), await tasks_of(kernel, bob)) == (1, 1)


async def test_error_answers_are_not_kept_and_a_retry_runs_again(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    refused = await client.post("/api/tasks", json={"title": ""}, headers=keyed(me, "first-try"))
    assert refused.status_code == 422
    created = await client.post("/api/tasks", json={"title": "fixed"}, headers=keyed(me, "first-try"))
    assert (created.status_code, created.headers.get("Idempotent-Replayed")) == (201, None)
    stale = await client.patch(f"/api/tasks/{task.id}/toggle", headers=keyed(me, "flip") | {"If-Match": '"9"'})
    assert stale.status_code == 412
    assert await keys_of(kernel, me) == 1  # the 412 left no key behind
    flipped = await client.patch(f"/api/tasks/{task.id}/toggle", headers=keyed(me, "flip"))
    assert (flipped.status_code, flipped.headers.get("Idempotent-Replayed")) == (200, None)
    missing = "/api/tasks/00000000-0000-4000-8000-000000000000/toggle"
    assert (await client.patch(missing, headers=keyed(me, "nothing"))).status_code == 404
    assert await keys_of(kernel, me) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "caf\u00e9"], ids=["empty", "256", "control", "non-ascii"])
async def test_a_key_that_is_not_1_to_255_printable_ascii_is_422(
    client: httpx.AsyncClient, kernel: Kernel, key: str
) -> None:
    me = await signed_in_user(kernel)
    headers = [*me.headers.items(), ("Idempotency-Key", key.encode("latin-1"))]
    response = await client.post("/api/tasks", json={"title": "x"}, headers=headers)
    assert response.status_code == 422, response.text
    assert [item["loc"] for item in response.json()["detail"]] == [["header", "Idempotency-Key"]]
    assert await tasks_of(kernel, me) == 0


async def test_the_longest_key_works(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    key = "k" * 254 + "~"
    for _ in range(2):
        assert (await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, key))).status_code == 201
    assert await tasks_of(kernel, me) == 1


async def put_key(kernel: Kernel, me: SignedInUser, key: str, *, age: timedelta, fingerprint: str = "?") -> None:
    """A claim as a request left it, with no answer: one still running, or one that died."""
    async with kernel.database.orm_session() as session:
        row = {"user_id": me.user.id, "key": key, "fingerprint": fingerprint, "claim": "0" * 32}
        await session.exec(insert(IdempotencyKey).values(**row, started_at=utc_now() - age))  # type: ignore[call-overload]
        await session.commit()


async def test_a_key_whose_first_request_still_runs_is_409(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    first = await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, "probe"))
    async with kernel.database.orm_session() as session:
        stored = (await session.exec(select(IdempotencyKey.fingerprint))).one()
    assert first.status_code == 201
    await put_key(kernel, me, "running", age=timedelta(seconds=1), fingerprint=stored)
    busy = await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, "running"))
    assert busy.status_code == 409, busy.text
    assert "retry later" in busy.json()["detail"]
    assert await tasks_of(kernel, me) == 1


async def test_a_claim_past_its_lease_or_a_key_past_a_day_is_taken_over(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    me = await signed_in_user(kernel)
    first = await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, "probe"))
    async with kernel.database.orm_session() as session:
        stored = (await session.exec(select(IdempotencyKey.fingerprint))).one()
    assert first.status_code == 201
    await put_key(kernel, me, "crashed", age=LEASE + timedelta(seconds=1), fingerprint=stored)
    await put_key(kernel, me, "yesterday", age=TIME_TO_LIVE + timedelta(seconds=1), fingerprint="another request")
    for key in ("crashed", "yesterday"):
        response = await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, key))
        assert (response.status_code, response.headers.get("Idempotent-Replayed")) == (201, None), response.text
        again = await client.post("/api/tasks", json={"title": "x"}, headers=keyed(me, key))
        assert again.headers["Idempotent-Replayed"] == "true"
    assert await tasks_of(kernel, me) == 3


async def test_the_purge_deletes_keys_past_a_day_only(kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    await put_key(kernel, me, "old", age=TIME_TO_LIVE + timedelta(minutes=1))
    await put_key(kernel, me, "young", age=TIME_TO_LIVE - timedelta(minutes=1))
    await purge_expired(kernel.database)
    async with kernel.database.orm_session() as session:
        left = (await session.exec(select(IdempotencyKey.key))).all()
    assert list(left) == ["young"]


async def test_ten_concurrent_creates_with_one_key_make_one_task_across_two_workers(
    app: FastAPI, kernel: Kernel, app_with: Callable[..., AbstractAsyncContextManager[FastAPI]]
) -> None:
    me = await signed_in_user(kernel)
    async with app_with() as second_worker, client_for(app) as one, client_for(second_worker) as two:
        sends: list[Any] = [
            (one if n % 2 else two).post("/api/tasks", json={"title": "racing"}, headers=keyed(me, "race"))
            for n in range(10)
        ]
        responses = await asyncio.gather(*sends)
    statuses = {response.status_code for response in responses}
    assert statuses <= {201, 409}, [response.text for response in responses]
    created = [response for response in responses if response.status_code == 201]
    assert created
    assert len({response.content for response in created}) == 1
    assert await tasks_of(kernel, me) == 1
