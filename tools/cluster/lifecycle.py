"""Starting, stopping and rolling-restarting a cluster, each a sequence of steps on the plan's components."""

import contextlib
import signal
from collections.abc import Callable
from pathlib import Path

from tools.cluster.database import parse_upstream
from tools.cluster.haproxy import StatsSocket, server_name, start_haproxy
from tools.cluster.pgbouncer import start_pgbouncer
from tools.cluster.plan import ClusterPlan, load_plan
from tools.cluster.processes import ClusterError, group_alive, read_group, stop_group, wait_until
from tools.cluster.redis import start_redis
from tools.cluster.replicas import component, start_replica

# haproxy marks a replica up after 2 good checks 500 ms apart; this allows for a loaded machine.
MARKED_TIMEOUT_SECONDS = 20.0
# uvicorn's graceful shutdown waits up to GRACEFUL_SHUTDOWN_SECONDS (30 by default) for requests in flight.
GRACEFUL_STOP_TIMEOUT_SECONDS = 40.0

Report = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def running_components(state_dir: Path) -> list[str]:
    """The components whose pid file names a process group that still runs."""
    running = []
    for pidfile in sorted(state_dir.glob("*.pid")):
        group = read_group(pidfile)
        if group is not None and group_alive(group):
            running.append(pidfile.stem)
    return running


def start_cluster(plan: ClusterPlan, report: Report = _quiet) -> None:
    """Starts every component in dependency order; if one fails, stops those already started and raises."""
    plan.state_dir.mkdir(parents=True, exist_ok=True)
    if running := running_components(plan.state_dir):
        raise ClusterError(f"a cluster already runs from {plan.state_dir} ({', '.join(running)}); stop it first")
    plan.save()
    try:
        start_redis(
            port=plan.redis_port, directory=plan.state_dir, log=plan.log("redis"), pidfile=plan.pidfile("redis")
        )
        report(f"redis-server on 127.0.0.1:{plan.redis_port}")
        start_pgbouncer(
            directory=plan.state_dir / "pgbouncer",
            port=plan.pgbouncer_port,
            upstream=parse_upstream(plan.upstream_url),
            log=plan.log("pgbouncer"),
            pidfile=plan.pidfile("pgbouncer"),
        )
        report(f"pgbouncer (transaction mode) on 127.0.0.1:{plan.pgbouncer_port}")
        for replica in range(1, plan.replicas + 1):
            start_replica(plan, replica)
            report(f"{component(replica)} ready on {plan.replica_url(replica)}")
        start_haproxy(plan)
        stats = StatsSocket(plan.stats_socket)
        for replica in range(1, plan.replicas + 1):
            wait_for_state(stats, replica, "UP")
        report(f"haproxy on {plan.url}, every replica UP")
    except BaseException:
        stop_cluster(plan.state_dir)
        raise


def stop_cluster(state_dir: Path, report: Report = _quiet) -> None:
    """Stops whatever of the cluster runs: the front first, so nothing is accepted that could not be served."""
    plan = load_plan(state_dir)
    replicas = [component(number) for number in range(1, plan.replicas + 1)] if plan else []
    leftovers = [pidfile.stem for pidfile in sorted(state_dir.glob("replica-*.pid")) if pidfile.stem not in replicas]
    for name in ["haproxy", *replicas, *leftovers, "pgbouncer", "redis"]:
        pidfile = state_dir / f"{name}.pid"
        if pidfile.exists():
            stop_group(pidfile, timeout=GRACEFUL_STOP_TIMEOUT_SECONDS)
            report(f"stopped {name}")
    with contextlib.suppress(FileNotFoundError):
        (state_dir / "haproxy.sock").unlink()


def rolling_restart(plan: ClusterPlan, report: Report = _quiet) -> None:
    """Restarts each replica in turn without failing a request: haproxy drains it (no new request goes to it),
    the requests in flight on it finish, SIGTERM stops it gracefully, it starts again, and it takes traffic once
    haproxy's own checks find it ready. Needs two replicas or more: with one, nothing serves meanwhile.
    """
    stats = StatsSocket(plan.stats_socket)
    for replica in range(1, plan.replicas + 1):
        _restart(plan, stats, replica)
        report(f"{component(replica)} restarted and UP")


def _restart(plan: ClusterPlan, stats: StatsSocket, replica: int) -> None:
    stats.set_state(replica, "drain")
    if not wait_until(lambda: stats.server(replica).current_sessions == 0, timeout=GRACEFUL_STOP_TIMEOUT_SECONDS):
        raise ClusterError(f"{component(replica)} still had requests in flight after draining")
    stop_group(plan.pidfile(component(replica)), gently=signal.SIGTERM, timeout=GRACEFUL_STOP_TIMEOUT_SECONDS)
    start_replica(plan, replica)
    stats.set_state(replica, "ready")
    wait_for_state(stats, replica, "UP")


def wait_for_state(stats: StatsSocket, replica: int, status: str, timeout: float = MARKED_TIMEOUT_SECONDS) -> None:
    if not wait_until(lambda: stats.server(replica).status == status, timeout=timeout, interval=0.1):
        raise ClusterError(
            f"haproxy did not mark {server_name(replica)} {status} within {timeout:g}s "
            f"(it is {stats.server(replica).status})"
        )
