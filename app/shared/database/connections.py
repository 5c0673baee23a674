"""The connections requests run on: an asyncpg pool for PostgreSQL, SQLAlchemy's pool of aiosqlite connections
for the embedded file. Both hand out a `DriverConnection`, so the session above them never asks which it has.

The PostgreSQL pool is fixed in size and never closes an idle connection: under load no connection is opened or
closed (against a TLS server each open is a handshake on the event loop). In front of either pool,
`FairConnections` keeps the waiting line: requests get a connection in arrival order, and one that waits longer
than DB_POOL_TIMEOUT_SECONDS is answered 503.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.shared.database.driver_errors import unavailable_or_bug
from app.shared.database.url import DatabaseTarget
from app.shared.errors import OverloadedError
from app.shared.fair_queue import FairQueue, QueueTimeoutError

# A live server answers a ping in milliseconds, even across a continent. A slower answer replaces the connection
# (no error reaches the caller), so the ping never eats the connect timeout's budget.
PING_TIMEOUT_SECONDS = 1.0
# asyncpg requires a count; this one is not reached in centuries of queries.
_NEVER_BY_COUNT = 2**62


class DriverConnection(Protocol):
    async def fetch(self, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]: ...

    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    def discard(self) -> None:
        """Drop the connection without a goodbye: after a timeout its server may never answer one."""
        ...


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that remembers when it was handed back, so a long-idle one is pinged before use."""

    returned_at: float | None = None


class PostgresConnection:
    def __init__(self, connection: PooledConnection) -> None:
        self._connection = connection

    @property
    def pooled(self) -> PooledConnection:
        return self._connection

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
        return await self._connection.fetch(sql, *arguments)  # type: ignore[no-any-return]

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._connection.transaction()  # type: ignore[no-any-return]

    def discard(self) -> None:
        # The server may have closed it first, and asyncpg then already took it back into the pool to reconnect.
        with suppress(asyncpg.InterfaceError):
            self._connection.terminate()


class PostgresPool:
    def __init__(self, target: DatabaseTarget, *, size: int, timeout: float, ping_idle_seconds: float) -> None:
        self._target = target
        self._size = size
        self._timeout = timeout
        self._ping_idle_seconds = ping_idle_seconds
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        if self._pool is not None:
            return
        # min_size=0: start-up never waits for the database (it may be down); connections open on first use and
        # then stay open, since max_inactive_connection_lifetime=0 never closes an idle one.
        self._pool = await asyncpg.create_pool(
            min_size=0,
            max_size=self._size,
            max_inactive_connection_lifetime=0,
            # Never replaced for having served many queries: asyncpg's default closes a connection after 50 000,
            # which under load is a new connection (a TLS handshake, on the event loop) every few seconds;
            # make bench counted 15 of them late in its run. PgBouncer and Neon recycle server connections.
            max_queries=_NEVER_BY_COUNT,
            connection_class=PooledConnection,
            reset=_mark_returned,
            **self._target.asyncpg_connect_kwargs(),
        )

    @property
    def idle_connections(self) -> int:
        return self._pool.get_idle_size() if self._pool is not None else 0

    async def fill(self) -> None:
        """Opens every connection now, once the database answers, so none is opened while requests wait."""
        assert self._pool is not None
        # All at once: opened one after another, 20 TLS handshakes to a distant server would delay start-up.
        held = await asyncio.gather(
            *(self._acquire(within=self._timeout) for _ in range(self._size)), return_exceptions=True
        )
        for connection in held:
            if not isinstance(connection, BaseException):
                await self._pool.release(connection)
        failure = next((outcome for outcome in held if isinstance(outcome, BaseException)), None)
        if failure is not None:
            raise failure

    async def acquire(self) -> DriverConnection:
        assert self._pool is not None, "Database.start() runs at start-up"
        deadline = time.monotonic() + self._timeout
        connection = await self._acquire(within=self._timeout)
        if await self._went_stale(connection):
            await self._pool.release(connection)
            connection = await self._acquire(within=max(0.0, deadline - time.monotonic()))
        return PostgresConnection(connection)

    async def release(self, connection: DriverConnection) -> None:
        assert isinstance(connection, PostgresConnection)
        assert self._pool is not None
        await self._pool.release(connection.pooled)

    async def _acquire(self, *, within: float) -> PooledConnection:
        assert self._pool is not None
        try:
            return await self._pool.acquire(timeout=within)  # type: ignore[no-any-return]
        except Exception as error:
            # Waited past the pool timeout, or a new connection was refused or timed out: 503, not 500.
            raise unavailable_or_bug(error) from error

    async def _went_stale(self, connection: PooledConnection) -> bool:
        """Pessimistic disconnect handling without a ping per request.

        A connection the server closed (a restart, Neon suspending its compute, PgBouncer dropping an idle client)
        is replaced by the pool at no cost. One used a moment ago is almost surely alive; one that sat idle may sit
        on a dead network path, so only those are pinged, with a short timeout. A failed ping drops it, and the
        next acquire opens a fresh one within the connect timeout.
        """
        returned_at = connection.returned_at
        if returned_at is None or time.monotonic() - returned_at < self._ping_idle_seconds:
            return False
        try:
            # A simple-protocol query: nothing is prepared, so it is safe behind a transaction-mode pooler. Not the
            # empty statement `;`: asyncpg fails on its answer (no command tag), which replaced every idle connection.
            await connection.execute("SELECT 1", timeout=min(PING_TIMEOUT_SECONDS, self._timeout))
        except Exception:
            connection.terminate()
            return True
        return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _mark_returned(connection: PooledConnection) -> None:
    # Replaces asyncpg's default reset, a round trip per request: our statements leave no session state behind
    # (no temporary tables, LISTEN, advisory locks or SET), and a transaction left open is rolled back by asyncpg.
    connection.returned_at = time.monotonic()


class SqliteConnection:
    def __init__(self, connection: Any, lease: AsyncConnection) -> None:
        self._connection = connection  # aiosqlite.Connection
        self.lease = lease  # SQLAlchemy's checkout of it, which gives it back to the engine's pool

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
        return await self._connection.execute_fetchall(sql, arguments)  # type: ignore[no-any-return]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        # IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of deadlocking.
        await self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            await self._connection.rollback()
            raise
        await self._connection.commit()

    def discard(self) -> None:
        """A file has no network path to lose: the connection stays usable."""


class SqlitePool:
    """SQLAlchemy's pool of aiosqlite connections, set up by the engine (foreign keys, WAL, busy timeout)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def start(self) -> None:
        """Nothing to open ahead: the file is opened on first use."""

    async def fill(self) -> None:
        """A file opens in microseconds: nothing to gain by opening connections ahead."""

    @property
    def idle_connections(self) -> int:
        return int(getattr(self._engine.pool, "checkedin", lambda: 0)())

    async def acquire(self) -> DriverConnection:
        lease = self._engine.connect()
        try:
            await lease.start()
        except Exception as error:
            raise unavailable_or_bug(error) from error
        try:
            raw = await lease.get_raw_connection()
        except BaseException:
            await lease.close()
            raise
        return SqliteConnection(raw.driver_connection, lease)

    async def release(self, connection: DriverConnection) -> None:
        assert isinstance(connection, SqliteConnection)
        await connection.lease.close()

    async def close(self) -> None:
        """The engine owns these connections and closes them when it is disposed."""


class ConnectionPool(Protocol):
    async def acquire(self) -> DriverConnection: ...

    async def release(self, connection: DriverConnection) -> None: ...


class FairConnections:
    """A pool's connections, handed out first come, first served: at most `size` leases at once.

    Only as many requests as the pool has connections get past the line, so the pool itself never has a waiter
    (its own hand-out order does not matter) and a released connection goes to the oldest request in line.
    """

    def __init__(self, pool: ConnectionPool, *, size: int, timeout: float) -> None:
        self._pool = pool
        self._line = FairQueue(size)
        self._timeout = timeout

    async def acquire(self) -> DriverConnection:
        try:
            await self._line.enter(within=self._timeout)
        except QueueTimeoutError:
            raise OverloadedError("the line for a database connection (DB_POOL_TIMEOUT_SECONDS)") from None
        try:
            return await self._pool.acquire()
        except BaseException:
            self._line.leave()
            raise

    async def release(self, connection: DriverConnection) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._line.leave()
