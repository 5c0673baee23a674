"""The database goes away while the service runs: clients get 503 + Retry-After quickly, never a 500 or a hang,
and the same process serves again once the database is back, with no restart and no acknowledged write lost."""

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.features.service_status.query import SELECT_ONE
from app.shared.database.connections import PING_TIMEOUT_SECONDS
from tests.conftest import client_for, running_app
from tests.conftest import test_settings as settings_for
from tests.factories import signed_in_user
from tests.resilience.components import PostgresCluster, SleepyProxy
from tests.resilience.traffic import Outcome, steady_stream

CONNECT_TIMEOUT = 2.0
COMMAND_TIMEOUT = 2.0
# The longest any request may take while the database is away: a statement in flight waits out the command
# timeout; a checkout pings an idle connection, then connects anew. Plus slack for a busy CI machine.
SLOWEST_ANSWER = max(COMMAND_TIMEOUT, PING_TIMEOUT_SECONDS + CONNECT_TIMEOUT) + 1.0

pytestmark = pytest.mark.slow


def resilient_settings(database_url: str, **overrides: Any) -> Any:
    return settings_for(
        database_url,
        db_connect_timeout_seconds=CONNECT_TIMEOUT,
        db_command_timeout_seconds=COMMAND_TIMEOUT,
        **overrides,
    )


async def warm_pool(http: httpx.AsyncClient, app: FastAPI, connections: int = 6) -> None:
    """Leaves several connections sitting in the pool, as a server under steady traffic has."""
    responses = await asyncio.gather(*(http.get("/health/ready") for _ in range(connections)))
    assert [response.status_code for response in responses] == [200] * connections
    assert app.state.kernel.database.idle_connections >= 2


async def timed_get(http: httpx.AsyncClient, path: str, **options: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(http.get(path, **options), timeout=SLOWEST_ANSWER * 2)
    return response, time.monotonic() - started


async def test_while_the_database_is_down_data_routes_answer_503_and_health_stays_up(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    async with running_app(resilient_settings(cluster_database)) as app, client_for(app) as http:
        user = await signed_in_user(app.state.kernel)
        await warm_pool(http, app)
        await cluster.stop_async()

        for path in ("/health/ready", "/api/tasks"):
            response, seconds = await timed_get(http, path, headers=user.headers)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["Retry-After"] == "5"
            assert seconds < SLOWEST_ANSWER
        health, _ = await timed_get(http, "/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})

        await cluster.start_async()
        ready, _ = await timed_get(http, "/health/ready")
        tasks = await http.get("/api/tasks", headers=user.headers)
        assert (ready.status_code, tasks.status_code, tasks.json()) == (200, 200, [])


async def test_a_restart_with_connections_sitting_in_the_pool_goes_unnoticed(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    async with running_app(resilient_settings(cluster_database)) as app, client_for(app) as http:
        await warm_pool(http, app)
        await cluster.stop_async()
        await cluster.start_async()

        # Every pooled connection is dead now; each must be replaced at checkout, not handed to a request.
        responses = await asyncio.gather(*(http.get("/health/ready") for _ in range(6)))
        assert [response.status_code for response in responses] == [200] * 6


async def test_requests_during_an_outage_get_201_or_503_and_every_201_is_kept(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    async with running_app(resilient_settings(cluster_database)) as app, client_for(app) as http:
        user = await signed_in_user(app.state.kernel)

        async def create(client: int, attempt: int) -> httpx.Response:
            return await http.post("/api/tasks", json={"title": f"task {client}-{attempt}"}, headers=user.headers)

        stop = asyncio.Event()
        stream = asyncio.create_task(steady_stream(create, clients=6, stop=stop, timeout=SLOWEST_ANSWER))
        await asyncio.sleep(0.5)
        await cluster.stop_async()
        await asyncio.sleep(2)
        await cluster.start_async()
        await asyncio.sleep(1)
        stop.set()
        outcomes = await stream

        statuses = {outcome.status for outcome in outcomes}
        assert statuses <= {201, 503}, [outcome for outcome in outcomes if outcome.status not in {201, 503}][:3]
        assert 503 in statuses, "the outage was never observed: the test proves nothing"
        assert all(outcome.retry_after == "5" for outcome in outcomes if outcome.status == 503)
        assert max(outcome.seconds for outcome in outcomes) < SLOWEST_ANSWER
        # Recovered on its own: each client's last requests, sent after the restart, succeeded.
        assert all(outcome.status == 201 for outcome in _last_per_client(outcomes))

        created = {outcome.body["id"] for outcome in outcomes if outcome.status == 201}
        listed = await http.get("/api/tasks", params={"limit": 1000}, headers=user.headers)
        assert listed.status_code == 200
        assert created <= {task["id"] for task in listed.json()}
        tally = Counter(outcome.status for outcome in outcomes)
        slowest = max(outcome.seconds for outcome in outcomes)
        print(f"\noutage stream: {dict(tally)} by status, slowest {slowest:.3f} s, every 201 read back")


def _last_per_client(outcomes: list[Outcome]) -> list[Outcome]:
    last: dict[int, Outcome] = {}
    for outcome in outcomes:
        last[outcome.client] = outcome
    return list(last.values())


async def test_a_serverless_database_waking_up_serves_the_first_request(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    proxy = SleepyProxy(cluster.port, wake_delay=0.7)
    await proxy.start()
    database = cluster_database.rsplit("/", 1)[1]
    try:
        async with running_app(resilient_settings(proxy.url(database))) as app, client_for(app) as http:
            user = await signed_in_user(app.state.kernel)
            await warm_pool(http, app)
            await proxy.suspend()
            # Neon suspends after minutes without traffic: the pool has long seen its connections closed.
            await asyncio.sleep(0.2)

            started = time.monotonic()
            first = await http.post("/api/tasks", json={"title": "after the wake"}, headers=user.headers)
            seconds = time.monotonic() - started
            assert first.status_code == 201, first.text
            print(f"\nfirst create after a wake: {first.status_code} in {seconds:.3f} s")
            assert proxy.wakes == 1
            listed = await http.get("/api/tasks", headers=user.headers)
            assert [task["title"] for task in listed.json()] == ["after the wake"]
    finally:
        await proxy.close()


async def test_a_database_that_stops_answering_is_503_within_the_timeouts(
    cluster: PostgresCluster, cluster_database: str
) -> None:
    """A network partition: nothing is refused or closed, nothing answers. Timeouts, not the client, end it."""
    proxy = SleepyProxy(cluster.port)
    await proxy.start()
    database = cluster_database.rsplit("/", 1)[1]
    try:
        settings = resilient_settings(proxy.url(database), db_ping_idle_seconds=0.2)
        async with running_app(settings) as app, client_for(app) as http:
            await warm_pool(http, app)
            proxy.freeze()
            # Half find a recently used connection (command timeout), half one idle past the ping threshold.
            hot = [asyncio.create_task(timed_get(http, "/health/ready")) for _ in range(2)]
            await asyncio.sleep(0.3)
            idle = [asyncio.create_task(timed_get(http, "/health/ready")) for _ in range(2)]
            health, _ = await timed_get(http, "/health")
            answers = await asyncio.gather(*hot, *idle)

            assert health.status_code == 200
            assert [response.status_code for response, _ in answers] == [503] * 4
            assert all(response.headers["Retry-After"] == "5" for response, _ in answers)
            assert max(seconds for _, seconds in answers) < SLOWEST_ANSWER
            print(f"\npartition: 503 after {', '.join(f'{seconds:.2f}' for _, seconds in answers)} s")

            proxy.thaw()
            after, _ = await timed_get(http, "/health/ready")
            assert after.status_code == 200
    finally:
        await proxy.close()


async def test_when_every_pooled_connection_is_busy_a_request_is_503_after_the_pool_timeout(
    cluster_database: str,
) -> None:
    settings = resilient_settings(cluster_database, db_pool_size=1, db_pool_timeout_seconds=0.5)
    async with running_app(settings) as app, client_for(app) as http:
        async with app.state.kernel.database.session() as holder:
            await holder.run(SELECT_ONE)  # holds the only connection
            response, seconds = await timed_get(http, "/health/ready")
        after, _ = await timed_get(http, "/health/ready")

    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")
    assert 0.5 <= seconds < SLOWEST_ANSWER
    assert after.status_code == 200
