"""Users and tasks made through the app's own API, and the data files the wrk scripts read."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.procs import HarnessError

PASSWORD = "bench password, not a secret"
RETRIES_ON_503 = 10
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    token: str  # signup's access_token: it carries the sign-in's `sid`


@dataclass(frozen=True)
class OwnedTask:
    account: Account
    task_id: str


async def in_parallel(
    url: str, items: Sequence[T], workers: int, work: Callable[[httpx.AsyncClient, T], Awaitable[R]]
) -> list[R]:
    """`work` on every item by `workers` clients, results in the items' order.

    One client per worker: a single httpx client shared by many concurrent requests slows down as they grow,
    while separate clients keep this loop near 1 000 requests per second.
    """
    results: list[R | None] = [None] * len(items)
    pending = iter(enumerate(items))  # shared by the workers; `next` never yields to the event loop

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
            for index, item in pending:
                results[index] = await work(client, item)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return [result for result in results if result is not None]


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    """POST, retried a few times on 503: on a shared PostgreSQL another run may briefly hold every connection.
    A 503 here was answered before anything was written, so a retry creates nothing twice."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(RETRIES_ON_503):
        response = await client.post(path, json=body, headers=headers)
        if response.status_code != 503:
            return response
        await asyncio.sleep(1.0)
    return response


async def sign_up(client: httpx.AsyncClient, email: str) -> Account:
    response = await post(client, "/api/auth/signup", {"email": email, "password": PASSWORD, "name": "Bench"})
    if response.status_code != 201:
        raise HarnessError(f"sign-up of {email} answered {response.status_code}: {response.text[:300]}")
    body = response.json()
    return Account(email=email, user_id=body["user"]["id"], token=body["access_token"])


async def sign_up_many(url: str, prefix: str, count: int) -> list[Account]:
    # Each sign-up is one bcrypt hash at cost 12 on the server: more than a few at once only queues on 2 cores.
    emails = [f"{prefix}-{number}@example.com" for number in range(count)]
    return await in_parallel(url, emails, 4, sign_up)


async def create_task(client: httpx.AsyncClient, job: tuple[Account, int]) -> OwnedTask:
    account, number = job
    body = {"title": f"seeded task {number}", "description": "made through POST /api/tasks", "completed": False}
    response = await post(client, "/api/tasks", body, token=account.token)
    if response.status_code != 201:
        raise HarnessError(f"seeding a task answered {response.status_code}: {response.text[:300]}")
    return OwnedTask(account=account, task_id=response.json()["id"])


async def create_tasks(url: str, accounts: list[Account], per_account: int) -> list[OwnedTask]:
    jobs = [(account, number) for account in accounts for number in range(per_account)]
    return await in_parallel(url, jobs, 8, create_task)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
