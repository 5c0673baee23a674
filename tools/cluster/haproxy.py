"""haproxy in front of the replicas: its configuration, rendered from haproxy.cfg.template, and its stats socket,
through which the state and counters of each replica are read and a replica is drained before a restart.
"""

import csv
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from string import Template

from tools.cluster.plan import ClusterPlan
from tools.cluster.processes import ClusterError, spawn, wait_for_port

TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
BACKEND = "replicas"
# Short enough that a dead replica is out of rotation about a second after it died (2 failed checks).
CHECK_INTERVAL = "500ms"


def server_name(replica: int) -> str:
    return f"replica-{replica}"


def render_config(plan: ClusterPlan) -> str:
    servers = "\n".join(
        f"    server {server_name(number)} 127.0.0.1:{port} check"
        for number, port in enumerate(plan.replica_ports, start=1)
    )
    return Template(TEMPLATE.read_text()).substitute(
        stats_socket=plan.stats_socket, port=plan.port, check_interval=CHECK_INTERVAL, servers=servers
    )


def start_haproxy(plan: ClusterPlan) -> int:
    binary = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if binary is None:
        raise ClusterError("haproxy is not installed (tools/cluster/install-packages installs it)")
    config = plan.state_dir / "haproxy.cfg"
    config.write_text(render_config(plan))
    log, pidfile = plan.log("haproxy"), plan.pidfile("haproxy")
    # -db: in the foreground, one process, so its pid file names the process that serves.
    group = spawn([binary, "-db", "-f", str(config)], log=log, pidfile=pidfile)
    wait_for_port(plan.port, group=group, name="haproxy", log=log)
    return group


@dataclass(frozen=True)
class ServerStats:
    """One replica as haproxy sees it (the fields of `show stat` that the cluster acts on)."""

    name: str
    status: str  # UP, DOWN, MAINT, or on the way: "UP 1/2", "DOWN 1/2"
    current_sessions: int  # requests in flight on it now
    total_sessions: int  # requests (connections, under http-server-close) ever sent to it
    connection_errors: int  # connections to it that failed
    retries: int  # connections to it retried
    redispatches: int  # requests moved from it to another replica

    @property
    def up(self) -> bool:
        return self.status == "UP"


class StatsSocket:
    """haproxy's admin socket: one command per connection."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.path))
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65_536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, ServerStats]:
        text = self.command("show stat").removeprefix("# ")
        rows = csv.DictReader(text.splitlines())
        return {
            row["svname"]: ServerStats(
                name=row["svname"],
                status=row["status"],
                current_sessions=int(row["scur"] or 0),
                total_sessions=int(row["stot"] or 0),
                connection_errors=int(row["econ"] or 0),
                retries=int(row["wretr"] or 0),
                redispatches=int(row["wredis"] or 0),
            )
            for row in rows
            if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def server(self, replica: int) -> ServerStats:
        return self.servers()[server_name(replica)]

    def set_state(self, replica: int, state: str) -> None:
        """`ready`, `drain` or `maint`, as haproxy's `set server` takes them."""
        answer = self.command(f"set server {BACKEND}/{server_name(replica)} state {state}").strip()
        if answer:
            raise ClusterError(f"haproxy refused to set {server_name(replica)} {state}: {answer}")
