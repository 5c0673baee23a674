"""A rolling restart under load (`make cluster-restart`): each replica in turn drained in haproxy, stopped with
SIGTERM (uvicorn's graceful shutdown), started, and put back once ready. Not one request fails, and no retry is
needed: every first attempt is answered 201.
"""

import asyncio
import time

import pytest

from tests.cluster.client import WriteLoad, sign_up, stored_titles
from tests.cluster.conftest import StartCluster
from tools.cluster.haproxy import StatsSocket
from tools.cluster.lifecycle import rolling_restart
from tools.cluster.processes import read_group

pytestmark = pytest.mark.slow

CONCURRENCY = 6
WARM_UP_CREATES = 30
CREATES_AFTER_RESTART = 30
LOAD_TIMEOUT_SECONDS = 240


async def test_a_rolling_restart_under_load_fails_no_request(
    start_test_cluster: StartCluster, cluster_database: str
) -> None:
    plan = start_test_cluster()
    stats = StatsSocket(plan.stats_socket)
    groups_before = [read_group(plan.pidfile(f"replica-{number}")) for number in range(1, plan.replicas + 1)]
    load = WriteLoad(plan.url, await sign_up(plan.url), concurrency=CONCURRENCY)
    running = asyncio.create_task(asyncio.wait_for(load.run(), LOAD_TIMEOUT_SECONDS))
    await asyncio.wait_for(load.until_acknowledged(WARM_UP_CREATES), LOAD_TIMEOUT_SECONDS)

    acknowledged_at_start = len(load.acknowledged)
    restart_started = time.monotonic()
    await asyncio.to_thread(rolling_restart, plan)
    restart_took = time.monotonic() - restart_started
    acknowledged_during = len(load.acknowledged) - acknowledged_at_start
    served_after_restart = {name: server.total_sessions for name, server in stats.servers().items()}
    await asyncio.wait_for(
        load.until_acknowledged(len(load.acknowledged) + CREATES_AFTER_RESTART), LOAD_TIMEOUT_SECONDS
    )
    load.stop()
    await running

    groups_after = [read_group(plan.pidfile(f"replica-{number}")) for number in range(1, plan.replicas + 1)]
    assert all(before != after for before, after in zip(groups_before, groups_after, strict=True))
    assert acknowledged_during > 0, "no request was served while the replicas restarted: the load proved nothing"
    failed = [attempt for attempt in load.attempts if attempt.status != 201]
    assert failed == []
    assert len(load.attempts) == len(load.keys)  # no retry was needed either
    # Every replica, restarted, takes its share of the traffic again.
    servers = stats.servers()
    assert all(server.up for server in servers.values()), servers
    assert all(servers[name].total_sessions > served_after_restart[name] for name in servers)
    titles = await stored_titles(cluster_database)
    assert sorted(titles) == sorted(load.keys)
    assert all(len(ids) == 1 for ids in titles.values())
    print(
        f"\nrestart took {restart_took:.1f}s; {acknowledged_during} creates acknowledged during it, "
        f"{len(load.keys)} in all, 0 failed"
    )
