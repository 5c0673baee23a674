"""PgBouncer in transaction mode (what Neon's `-pooler` endpoint is), from Debian's package.

The ini is written here, for the cluster and for the resilience tests (tests/resilience/components.py) alike.
PgBouncer refuses to run as root: as root it is started with its own `-u postgres`, which keeps the process ours to
signal, and its directory is handed to that user.
"""

import os
import shutil
from pathlib import Path

from tools.cluster.database import POOLED_ALIAS, Upstream
from tools.cluster.processes import ClusterError, spawn, wait_for_port

POSTGRES_OS_USER = "postgres"
# More than replicas * workers * DB_POOL_SIZE (2 * 1 * 20 by default), with room for operators' psql.
MAX_CLIENT_CONNECTIONS = 500


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (str(path) for path in (Path("/usr/sbin/pgbouncer"),) if path.is_file()), None
    )


def pgbouncer_ini(
    *,
    databases: dict[str, str],
    listen_port: int,
    auth_file: Path,
    pool_size: int,
    unix_socket_dir: Path | None = None,
    logfile: Path | None = None,
    server_tls_sslmode: str | None = None,
) -> str:
    """An ini for PgBouncer in transaction mode on 127.0.0.1, trusting the users listed in `auth_file`."""
    lines = ["[databases]", *(f"{name} = {target}" for name, target in databases.items()), "[pgbouncer]"]
    lines += [
        "listen_addr = 127.0.0.1",
        f"listen_port = {listen_port}",
        # Empty: no Unix socket, so nothing needs writing where the postgres user may not reach.
        f"unix_socket_dir = {unix_socket_dir or ''}",
        "auth_type = trust",
        f"auth_file = {auth_file}",
        "pool_mode = transaction",
        f"default_pool_size = {pool_size}",
        f"max_client_conn = {MAX_CLIENT_CONNECTIONS}",
        # asyncpg sends these at start-up; PgBouncer would refuse the connection over an unknown one.
        "ignore_startup_parameters = extra_float_digits,options,application_name",
    ]
    if logfile is not None:
        lines.append(f"logfile = {logfile}")
    if server_tls_sslmode is not None:
        lines.append(f"server_tls_sslmode = {server_tls_sslmode}")
    return "\n".join([*lines, ""])


def write_auth_file(path: Path, users: list[str]) -> None:
    path.write_text("".join(f'"{user}" ""\n' for user in users))


def hand_to_postgres_user(directory: Path) -> None:
    """As root, gives `directory` and what is in it to the postgres user, whom PgBouncer runs as."""
    if os.geteuid() != 0:
        return
    for path in (directory, *directory.iterdir()):
        shutil.chown(path, POSTGRES_OS_USER, POSTGRES_OS_USER)


def pgbouncer_command(binary: str, ini: Path) -> list[str]:
    user = ["-u", POSTGRES_OS_USER] if os.geteuid() == 0 else []
    return [binary, *user, str(ini)]


def start_pgbouncer(*, directory: Path, port: int, upstream: Upstream, log: Path, pidfile: Path) -> int:
    """Starts the cluster's PgBouncer, pooling `upstream` under POOLED_ALIAS; returns its process group."""
    binary = pgbouncer_binary()
    if binary is None:
        raise ClusterError("pgbouncer is not installed (tools/cluster/install-packages installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    auth_file = directory / "users.txt"
    write_auth_file(auth_file, [upstream.user])
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        pgbouncer_ini(
            databases={POOLED_ALIAS: upstream.pgbouncer_target()},
            listen_port=port,
            auth_file=auth_file,
            pool_size=20,
            server_tls_sslmode=upstream.tls_mode,
        )
    )
    ini.chmod(0o600)  # it may hold the upstream's password
    hand_to_postgres_user(directory)
    group = spawn(pgbouncer_command(binary, ini), log=log, pidfile=pidfile)
    wait_for_port(port, group=group, name="pgbouncer", log=log)
    return group
