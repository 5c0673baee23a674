"""The replicas: each is `python -m app.serving` (the served configuration, app/serving/) on a port of its own,
the leader of a process group that holds its uvicorn supervisor and workers. `.cluster/replica-<n>.pid` holds that
group's id: one signal to the group reaches all of the replica.
"""

import os
import sys
from pathlib import Path

import httpx

from tools.cluster.database import parse_upstream, pooled_url
from tools.cluster.plan import ClusterPlan
from tools.cluster.processes import ClusterError, group_alive, spawn, tail, wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60.0
# Each replica has one worker unless WORKERS says otherwise: here the replicas are what scales, and each worker
# holds a database pool of its own.
DEFAULT_WORKERS = "1"


def component(replica: int) -> str:
    return f"replica-{replica}"


def replica_environment(plan: ClusterPlan, replica: int) -> dict[str, str]:
    """What the replica reads on top of the environment and `.env`: where to listen and what to share."""
    return {
        **os.environ,
        "WORKERS": os.environ.get("WORKERS", DEFAULT_WORKERS),
        **plan.replica_environment,
        "HOST": "127.0.0.1",
        "PORT": str(plan.replica_ports[replica - 1]),
        "DATABASE_URL": pooled_url(parse_upstream(plan.upstream_url), plan.pgbouncer_port),
        "DATABASE_POOLED": "true",
        "REDIS_URL": plan.redis_url,
    }


def start_replica(plan: ClusterPlan, replica: int) -> int:
    """Starts replica `replica` (1-based) and returns once it answers ready on its own port."""
    name = component(replica)
    log = plan.log(name)
    group = spawn(
        [sys.executable, "-m", "app.serving"],
        log=log,
        pidfile=plan.pidfile(name),
        env=replica_environment(plan, replica),
        cwd=PROJECT_ROOT,
    )
    url = f"{plan.replica_url(replica)}/health/ready"

    def ready() -> bool:
        if not group_alive(group):
            raise ClusterError(f"{name} exited while starting:\n{tail(log)}")
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    if not wait_until(ready, timeout=READY_TIMEOUT_SECONDS, interval=0.2):
        raise ClusterError(f"{name} was not ready on {url} within {READY_TIMEOUT_SECONDS:g}s:\n{tail(log)}")
    return group
