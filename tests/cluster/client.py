"""What a careful client does against the cluster: sign up, and create tasks under load, each create with an
`Idempotency-Key` and retried with that same key after a connection error or a 5xx (or a 409: its first attempt is
still running), as the contract's "Concurrent edits and safe retries" asks clients to.

Every attempt is recorded (when it started and ended, its request id, what came back) for the tests to hold
against haproxy's log and counters and against the database.
"""

import asyncio
import secrets
import time
from dataclasses import dataclass, field

import asyncpg
import httpx

RETRYABLE_STATUSES = {409, 502, 503, 504}
RETRY_PAUSE_SECONDS = 0.2
# 409 says "retry later" without saying when (no Retry-After): a second between tries.
BUSY_KEY_PAUSE_SECONDS = 1.0
# A key whose first request died after claiming it answers 409 until the claim's lease (2 minutes,
# app/shared/idempotency/keys.py) runs out; a client keeps trying that long, and a little more.
RETRY_FOR_SECONDS = 150.0
PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(base_url: str) -> str:
    """A new user, signed up through `base_url`; their access token."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        credentials = {"email": f"cluster-{secrets.token_hex(6)}@example.com", "password": PASSWORD}
        response = await http.post("/api/auth/signup", json=credentials | {"name": "Cluster"})
        assert response.status_code == 201, response.text
        return str(response.json()["access_token"])


@dataclass
class Attempt:
    key: str
    request_id: str
    started: float  # time.monotonic()
    ended: float = 0.0
    status: int | None = None  # None: no answer (a connection error)
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class WriteLoad:
    """Task creates through `base_url`, `concurrency` at a time, each retried until acknowledged, from `run()`
    until `stop()`; each worker then finishes the create it holds.
    """

    base_url: str
    token: str
    concurrency: int
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    keys: list[str] = field(default_factory=list)  # every key taken, in order
    attempts: list[Attempt] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> id of the task the 201 named
    _stopping: bool = False
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def run(self) -> None:
        # A connection per request. On a kept-alive connection haproxy answers a request whose replica died under
        # it by closing the connection silently, without a 502 or a log line (a client is to retry what failed on
        # a reused connection): the client here would retry it all the same, but the tests could not tell from
        # haproxy's log where it was lost.
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30, limits=limits) as http:
            await asyncio.gather(*(self._worker(http) for _ in range(self.concurrency)))

    def stop(self) -> None:
        self._stopping = True

    async def until_acknowledged(self, count: int) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: len(self.acknowledged) >= count)

    async def _worker(self, http: httpx.AsyncClient) -> None:
        while not self._stopping:
            key = f"{self.run_id}-{len(self.keys)}"
            self.keys.append(key)
            self.acknowledged[key] = await self._create(http, key)
            async with self._progress:
                self._progress.notify_all()

    async def _create(self, http: httpx.AsyncClient, key: str) -> str:
        give_up_at = time.monotonic() + RETRY_FOR_SECONDS
        number = 0
        while True:
            pause = RETRY_PAUSE_SECONDS
            attempt = Attempt(key=key, request_id=f"{key}-attempt-{number}", started=time.monotonic())
            self.attempts.append(attempt)
            headers = bearer(self.token) | {"Idempotency-Key": key, "X-Request-ID": attempt.request_id}
            try:
                response = await http.post("/api/tasks", json={"title": key}, headers=headers)
            except httpx.TransportError as error:
                attempt.error = repr(error)
            else:
                attempt.status = response.status_code
                if response.status_code == 201:
                    attempt.ended = time.monotonic()
                    return str(response.json()["id"])
                attempt.error = response.text[:200]
                if response.status_code == 409:
                    pause = float(response.headers.get("Retry-After", BUSY_KEY_PAUSE_SECONDS))
                if response.status_code not in RETRYABLE_STATUSES:
                    raise AssertionError(f"create {key} answered {response.status_code}: {response.text[:200]}")
            attempt.ended = time.monotonic()
            if attempt.ended > give_up_at:
                raise AssertionError(f"create {key} not acknowledged after {number + 1} attempts: {attempt}")
            await asyncio.sleep(pause)
            number += 1


async def stored_titles(database_url: str) -> dict[str, list[str]]:
    """Every task in the database, read directly (not through the cluster): title -> ids of the tasks with it."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT id, title FROM tasks")
    finally:
        await connection.close()
    titles: dict[str, list[str]] = {}
    for row in rows:
        titles.setdefault(row["title"], []).append(str(row["id"]))
    return titles
