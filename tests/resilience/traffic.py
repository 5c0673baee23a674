"""A steady stream of requests from several concurrent clients, each outcome recorded with its timing."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

# Bounds the stream whatever happens: no test may turn into a load test.
MAX_REQUESTS_PER_CLIENT = 500
PAUSE_BETWEEN_REQUESTS = 0.02


@dataclass(frozen=True)
class Outcome:
    client: int
    status: int | None  # None: no answer within the timeout
    seconds: float
    retry_after: str | None
    body: Any


async def steady_stream(
    send: Callable[[int, int], Awaitable[httpx.Response]],
    *,
    clients: int,
    stop: asyncio.Event,
    timeout: float,
) -> list[Outcome]:
    """Runs `send(client, attempt)` in a loop per client until `stop` is set; never raises for a slow answer."""

    async def client_loop(client: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for attempt in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set():
                break
            started = time.monotonic()
            try:
                response = await asyncio.wait_for(send(client, attempt), timeout=timeout)
            except TimeoutError:
                outcomes.append(Outcome(client, None, time.monotonic() - started, None, None))
                continue
            body = response.json() if response.content else None
            outcomes.append(
                Outcome(
                    client, response.status_code, time.monotonic() - started, response.headers.get("Retry-After"), body
                )
            )
            await asyncio.sleep(PAUSE_BETWEEN_REQUESTS)
        return outcomes

    per_client = await asyncio.gather(*(client_loop(client) for client in range(clients)))
    return [outcome for outcomes in per_client for outcome in outcomes]
