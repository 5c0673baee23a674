"""The pool's waiting line: a released connection goes to the oldest waiter, never to a request that came later.

asyncpg's pool alone fails the first test: a waiter woken by a release loses the connection to a request that
arrives before it runs, and goes back to the end of the line.
"""

import asyncio
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, select

from app.shared.fair_queue import FairQueue, QueueTimeoutError
from app.shared.for_slices import Statement
from tests.conftest import client_for
from tests.factories import signed_in_user

ECHO = Statement(select(bindparam("n", type_=Integer).label("n")))


async def _settle() -> None:
    """Lets every task that can run, run (a waiter's wake-up takes more than one loop turn)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_released_slot_goes_to_the_oldest_waiter_not_to_a_newcomer() -> None:
    line = FairQueue(1)
    await line.enter(within=1)
    served: list[str] = []

    async def wait_then_leave(name: str) -> None:
        await line.enter(within=1)
        served.append(name)
        await _settle()
        line.leave()

    first = asyncio.create_task(wait_then_leave("first"))
    await _settle()
    line.leave()
    # Arrives between the release and the woken waiter's first step: the moment asyncpg's pool lets it cut in.
    newcomer = asyncio.create_task(wait_then_leave("newcomer"))
    await asyncio.gather(first, newcomer)
    assert served == ["first", "newcomer"]


async def test_a_waiter_past_its_bound_leaves_the_line_and_loses_no_slot() -> None:
    line = FairQueue(1)
    await line.enter(within=1)
    with pytest.raises(QueueTimeoutError):
        await line.enter(within=0.05)
    line.leave()
    await asyncio.wait_for(line.enter(within=1), timeout=1)  # the slot is still there for the next one


async def test_a_slot_handed_to_a_waiter_that_is_cancelled_goes_on_to_the_next() -> None:
    line = FairQueue(1)
    await line.enter(within=1)
    doomed = asyncio.create_task(line.enter(within=5))
    patient = asyncio.create_task(line.enter(within=5))
    await _settle()
    line.leave()  # hands the slot to `doomed`...
    doomed.cancel()  # ...which is cancelled before it runs: the slot must reach `patient`
    await asyncio.wait_for(patient, timeout=1)
    assert doomed.cancelled()


async def test_requests_waiting_for_the_one_connection_get_it_in_arrival_order(app_with: Any) -> None:
    async with app_with(db_pool_size=1, db_pool_timeout_seconds=30) as app:
        database = app.state.kernel.database
        served: list[int] = []

        async def query(n: int) -> None:
            async with database.session() as session:
                served.append(await session.scalar(ECHO, n=n))
                await _settle()

        all_waiting = asyncio.Event()

        async def hold_then_come_back() -> None:
            async with database.session() as holder:
                served.append(await holder.scalar(ECHO, n=0))  # the only connection, while others line up
                await all_waiting.wait()
            # A client that asks again the moment it gave the connection back: asyncpg's pool hands it the
            # connection before the woken waiter runs; a fair line puts it behind everyone already waiting.
            await query(99)

        holder = asyncio.create_task(hold_then_come_back())
        await _settle()
        waiters = []
        for n in range(1, 11):
            waiters.append(asyncio.create_task(query(n)))
            await _settle()
        all_waiting.set()
        await asyncio.wait_for(asyncio.gather(holder, *waiters), timeout=30)
    assert served == [0, *range(1, 11), 99]


async def test_past_the_bound_a_request_is_answered_503_with_retry_after(app_with: Any) -> None:
    async with app_with(db_pool_size=1, db_pool_timeout_seconds=0.2) as app, client_for(app) as client:
        user = await signed_in_user(app.state.kernel)
        database = app.state.kernel.database
        async with database.session() as holder:
            await holder.scalar(ECHO, n=0)
            answer = await client.get("/api/tasks", headers=user.headers)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert answer.json()["detail"] == "The service is busy: too many requests are waiting; retry shortly"
        # The line is empty again: the next request is served.
        assert (await client.get("/api/tasks", headers=user.headers)).status_code == 200
