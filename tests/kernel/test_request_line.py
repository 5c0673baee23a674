"""The front door's line: at most MAX_REQUESTS_IN_FLIGHT API requests are worked on at once, the rest wait their
turn in arrival order, and one that waits past REQUEST_QUEUE_TIMEOUT_SECONDS is answered 503."""

import asyncio
from typing import Any

from sqlalchemy import Integer, bindparam, select

from app.shared.for_slices import Statement
from tests.conftest import client_for
from tests.factories import signed_in_user

ECHO = Statement(select(bindparam("n", type_=Integer).label("n")))


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_api_requests_are_served_in_arrival_order_one_at_a_time(app_with: Any) -> None:
    async with (
        app_with(max_requests_in_flight=1, db_pool_size=1, db_pool_timeout_seconds=30) as app,
        client_for(app) as client,
    ):
        user = await signed_in_user(app.state.kernel)
        finished: list[int] = []

        async def list_tasks(n: int) -> None:
            response = await client.get("/api/tasks", headers=user.headers | {"X-Request-ID": f"r{n}"})
            assert response.status_code == 200
            finished.append(n)

        async with app.state.kernel.database.session() as holder:
            await holder.scalar(ECHO, n=0)  # the first request gets its turn, then waits for this connection
            requests = []
            for n in range(1, 9):
                requests.append(asyncio.create_task(list_tasks(n)))
                await _settle()
            # Service routes never wait behind the API's line.
            assert (await client.get("/health")).status_code == 200
            assert finished == []
        await asyncio.wait_for(asyncio.gather(*requests), timeout=30)
    assert finished == list(range(1, 9))


async def test_past_the_bound_a_waiting_request_is_answered_503_with_retry_after(app_with: Any) -> None:
    async with (
        app_with(
            max_requests_in_flight=1, request_queue_timeout_seconds=0.2, db_pool_size=1, db_pool_timeout_seconds=30
        ) as app,
        client_for(app) as client,
    ):
        user = await signed_in_user(app.state.kernel)
        async with app.state.kernel.database.session() as holder:
            await holder.scalar(ECHO, n=0)
            inside = asyncio.create_task(client.get("/api/tasks", headers=user.headers))
            await _settle()
            refused = await client.get("/api/tasks", headers=user.headers)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert refused.json() == {
            "detail": "The service is busy: too many requests are waiting; retry shortly",
            "message": "The service is busy: too many requests are waiting; retry shortly",
        }
        assert refused.headers["X-Request-ID"]  # answered by the front door, with its usual headers
        assert (await inside).status_code == 200
        assert (await client.get("/api/tasks", headers=user.headers)).status_code == 200
