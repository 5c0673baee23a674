"""Capacity arithmetic: from what one request costs, measured by the bench, to the cores, workers, replicas and
database connections a request rate needs. Plain arithmetic on its inputs, so a test can check it by hand."""

import math
from dataclasses import dataclass

RATES = (1_000, 10_000, 100_000)  # requests a second (issue 19)
# Plan every core and every server connection to be at most this busy on average: a queue's wait grows without
# bound as its utilisation nears 1, and traffic is never as even as a mean.
UTILISATION = 0.7
REPLICA_CORES = 2  # one worker per core (`python -m app.serving` runs WORKERS = the CPU count by default)
# Not measured here (the bench runs on loopback): the round trip a deployment adds to every transaction between the
# app (or its pooler) and the database, an assumption the report states beside the figures it changes.
ROUND_TRIP_MS = 1.0
# Neon's pooler accepts up to this many client connections per compute (docs/scaling.md cites its page).
POOLER_CLIENTS = 10_000


@dataclass(frozen=True)
class PerRequest:
    """What one request costs, from a bench run."""

    app_cpu_ms: float  # the app's CPU (utime + stime)
    pg_cpu_ms: float | None  # PostgreSQL's CPU for the app's database
    transactions: float | None  # pg_stat_database transactions
    # The time a server connection spent inside the request's statements and transactions (pg_stat_database
    # active_time + idle_in_transaction_time): what a transaction-mode pooler holds a server connection for.
    busy_ms: float | None


@dataclass(frozen=True)
class Plan:
    rate: int  # requests a second
    app_cores: float  # cores of app CPU, at UTILISATION
    replicas: int  # of REPLICA_CORES cores each
    workers: int  # replicas * REPLICA_CORES
    client_connections: int  # what the workers' pools open: workers * DB_POOL_SIZE
    pg_cores: float | None  # cores of PostgreSQL CPU, at UTILISATION
    transactions_per_s: float | None
    server_connections: float | None  # busy server connections (Little's law), at UTILISATION, as measured
    server_connections_remote: float | None  # the same with ROUND_TRIP_MS more per transaction
    pool_size_needed: int | None  # per worker: its share of server_connections_remote, rounded up
    pool_size_allowed: int  # per worker, for every worker's pool to fit in POOLER_CLIENTS


def cores(rate: float, cpu_ms: float, utilisation: float = UTILISATION) -> float:
    """CPU seconds a second (rate * ms per request ÷ 1000), divided by the share of each core one may use."""
    return rate * cpu_ms / 1000 / utilisation


def busy_connections(rate: float, busy_ms: float, utilisation: float = UTILISATION) -> float:
    """Little's law: connections in use on average = arrival rate * time each arrival holds one."""
    return rate * busy_ms / 1000 / utilisation


def plan(
    per_request: PerRequest,
    rate: int,
    pool_size: int,
    *,
    utilisation: float = UTILISATION,
    replica_cores: int = REPLICA_CORES,
    pooler_clients: int = POOLER_CLIENTS,
    round_trip_ms: float = ROUND_TRIP_MS,
) -> Plan:
    app_cores = cores(rate, per_request.app_cpu_ms, utilisation)
    replicas = max(1, math.ceil(app_cores / replica_cores))
    workers = replicas * replica_cores
    busy, transactions = per_request.busy_ms, per_request.transactions
    server = None if busy is None else busy_connections(rate, busy, utilisation)
    remote = None
    if busy is not None and transactions is not None:
        remote = busy_connections(rate, busy + transactions * round_trip_ms, utilisation)
    return Plan(
        rate=rate,
        app_cores=app_cores,
        replicas=replicas,
        workers=workers,
        client_connections=workers * pool_size,
        pg_cores=None if per_request.pg_cpu_ms is None else cores(rate, per_request.pg_cpu_ms, utilisation),
        transactions_per_s=None if transactions is None else rate * transactions,
        server_connections=server,
        server_connections_remote=remote,
        pool_size_needed=None if remote is None else math.ceil(remote / workers),
        pool_size_allowed=pooler_clients // workers,
    )


def one_core_rps(cpu_ms: float) -> float:
    """The requests a second one fully busy core serves at this CPU cost."""
    return 1000 / cpu_ms
