"""`python -m tools.cluster start|stop|restart|status` (what `make cluster`, `make cluster-stop` and
`make cluster-restart` run). Settings come from the environment: REPLICAS (2), PORT (8080), DATABASE_URL (a
PostgreSQL; by default the database `todo_cluster`, created on the local server), CLUSTER_DIR (.cluster).

Exit status: 0 when done, 1 when the cluster could not be started, stopped or restarted (the reason on stderr).
"""

import argparse
import os
import sys
from pathlib import Path

from tools.cluster.database import local_database_url
from tools.cluster.haproxy import StatsSocket
from tools.cluster.lifecycle import rolling_restart, running_components, start_cluster, stop_cluster
from tools.cluster.plan import DEFAULT_PORT, DEFAULT_REPLICAS, ClusterPlan, load_plan, new_plan
from tools.cluster.processes import ClusterError


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    state_dir = Path(os.environ.get("CLUSTER_DIR", ".cluster"))
    try:
        if arguments.command == "start":
            _start(state_dir)
        elif arguments.command == "stop":
            stop_cluster(state_dir, report=print)
        elif arguments.command == "restart":
            rolling_restart(_running_plan(state_dir), report=print)
        else:
            _status(state_dir)
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    return 0


def _start(state_dir: Path) -> None:
    plan = new_plan(
        state_dir,
        upstream_url=os.environ.get("DATABASE_URL") or local_database_url(),
        replicas=_integer("REPLICAS", DEFAULT_REPLICAS),
        port=_integer("PORT", DEFAULT_PORT),
    )
    start_cluster(plan, report=print)
    print(f"Cluster serving on {plan.url} ({plan.replicas} replicas; state, logs and pid files in {state_dir}/)")
    print("Stop it with: make cluster-stop")


def _status(state_dir: Path) -> None:
    plan = _running_plan(state_dir)
    print(f"{plan.url}: running {', '.join(running_components(state_dir))}")
    for server in StatsSocket(plan.stats_socket).servers().values():
        print(f"  {server.name}: {server.status}, {server.total_sessions} requests, {server.connection_errors} failed")


def _running_plan(state_dir: Path) -> ClusterPlan:
    plan = load_plan(state_dir)
    if plan is None or "haproxy" not in running_components(state_dir):
        raise ClusterError(f"no cluster runs from {state_dir}/ (start one with make cluster)")
    return plan


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ClusterError(f"{name} must be a whole number (got {value!r})") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "restart", "status"])
    return parser


if __name__ == "__main__":
    sys.exit(main())
