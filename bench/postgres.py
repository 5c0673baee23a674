"""The PostgreSQL side: throwaway databases, the server's CPU and session counters, and the scale probe's rows."""

import asyncio
import datetime
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg

from bench.procs import HarnessError, cpu_ticks, ticks_between

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TEMPLATE_RETRIES = 50
# Peak use: the app (a pool of 20, +1 for its migration engine) idle beside the served app with 1 and 2 workers
# (63) in the workers phase, plus the bench's own. With more room that phase runs all its servers at once (see
# workers_scaling in bench/run.py); a stock PostgreSQL (max_connections 100) runs it in two groups.
CONNECTIONS_NEEDED = 90
SLOT_WAIT_SECONDS = 180.0


def admin_url() -> str:
    """BENCH_DATABASE_URL, else the local server; refuses anything but a loopback host."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
    if urlsplit(url).hostname not in LOOPBACK:
        raise HarnessError(f"BENCH_DATABASE_URL must point at this machine's loopback address, not {url!r}")
    return url


async def connect_admin(url: str) -> asyncpg.Connection:
    """The bench's own connection; on a shared server it waits (bounded) for room to connect at all."""
    deadline = time.monotonic() + SLOT_WAIT_SECONDS
    while True:
        try:
            return await asyncpg.connect(url)
        except asyncpg.TooManyConnectionsError:
            if time.monotonic() > deadline:
                raise HarnessError(f"PostgreSQL refused connections for {SLOT_WAIT_SECONDS:.0f}s") from None
            await asyncio.sleep(2.0)


async def wait_for_room(admin: asyncpg.Connection, on_wait: Callable[[int], None]) -> None:
    """Waits (bounded) until the server has CONNECTIONS_NEEDED free slots: another test run on the same server
    may hold most of them, and a server refusing connections mid-run would show up as the app's 503s."""
    deadline = time.monotonic() + SLOT_WAIT_SECONDS
    while True:
        free = await free_connections(admin)
        if free >= CONNECTIONS_NEEDED:
            return
        if time.monotonic() > deadline:
            raise HarnessError(f"PostgreSQL has {free} free connections; the bench needs {CONNECTIONS_NEEDED}")
        on_wait(free)
        await asyncio.sleep(5.0)


async def free_connections(admin: asyncpg.Connection) -> int:
    """Client connections the server would still accept."""
    return int(
        await admin.fetchval(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')"
            "::int - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
    )


def database_url(admin: str, name: str) -> str:
    parts = urlsplit(admin)
    return parts._replace(path=f"/{name}", query="").geturl()


@dataclass
class Databases:
    """Every database created, so that one call drops them all, whatever went wrong."""

    admin: asyncpg.Connection
    created: list[str] = field(default_factory=list)

    async def create(self, role: str, template: str | None = None) -> str:
        name = f"bench_{role}_{secrets.token_hex(4)}"
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(TEMPLATE_RETRIES):
            try:
                await self.admin.execute(statement)
                break
            except asyncpg.ObjectInUseError:
                # A template must have no sessions: a stopped server's backends take a moment to exit.
                if attempt == TEMPLATE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.2)
        self.created.append(name)
        return name

    async def drop_all(self) -> None:
        for name in reversed(self.created):
            await self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


@dataclass(frozen=True)
class PgSnapshot:
    ticks: dict[int, int]  # pid -> utime+stime, for our database's backends and the server's own processes
    sessions: int  # pg_stat_database.sessions: every connection ever opened to the database
    transactions: int  # pg_stat_database.xact_commit + xact_rollback: one per statement outside BEGIN … COMMIT
    # pg_stat_database.active_time + idle_in_transaction_time (ms): how long backends ran statements or held a
    # transaction open, which is how long a transaction-mode pooler lends them out
    busy_ms: float
    backend_starts: tuple[datetime.datetime, ...]  # when each connection open now was opened
    taken_at: datetime.datetime  # the server's clock
    visible: bool  # False when the server's processes are not in our /proc (another container or host)


async def pg_snapshot(admin: asyncpg.Connection, database: str) -> PgSnapshot:
    # Background processes (checkpointer, WAL writer…) have no database; other databases' backends are left out,
    # since the machine is shared and another test run may be busy on the same server.
    rows = await admin.fetch(
        "SELECT pid, datname, backend_start FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL", database
    )
    counters = await admin.fetchrow(
        "SELECT sessions, xact_commit + xact_rollback AS transactions, "
        "active_time + idle_in_transaction_time AS busy_ms FROM pg_stat_database WHERE datname = $1",
        database,
    )
    taken_at = await admin.fetchval("SELECT clock_timestamp()")
    ticks = {row["pid"]: cpu_ticks(row["pid"]) for row in rows}
    return PgSnapshot(
        ticks={pid: value for pid, value in ticks.items() if value is not None},
        sessions=int(counters["sessions"] or 0) if counters else 0,
        transactions=int(counters["transactions"] or 0) if counters else 0,
        busy_ms=float(counters["busy_ms"] or 0.0) if counters else 0.0,
        backend_starts=tuple(row["backend_start"] for row in rows if row["datname"] == database),
        taken_at=taken_at,
        visible=any(value is not None for value in ticks.values()),
    )


@dataclass
class TransactionCount:
    """The transactions PostgreSQL counted in one database during one run, and the time its backends were busy.

    A busy backend reports its counters when it goes idle, but at most once a second; one that reported less than a
    second before its last query reports the rest 10 s later (PGSTAT_IDLE_INTERVAL, PostgreSQL 15). So a count read
    right after a run misses up to its last second. It is read again, and marked settled, at the database's next
    snapshot if that comes at least REPORTED_WITHIN seconds after the run and nothing ran on the database between:
    in an app, floor, app sequence of 10 s runs, the next app run's. (A backend that cannot take the statistics
    lock at once waits longer still, so on a busy machine even that may fall short; bench/round_trips.py counts
    what the server sent instead, and is exact.) The busy time is reported with the counts.
    """

    start: int
    count: int
    busy_start: float = 0.0
    busy_ms: float = 0.0
    settled: bool = False


REPORTED_WITHIN = 11.0
# A run that would start this close to its database's previous count settling waits for it.
WORTH_WAITING_SECONDS = 2.0


@dataclass
class TransactionLedger:
    """Each database's last run, whose count may still grow."""

    unsettled: dict[str, tuple[TransactionCount, float]] = field(default_factory=dict)

    async def wait_if_nearly_settled(self, database: str) -> None:
        """Before a run: waits when the database's previous count settles within WORTH_WAITING_SECONDS (as in an
        interleaved sequence), not when it has just been taken (as when one server runs back to back)."""
        if database in self.unsettled:
            remaining = self.unsettled[database][1] + REPORTED_WITHIN - time.monotonic()
            if 0 < remaining <= WORTH_WAITING_SECONDS:
                await asyncio.sleep(remaining)

    def before_run(self, database: str, snapshot: PgSnapshot, now: float) -> None:
        """Settles the database's previous count if this snapshot is late enough; a new run ends its chance."""
        previous = self.unsettled.pop(database, None)
        if previous is not None and now - previous[1] >= REPORTED_WITHIN:
            count, _ = previous
            count.count, count.settled = snapshot.transactions - count.start, True
            count.busy_ms = snapshot.busy_ms - count.busy_start

    def after_run(self, database: str, before: PgSnapshot, after: PgSnapshot, now: float) -> TransactionCount:
        count = TransactionCount(
            start=before.transactions,
            count=after.transactions - before.transactions,
            busy_start=before.busy_ms,
            busy_ms=after.busy_ms - before.busy_ms,
        )
        self.unsettled[database] = (count, now)
        return count

    async def settle(self, admin: asyncpg.Connection, database: str) -> None:
        """Waits until the database's unsettled count can be read settled (at most REPORTED_WITHIN seconds), and
        reads it."""
        if database in self.unsettled:
            _, ended = self.unsettled[database]
            await asyncio.sleep(max(0.0, ended + REPORTED_WITHIN - time.monotonic()))
            self.before_run(database, await pg_snapshot(admin, database), time.monotonic())


def connections_opened(before: PgSnapshot, after: PgSnapshot) -> int:
    """Connections opened between the snapshots.

    Two views, the larger wins: the connections open now that started after `before` (exact and immediate), and
    the growth of `sessions`, which also counts connections that opened and closed in between but that a busy
    backend may report a second or so late.
    """
    still_open = sum(1 for started in after.backend_starts if started >= before.taken_at)
    return max(still_open, after.sessions - before.sessions)


def pg_cpu_ticks(before: PgSnapshot, after: PgSnapshot) -> int | None:
    """Ticks spent between the snapshots; a backend born in between counts from zero."""
    if not (before.visible and after.visible):
        return None
    return ticks_between(before.ticks, after.ticks)


async def held_connections(admin: asyncpg.Connection, database: str) -> int:
    """Client connections open to the database now (autovacuum's workers left out)."""
    return int(
        await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", database
        )
    )


async def server_facts(admin: asyncpg.Connection) -> dict[str, str]:
    return {
        "version": str(await admin.fetchval("SHOW server_version")),
        "max_connections": str(await admin.fetchval("SHOW max_connections")),
    }


async def fill_for_scale(url: str, owners: dict[str, int], total_rows: int, other_users: int) -> int:
    """`owners` (user id -> task count) get their tasks, and SQL-made users the rest, until `tasks` holds
    `total_rows`. Returns the final row count. Everything is plain SQL: a million rows through the API would
    take longer than the whole bench."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO users (id, email, name, created_at, updated_at) "
            "SELECT 'scale-user-' || n, 'scale-' || n || '@example.com', 'Scale', now(), now() "
            "FROM generate_series(1, $1::int) AS n",
            other_users,
        )
        for owner, count in owners.items():
            await insert_tasks(connection, count, owner_sql="$2::varchar", owner=owner)
        existing = int(await connection.fetchval("SELECT count(*) FROM tasks"))
        filler = max(0, total_rows - existing)
        await insert_tasks(connection, filler, owner_sql=f"'scale-user-' || (1 + n % {other_users})")
        await connection.execute("ANALYZE users, tasks, sign_ins")
        return int(await connection.fetchval("SELECT count(*) FROM tasks"))
    finally:
        await connection.close()


async def insert_tasks(connection: asyncpg.Connection, count: int, *, owner_sql: str, owner: str | None = None) -> None:
    arguments: list[object] = [count] if owner is None else [count, owner]
    # owner_sql is one of the two fixed expressions fill_for_scale passes; the values are bind parameters.
    await connection.execute(
        "INSERT INTO tasks (id, user_id, title, description, completed, created_at, updated_at) "  # noqa: S608
        f"SELECT gen_random_uuid(), {owner_sql}, 'scale task ' || n, 'made by the scale probe', n % 3 = 0, "
        "now() - n * interval '1 second', now() - n * interval '1 second' "
        "FROM generate_series(1, $1::int) AS n",
        *arguments,
    )
