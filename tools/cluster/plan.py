"""What a cluster is made of: its ports, its state directory and the settings its replicas get, kept as JSON in
the state directory so that stop and restart, run later from another process, act on the same cluster.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.cluster.processes import ClusterError, free_ports

PLAN_FILE = "cluster.json"
DEFAULT_REPLICAS = 2
DEFAULT_PORT = 8080


@dataclass(frozen=True)
class ClusterPlan:
    state_dir: Path
    port: int  # haproxy's, the cluster's one public port
    replica_ports: tuple[int, ...]
    pgbouncer_port: int
    redis_port: int
    # The PostgreSQL that PgBouncer pools, as a libpq URL (the cluster's database lives there).
    upstream_url: str
    # Settings every replica gets on top of the environment it inherits (tests narrow limits through these).
    replica_environment: dict[str, str] = field(default_factory=dict)

    @property
    def replicas(self) -> int:
        return len(self.replica_ports)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, replica: int) -> str:
        return f"http://127.0.0.1:{self.replica_ports[replica - 1]}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def stats_socket(self) -> Path:
        return self.state_dir / "haproxy.sock"

    def pidfile(self, component: str) -> Path:
        return self.state_dir / f"{component}.pid"

    def log(self, component: str) -> Path:
        return self.state_dir / f"{component}.log"

    def save(self) -> None:
        values = asdict(self) | {"state_dir": str(self.state_dir)}
        (self.state_dir / PLAN_FILE).write_text(json.dumps(values, indent=2) + "\n")


def new_plan(
    state_dir: Path,
    *,
    upstream_url: str,
    replicas: int = DEFAULT_REPLICAS,
    port: int = DEFAULT_PORT,
    replica_environment: dict[str, str] | None = None,
) -> ClusterPlan:
    """A plan on free ports (the public one excepted, which is asked for), in `state_dir`."""
    if replicas < 1:
        raise ClusterError(f"REPLICAS must be at least 1 (got {replicas})")
    *replica_ports, pgbouncer_port, redis_port = free_ports(replicas + 2)
    return ClusterPlan(
        state_dir=state_dir.resolve(),
        port=port,
        replica_ports=tuple(replica_ports),
        pgbouncer_port=pgbouncer_port,
        redis_port=redis_port,
        upstream_url=upstream_url,
        replica_environment=dict(replica_environment or {}),
    )


def load_plan(state_dir: Path) -> ClusterPlan | None:
    """The plan of the cluster last started in `state_dir`, or None when none was."""
    try:
        values = json.loads((state_dir / PLAN_FILE).read_text())
    except FileNotFoundError:
        return None
    return ClusterPlan(
        state_dir=Path(values["state_dir"]),
        port=values["port"],
        replica_ports=tuple(values["replica_ports"]),
        pgbouncer_port=values["pgbouncer_port"],
        redis_port=values["redis_port"],
        upstream_url=values["upstream_url"],
        replica_environment=values["replica_environment"],
    )
