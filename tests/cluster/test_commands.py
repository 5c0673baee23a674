"""`python -m tools.cluster start` and `stop`, as `make cluster` and `make cluster-stop` run them: the URL printed
answers, each replica's pid file holds its process group, and stop leaves nothing of the cluster running.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.cluster.conftest import require_cluster_packages
from tests.conftest import TEST_SECRET
from tools.cluster.processes import free_ports, group_alive, read_group
from tools.cluster.replicas import PROJECT_ROOT

pytestmark = pytest.mark.slow

COMMAND_TIMEOUT_SECONDS = 180
COMPONENTS = ["haproxy", "replica-1", "replica-2", "replica-3", "pgbouncer", "redis"]


def cluster_command(command: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cluster", command],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def test_start_prints_a_url_that_serves_and_stop_ends_every_process(cluster_database: str) -> None:
    require_cluster_packages()
    state_dir = Path(tempfile.mkdtemp(prefix="todo-cluster-"))
    state_dir.chmod(0o755)
    port = free_ports(1)[0]
    environment = os.environ | {
        "CLUSTER_DIR": str(state_dir),
        "PORT": str(port),
        "REPLICAS": "3",
        "DATABASE_URL": cluster_database,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "APP_ENV": "test",
        "AUTO_MIGRATE": "true",
        "BCRYPT_ROUNDS": "4",
        "DB_POOL_SIZE": "5",
    }
    try:
        started = cluster_command("start", environment)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Cluster serving on http://127.0.0.1:{port} (3 replicas" in started.stdout
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10).status_code == 200
        groups = {name: read_group(state_dir / f"{name}.pid") for name in COMPONENTS}
        for name, group in groups.items():
            assert group is not None, name
            assert os.getpgid(group) == group, f"{name}'s pid file holds {group}, which leads no process group"
        refused = cluster_command("start", environment)  # one cluster per state directory, left running
        assert refused.returncode == 1
        assert "a cluster already runs" in refused.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10).status_code == 200

        stopped = cluster_command("stop", environment)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert [name for name, group in groups.items() if group is not None and group_alive(group)] == []
        assert list(state_dir.glob("*.pid")) == []
    finally:
        cluster_command("stop", environment)
        shutil.rmtree(state_dir, ignore_errors=True)
