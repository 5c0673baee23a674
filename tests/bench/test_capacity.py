"""bench/capacity.py's arithmetic, and the report section built on it, checked against sums done by hand."""

import pytest

from bench.capacity import PerRequest, plan
from bench.capacity_report import capacity_arithmetic, measured
from bench.figures import APP, Results, served_name
from bench.load import Run
from bench.postgres import TransactionCount

COSTS = PerRequest(app_cpu_ms=0.5, pg_cpu_ms=0.2, transactions=1.5, busy_ms=0.35)


def test_a_rate_becomes_cores_replicas_and_connections() -> None:
    done = plan(COSTS, 10_000, pool_size=20, utilisation=0.5, replica_cores=2, pooler_clients=10_000, round_trip_ms=1.0)
    assert done.app_cores == pytest.approx(10.0)  # 10 000 * 0.5 ms = 5 cores busy, at half of each
    assert (done.replicas, done.workers, done.client_connections) == (5, 10, 200)
    assert done.pg_cores == pytest.approx(4.0)  # 10 000 * 0.2 ms ÷ 0.5
    assert done.transactions_per_s == pytest.approx(15_000)
    assert done.server_connections == pytest.approx(7.0)  # Little: 10 000/s * 0.35 ms ÷ 0.5
    # 1.5 transactions, each 1 ms longer on the wire: 10 000/s * (0.35 + 1.5) ms / 0.5 = 37, 4 per worker of 10.
    assert done.server_connections_remote == pytest.approx(37.0)
    assert (done.pool_size_needed, done.pool_size_allowed) == (4, 1_000)


def test_replicas_round_up_and_never_fall_to_none() -> None:
    assert plan(COSTS, 4_200, pool_size=20, utilisation=1.0, replica_cores=2).replicas == 2  # 2.1 cores
    tiny = plan(COSTS, 1, pool_size=5, utilisation=1.0, replica_cores=4)
    assert (tiny.replicas, tiny.workers, tiny.client_connections) == (1, 4, 20)


def test_the_pool_a_worker_needs_is_its_share_of_the_busy_connections_rounded_up() -> None:
    heavy = PerRequest(app_cpu_ms=1.0, pg_cpu_ms=None, transactions=1.0, busy_ms=5.0)
    done = plan(heavy, 100_000, pool_size=20, utilisation=1.0, replica_cores=4, pooler_clients=10_000, round_trip_ms=0)
    assert (done.workers, done.server_connections_remote) == (100, pytest.approx(500.0))
    assert (done.pool_size_needed, done.pool_size_allowed) == (5, 100)


def test_what_was_not_measured_stays_unknown() -> None:
    done = plan(PerRequest(app_cpu_ms=1.0, pg_cpu_ms=None, transactions=None, busy_ms=0.5), 1_000, pool_size=20)
    assert done.server_connections == pytest.approx(1_000 * 0.5 / 1000 / 0.7)
    assert (done.pg_cores, done.transactions_per_s, done.server_connections_remote) == (None, None, None)
    assert done.pool_size_needed is None


def run(target: str, requests: int, cpu_s: float, *, pg_cpu_s: float = 0.0, busy_ms: float = 0.0) -> Run:
    return Run(
        section="main" if target == APP else "workers",
        workload="get",
        target=target,
        connections=100,
        round=1,
        requests=requests,
        seconds=10.0,
        p50_ms=1.0,
        p99_ms=2.0,
        p999_ms=3.0,
        max_ms=4.0,
        slow_pct=0.0,
        statuses={200: requests},
        socket_errors={},
        server_cpu_s=cpu_s,
        pg_cpu_s=pg_cpu_s,
        peak_rss_mb=100.0,
        group_rss_mb=100.0,
        connections_opened=0,
        transactions=TransactionCount(start=0, count=requests, busy_ms=busy_ms, settled=True),
        round_trips=requests,
        idle_before_s=None,
    )


def test_the_report_plans_with_the_costlier_of_the_two_app_cpu_figures() -> None:
    results = Results(facts={}, settings={}, pool_size=20)
    results.main = [run(APP, 10_000, 4.0, pg_cpu_s=1.0, busy_ms=3_000.0)]  # 0.4 ms, 0.1 ms, 0.3 ms
    results.workers = [run(served_name(2), 10_000, 5.0)]  # 0.5 ms, supervisor included
    costs = measured(results, "get")
    assert costs is not None
    assert (costs.app_cpu_ms, costs.pg_cpu_ms, costs.transactions, costs.busy_ms) == pytest.approx((0.5, 0.1, 1, 0.3))
    text = "\n".join(capacity_arithmetic(results))
    # 1 000 rps * 0.5 ms ÷ 0.7 = 0.7 cores: one replica of 2 workers, 40 client connections.
    # Busy 0.3 ms / 0.7 = 0.4 connections; with 1 ms more for its one transaction, 1.3 / 0.7 = 1.9.
    assert "| get | 1,000 | 0.7 | 1 | 2 | 40 | 0.1 | 1,000 | 0.4 | 1.9 | 1 | 5,000 |" in text


def test_without_app_runs_the_section_says_so() -> None:
    assert "Not computed" in capacity_arithmetic(Results(facts={}, settings={}))[-1]
