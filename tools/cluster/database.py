"""The cluster's PostgreSQL: the one DATABASE_URL names, or by default a database it creates on the local server.

PgBouncer pools it under one alias; the replicas connect to PgBouncer only, in pooled mode (DATABASE_POOLED=true),
since transaction mode may run each of a session's transactions on a different server connection.
"""

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from tools.cluster.processes import ClusterError

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "todo_cluster"
POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+asyncpg")
# The alias the replicas ask PgBouncer for, whatever the upstream database is called.
POOLED_ALIAS = "todo"
TLS_MODES = ("require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class Upstream:
    """Where PgBouncer connects on the replicas' behalf."""

    host: str
    port: int
    database: str
    user: str
    password: str | None
    tls_mode: str | None  # PgBouncer's server_tls_sslmode, from the URL's sslmode

    def pgbouncer_target(self) -> str:
        """The right-hand side of PgBouncer's `[databases]` line for this database."""
        target = f"host={self.host} port={self.port} dbname={self.database} user={self.user}"
        return target + (f" password={self.password}" if self.password else "")


def parse_upstream(url: str) -> Upstream:
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ClusterError(
            "the cluster pools PostgreSQL through PgBouncer: DATABASE_URL must be a PostgreSQL URL "
            f"(got {parts.scheme}:…); unset it to use a database on the local server"
        )
    mode = parse_qs(parts.query).get("sslmode", [None])[0]
    return Upstream(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=unquote(parts.path.lstrip("/")) or "postgres",
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        tls_mode=mode if mode in TLS_MODES else None,
    )


def pooled_url(upstream: Upstream, pgbouncer_port: int) -> str:
    """What the replicas' DATABASE_URL is: PgBouncer, which logs them in as the upstream's user."""
    return f"postgresql://{upstream.user}@127.0.0.1:{pgbouncer_port}/{POOLED_ALIAS}"


def local_database_url() -> str:
    """The URL of `todo_cluster` on the local server, created when it does not exist yet (it is kept after
    `make cluster-stop`, like any deployment's data).
    """
    return asyncio.run(_create_if_missing(LOCAL_SERVER_URL, DEFAULT_DATABASE))


async def _create_if_missing(server_url: str, name: str) -> str:
    try:
        admin = await asyncpg.connect(server_url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise ClusterError(f"no PostgreSQL at {server_url} ({error}); start it, or set DATABASE_URL") from None
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"
