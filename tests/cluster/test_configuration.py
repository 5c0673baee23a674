"""What the cluster writes before anything starts: haproxy's configuration (checked by haproxy itself) and the
PgBouncer target taken from DATABASE_URL, Neon's form included.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from tools.cluster.database import parse_upstream, pooled_url
from tools.cluster.haproxy import render_config
from tools.cluster.plan import new_plan
from tools.cluster.processes import ClusterError


def test_the_rendered_haproxy_configuration_is_valid_and_names_every_replica(tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("haproxy is not installed (tools/cluster/install-packages installs it)")
    plan = new_plan(tmp_path, upstream_url="postgresql://postgres@127.0.0.1:5432/todo", replicas=3, port=8080)
    config = tmp_path / "haproxy.cfg"
    config.write_text(render_config(plan))
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    servers = [line.split()[1:3] for line in config.read_text().splitlines() if line.strip().startswith("server ")]
    assert servers == [[f"replica-{n}", f"127.0.0.1:{port}"] for n, port in enumerate(plan.replica_ports, 1)]
    assert len({plan.port, plan.pgbouncer_port, plan.redis_port, *plan.replica_ports}) == 6


def test_a_neon_url_becomes_a_pgbouncer_target_with_its_password_and_tls() -> None:
    upstream = parse_upstream(
        "postgresql://alex:s3cr%40t@ep-cool-123.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require"
    )
    assert upstream.pgbouncer_target() == (
        "host=ep-cool-123.eu-central-1.aws.neon.tech port=5432 dbname=neondb user=alex password=s3cr@t"
    )
    assert upstream.tls_mode == "require"
    assert pooled_url(upstream, 6432) == "postgresql://alex@127.0.0.1:6432/todo"


def test_a_url_that_is_not_postgresql_is_refused() -> None:
    with pytest.raises(ClusterError, match="must be a PostgreSQL URL"):
        parse_upstream("sqlite+aiosqlite:///./todo.db")
