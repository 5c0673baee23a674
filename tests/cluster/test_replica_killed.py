"""A replica killed with SIGKILL in the middle of a write load.

What must hold: every create the client saw acknowledged is in the database; once haproxy has marked the dead
replica down, not one more request is sent to it (its counters stop); the only failed attempts are those that
were in flight on it when it died; and the client, retrying those with the same Idempotency-Key, ends with
exactly one task per key.
"""

import asyncio
import os
import signal
import time

import pytest

from tests.cluster.client import WriteLoad, sign_up, stored_titles
from tests.cluster.conftest import StartCluster
from tests.cluster.haproxy_log import logged_requests
from tools.cluster.haproxy import ServerStats, StatsSocket, server_name
from tools.cluster.processes import group_alive, read_group

pytestmark = pytest.mark.slow

CONCURRENCY = 8
KILL_AFTER_ACKNOWLEDGED = 60
# Creates acknowledged after the dead replica was marked down, before the load stops: the traffic that must all
# go to the live one.
CREATES_AFTER_MARKED_DOWN = 150
KILLED = 1  # the replica killed
# Bounds, so a hang fails the test instead of stalling the run; no assertion is made on time.
LOAD_TIMEOUT_SECONDS = 300  # a retried key may wait out a dead request's 2-minute claim (tests/cluster/client.py)
MARKED_DOWN_TIMEOUT_SECONDS = 30


async def test_a_replica_killed_mid_load_loses_no_acknowledged_write(
    start_test_cluster: StartCluster, cluster_database: str
) -> None:
    plan = start_test_cluster(RATE_LIMIT_ENABLED="false")
    stats = StatsSocket(plan.stats_socket)
    load = WriteLoad(plan.url, await sign_up(plan.url), concurrency=CONCURRENCY)
    running = asyncio.create_task(asyncio.wait_for(load.run(), LOAD_TIMEOUT_SECONDS))

    await asyncio.wait_for(load.until_acknowledged(KILL_AFTER_ACKNOWLEDGED), LOAD_TIMEOUT_SECONDS)
    group = read_group(plan.pidfile(f"replica-{KILLED}"))
    assert group is not None
    os.killpg(group, signal.SIGKILL)  # the replica's uvicorn supervisor and its worker, at once
    # The signal is delivered asynchronously: a request sent just after it may still be accepted by the dying
    # replica. What counts is when every process of it is gone (seen from /proc, so a little later still).
    await asyncio.wait_for(_dead(group), MARKED_DOWN_TIMEOUT_SECONDS)
    dead_at = time.monotonic()
    marked_down = await asyncio.wait_for(_marked_down(stats), MARKED_DOWN_TIMEOUT_SECONDS)
    marked_down_after = time.monotonic() - dead_at
    await asyncio.wait_for(
        load.until_acknowledged(len(load.acknowledged) + CREATES_AFTER_MARKED_DOWN), LOAD_TIMEOUT_SECONDS
    )
    load.stop()
    await running
    after = stats.server(KILLED)

    # No request reached the dead replica once it was marked down: its counters stood still.
    assert after.status == "DOWN"
    assert after.total_sessions == marked_down.total_sessions
    assert after.connection_errors == marked_down.connection_errors

    # The only failures are attempts that were in flight on the killed replica when it died.
    failed = [attempt for attempt in load.attempts if attempt.failed]
    logged = logged_requests(plan.log("haproxy"))
    for attempt in failed:
        assert attempt.started < dead_at, f"{attempt} started after the replica died, and failed"
        assert attempt.request_id in logged, f"{attempt} is not in haproxy's log; the failures: {failed}"
        assert logged[attempt.request_id].server == server_name(KILLED), logged[attempt.request_id]
    # Requests sent to it between its death and its marking down never reached it: haproxy retried them, and the
    # live replica answered each (201, or 409 for a key whose first request died holding it).
    retried = [request for request in logged.values() if request.retries > 0]
    assert all(request.server != server_name(KILLED) and request.status in (201, 409) for request in retried), [
        request for request in retried if request.server == server_name(KILLED) or request.status not in (201, 409)
    ]

    # Every acknowledged create is stored, and each key made exactly one task (retries included).
    titles = await stored_titles(cluster_database)
    stored_ids = {task_id for ids in titles.values() for task_id in ids}
    assert set(load.acknowledged.values()) <= stored_ids
    assert len(load.acknowledged) == len(load.keys)
    duplicated = {key: ids for key, ids in titles.items() if len(ids) != 1}
    assert not duplicated, f"keys with more than one task (Idempotency-Key not honoured?): {duplicated}"
    assert set(titles) == set(load.keys)
    print(
        f"\nmarked down {marked_down_after:.2f}s after it died; "
        f"{len(failed)} attempts failed (in flight on the killed replica), "
        f"{sum(attempt.status == 409 for attempt in load.attempts)} answered 409 (key still claimed), "
        f"{len(retried)} requests retried by haproxy, {len(load.attempts)} attempts for {len(load.keys)} creates"
    )


async def _dead(group: int) -> None:
    while group_alive(group):
        await asyncio.sleep(0.001)


async def _marked_down(stats: StatsSocket) -> ServerStats:
    while True:
        server = await asyncio.to_thread(stats.server, KILLED)
        if server.status == "DOWN":
            return server
        await asyncio.sleep(0.05)
