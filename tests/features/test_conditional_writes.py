"""Versions and If-Match on every write to one task: an ETag on each answer that carries a task, the check made in
the write's own statement (412 with the current task, nothing changed), 404 staying 404, and no header: as before.
"""

import asyncio
from typing import Any

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import SignedInUser, create_task, revoke, signed_in_user, stored_task

# Every write that honours If-Match: (method, path under the task, body).
WRITES = [
    ("PUT", "", {"title": "renamed"}),
    ("PATCH", "", {"description": "changed"}),
    ("PATCH", "/toggle", None),
    ("PATCH", "/complete", None),
    ("DELETE", "", None),
]
TASK_WRITES = [write for write in WRITES if write[0] != "DELETE"]


def ids(writes: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{verb} {suffix or '/'}" for verb, suffix, _ in writes]


async def etag_of(client: httpx.AsyncClient, me: SignedInUser, task_id: object) -> str:
    response = await client.get(f"/api/tasks/{task_id}", headers=me.headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def test_create_get_and_every_write_answer_an_etag_that_moves(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    created = await client.post("/api/tasks", json={"title": "tagged"}, headers=me.headers)
    assert created.status_code == 201
    path = created.headers["Location"]
    seen = [created.headers["ETag"]]
    assert (await client.get(path, headers=me.headers)).headers["ETag"] == seen[0]
    for verb, suffix, body in TASK_WRITES:
        response = await client.request(verb, path + suffix, json=body, headers=me.headers)
        assert response.status_code == 200, response.text
        seen.append(response.headers["ETag"])
        assert (await client.get(path, headers=me.headers)).headers["ETag"] == seen[-1]
    # Strong tags, a new one per change, a toggle included.
    assert all(tag.startswith('"') and tag.endswith('"') for tag in seen)
    assert len(set(seen)) == len(seen)


@pytest.mark.parametrize(("verb", "suffix", "body"), TASK_WRITES, ids=ids(TASK_WRITES))
async def test_the_current_tag_lets_a_write_through(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, suffix: str, body: dict[str, Any] | None
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    tag = await etag_of(client, me, task.id)
    headers = me.headers | {"If-Match": tag}
    response = await client.request(verb, f"/api/tasks/{task.id}{suffix}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] != tag
    assert response.headers["ETag"] == await etag_of(client, me, task.id)


@pytest.mark.parametrize(("verb", "suffix", "body"), WRITES, ids=ids(WRITES))
async def test_a_stale_tag_is_412_with_the_current_task_and_changes_nothing(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, suffix: str, body: dict[str, Any] | None
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, title="first")
    stale = await etag_of(client, me, task.id)
    renamed = await client.put(f"/api/tasks/{task.id}", json={"title": "second"}, headers=me.headers)
    before = await stored_task(kernel, task.id)
    response = await client.request(
        verb, f"/api/tasks/{task.id}{suffix}", json=body, headers=me.headers | {"If-Match": stale}
    )
    assert response.status_code == 412, response.text
    problem = response.json()
    assert problem["detail"] == "Task has changed"
    assert isinstance(problem["message"], str)
    assert problem["task"] == renamed.json()
    assert response.headers["ETag"] == renamed.headers["ETag"]
    assert await stored_task(kernel, task.id) == before


@pytest.mark.parametrize(
    "if_match",
    ['"0", {current}', '{current}, W/"9"', "*", " ,{current},, "],
    ids=["list", "list-with-weak", "star", "empty-elements"],
)
async def test_a_list_holding_the_current_tag_or_a_star_matches(
    client: httpx.AsyncClient, kernel: Kernel, if_match: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    header = if_match.format(current=await etag_of(client, me, task.id))
    response = await client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers | {"If-Match": header})
    assert response.status_code == 200, response.text


async def test_several_if_match_lines_are_one_list(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    current = await etag_of(client, me, task.id)
    headers = [*me.headers.items(), ("If-Match", '"0"'), ("If-Match", current)]
    response = await client.patch(f"/api/tasks/{task.id}/toggle", headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("tag", ["W/{current}", '"not-ours"', '"1.0"'], ids=["weak", "foreign", "not-a-version"])
async def test_a_weak_or_foreign_tag_never_matches(client: httpx.AsyncClient, kernel: Kernel, tag: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    header = tag.format(current=await etag_of(client, me, task.id))
    response = await client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers | {"If-Match": header})
    assert response.status_code == 412, response.text
    assert (await stored_task(kernel, task.id)).completed is False  # type: ignore[union-attr]


@pytest.mark.parametrize("header", ["1", '"1', "W/1", '"1" "2"', "", '*, "1"', '"1";'])
@pytest.mark.parametrize(("verb", "suffix", "body"), WRITES, ids=ids(WRITES))
async def test_a_malformed_if_match_is_400_and_changes_nothing(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, suffix: str, body: dict[str, Any] | None, header: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    before = await stored_task(kernel, task.id)
    response = await client.request(
        verb, f"/api/tasks/{task.id}{suffix}", json=body, headers=me.headers | {"If-Match": header}
    )
    assert response.status_code == 400, response.text
    assert "If-Match" in response.json()["detail"]
    assert await stored_task(kernel, task.id) == before


@pytest.mark.parametrize("tag", ['"1"', '"2"', "*"], ids=["its-tag", "another", "star"])
@pytest.mark.parametrize(("verb", "suffix", "body"), WRITES, ids=ids(WRITES))
async def test_another_users_task_stays_404_whatever_if_match_says(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, suffix: str, body: dict[str, Any] | None, tag: str
) -> None:
    owner, stranger = await signed_in_user(kernel), await signed_in_user(kernel)
    task = await create_task(kernel, owner)
    before = await stored_task(kernel, task.id)
    url = f"/api/tasks/{task.id}{suffix}"
    response = await client.request(verb, url, json=body, headers=stranger.headers | {"If-Match": tag})
    assert (response.status_code, response.json()["detail"]) == (404, "Task not found")
    assert "ETag" not in response.headers
    assert await stored_task(kernel, task.id) == before
    missing = await client.request(
        verb,
        f"/api/tasks/00000000-0000-4000-8000-000000000000{suffix}",
        json=body,
        headers=owner.headers | {"If-Match": tag},
    )
    assert missing.status_code == 404


async def test_a_signed_out_caller_with_a_stale_tag_is_401(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    await revoke(kernel, me)
    response = await client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers | {"If-Match": '"7"'})
    assert response.status_code == 401


async def test_without_if_match_the_last_write_wins(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    for title in ("one", "two"):
        assert (await client.put(f"/api/tasks/{task.id}", json={"title": title}, headers=me.headers)).status_code == 200
    assert (await stored_task(kernel, task.id)).title == "two"  # type: ignore[union-attr]


async def test_the_user_scoped_alias_honours_if_match_too(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    path = f"/api/{me.user.id}/tasks/{task.id}"
    current = (await client.get(path, headers=me.headers)).headers["ETag"]
    assert (await client.put(path, json={"title": "x"}, headers=me.headers | {"If-Match": current})).status_code == 200
    stale = await client.put(path, json={"title": "y"}, headers=me.headers | {"If-Match": current})
    assert stale.status_code == 412
    assert stale.json()["task"]["title"] == "x"
    assert (await client.delete(path, headers=me.headers | {"If-Match": current})).status_code == 412
    deleted = await client.delete(path, headers=me.headers | {"If-Match": stale.headers["ETag"]})
    assert deleted.status_code == 204


async def test_of_ten_writers_holding_one_tag_exactly_one_wins(
    client: httpx.AsyncClient, kernel: Kernel, backend: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    tag = await etag_of(client, me, task.id)
    responses = await asyncio.gather(
        *(
            client.put(f"/api/tasks/{task.id}", json={"title": f"writer {n}"}, headers=me.headers | {"If-Match": tag})
            for n in range(10)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * 9, [response.text for response in responses]
    winner = next(response for response in responses if response.status_code == 200)
    losers = [response for response in responses if response.status_code == 412]
    # Every loser is shown the winner's task and tag: the version the database holds.
    assert {response.headers["ETag"] for response in losers} == {winner.headers["ETag"]}
    assert all(response.json()["task"] == winner.json() for response in losers)
    assert (await stored_task(kernel, task.id)).title == winner.json()["title"]  # type: ignore[union-attr]
