"""Fixtures that start real components: a throwaway PostgreSQL cluster each test may stop and restart at will."""

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import NoReturn

import asyncpg
import pytest

from tests.resilience.components import PgBouncer, PostgresCluster, postgres_bindir
from tools.cluster.pgbouncer import pgbouncer_binary

# Fewer server connections than the app's pool: many client connections share each, as on Neon.
SERVER_CONNECTIONS = 5


def missing(reason: str, *, required_by: str) -> NoReturn:
    """A component is not there: skip, with the reason, unless the environment setting `required_by` says fail."""
    name, value = required_by.split("=")
    if os.environ.get(name) == value:
        pytest.fail(f"{reason} ({required_by})")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = postgres_bindir()
    if bindir is None:
        missing("no PostgreSQL server binaries (initdb, pg_ctl) on this machine", required_by="REQUIRE_POSTGRES=1")
    cluster = PostgresCluster(bindir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
async def cluster(postgres_cluster: PostgresCluster) -> AsyncIterator[PostgresCluster]:
    """The cluster, running when the test starts and again after it, whatever the test did to it."""
    if not postgres_cluster.running:
        await postgres_cluster.start_async()
    yield postgres_cluster
    if not postgres_cluster.running:
        await postgres_cluster.start_async()


@pytest.fixture
async def cluster_database(cluster: PostgresCluster) -> AsyncIterator[str]:
    """A fresh database on the throwaway cluster, for one test; its URL."""
    name = f"resilience_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(cluster.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield cluster.url(name)
    if not cluster.running:
        await cluster.start_async()
    admin = await asyncpg.connect(cluster.admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def pgbouncer(cluster: PostgresCluster) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the cluster, for one test."""
    binary = pgbouncer_binary()
    if binary is None:
        missing("pgbouncer is not installed (apt-get install pgbouncer; .ci/run does it)", required_by="CI=true")
    bouncer = PgBouncer(binary, upstream_port=cluster.port, pool_size=SERVER_CONNECTIONS)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


def through(bouncer: PgBouncer, cluster_database: str) -> str:
    """The URL of a cluster database, reached through the bouncer."""
    return bouncer.url(cluster_database.rsplit("/", 1)[1])
