"""A real cluster per test (tools/cluster: haproxy, replicas of `python -m app.serving`, PgBouncer, Redis), on free
ports, in a state directory of its own, against a throwaway PostgreSQL database; stopped whatever happened.
"""

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, throwaway_postgres_database
from tools.cluster.lifecycle import start_cluster, stop_cluster
from tools.cluster.pgbouncer import pgbouncer_binary
from tools.cluster.plan import ClusterPlan, new_plan
from tools.cluster.processes import free_ports, tail

StartCluster = Callable[..., ClusterPlan]


def require_cluster_packages() -> None:
    missing = [name for name in ("haproxy", "redis-server") if shutil.which(name) is None]
    missing += [] if pgbouncer_binary() else ["pgbouncer"]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (tools/cluster/install-packages installs them; .ci/run runs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the cluster tests must run)")
    pytest.skip(reason)


@pytest.fixture
async def cluster_database() -> AsyncIterator[str]:
    async with throwaway_postgres_database() as url:
        yield url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test, so the fixture below knows at teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def print_logs_of(state_dir: Path) -> None:
    """What each component said, for a failed test: the cluster's directory is removed after it."""
    for log in sorted(state_dir.glob("*.log")):
        print(f"--- {log.name} (last lines)\n{tail(log, 40)}")


@pytest.fixture
def start_test_cluster(request: pytest.FixtureRequest, cluster_database: str) -> Iterator[StartCluster]:
    """`start_test_cluster(RATE_LIMIT_AUTH="5/minute", …)`: a running cluster whose replicas get those settings."""
    require_cluster_packages()
    # A short path of its own: haproxy's stats socket path must fit in 108 bytes.
    state_dir = Path(tempfile.mkdtemp(prefix="todo-cluster-"))
    state_dir.chmod(0o755)  # PgBouncer runs as the postgres user and reads its ini below it

    def start(**settings: str) -> ClusterPlan:
        plan = new_plan(
            state_dir,
            upstream_url=cluster_database,
            port=free_ports(1)[0],
            replica_environment={
                "BETTER_AUTH_SECRET": TEST_SECRET,
                "APP_ENV": "test",
                "AUTO_MIGRATE": "true",  # the test process itself sets it false for its in-process apps
                "BCRYPT_ROUNDS": "4",
                "RATE_LIMIT_ENABLED": "false",
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                "WORKERS": "1",
                "DB_POOL_SIZE": "5",
            }
            | settings,
        )
        start_cluster(plan)
        return plan

    try:
        yield start
    finally:
        stop_cluster(state_dir)
        if getattr(request.node, "report_call", None) is None or request.node.report_call.failed:
            print_logs_of(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)
