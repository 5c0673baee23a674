"""One async engine per app and the two kinds of session the routes use.

A *statement* session runs each statement as its own transaction: a route that sends one statement (every task
route does) pays no BEGIN/COMMIT round trips. A *transaction* session wraps the whole request in one transaction,
for routes whose several writes must land together. Behind a transaction-mode pooler every session is a
transaction, because a statement prepared outside one may be executed on another server connection.
"""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.database_url import DatabaseTarget, parse_database_url
from app.shared.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 5_000
# A live server answers an empty statement in milliseconds, even across a continent. A slower answer replaces
# the connection (no error reaches the caller), so the ping never eats the connect timeout's budget.
PING_TIMEOUT_SECONDS = 1.0
# Custom execution option: on SQLite, sessions that carry it start with BEGIN IMMEDIATE.
SQLITE_EXPLICIT_BEGIN = "todo_sqlite_begin_immediate"


class Database:
    def __init__(self, settings: Settings) -> None:
        self.target: DatabaseTarget = parse_database_url(
            settings.database_url,
            pooled=settings.database_pooled,
            connect_timeout=settings.db_connect_timeout_seconds,
            command_timeout=settings.db_command_timeout_seconds,
        )
        self.engine: AsyncEngine = self._create_engine(settings)
        self.schema_ready = False
        statement_engine, transaction_engine = self._engine_variants()
        self._statement_sessions = async_sessionmaker(
            statement_engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )
        self._transaction_sessions = async_sessionmaker(
            transaction_engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )
        for parameter in self.target.ignored_parameters:
            logger.info("DATABASE_URL parameter {} is not supported by asyncpg and was left out", parameter)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def transactional_engine(self) -> AsyncEngine:
        """The engine for work that must run inside one transaction (migrations included)."""
        return self._engine_variants()[1]

    @asynccontextmanager
    async def statement_session(self) -> AsyncIterator[AsyncSession]:
        async with self._statement_sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction_session(self) -> AsyncIterator[AsyncSession]:
        async with self._transaction_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    def _create_engine(self, settings: Settings) -> AsyncEngine:
        options: dict[str, Any] = {"connect_args": self.target.connect_args}
        if self.target.is_sqlite:
            _ensure_parent_directory(self.target.url.database)
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            options |= {
                "pool_size": settings.db_pool_size,
                "max_overflow": settings.db_max_overflow,
                "pool_timeout": settings.db_pool_timeout_seconds,
            }
        engine = create_async_engine(self.target.url, **options)
        if self.target.is_sqlite:
            _configure_sqlite(engine)
        else:
            _ping_connections_idle_longer_than(
                engine, settings.db_ping_idle_seconds, min(PING_TIMEOUT_SECONDS, settings.db_connect_timeout_seconds)
            )
            _drop_connections_that_timed_out(engine)
        return engine

    def _engine_variants(self) -> tuple[AsyncEngine, AsyncEngine]:
        if self.target.is_sqlite:
            return self.engine, self.engine.execution_options(**{SQLITE_EXPLICIT_BEGIN: True})
        if self.target.pooled:
            return self.engine, self.engine
        return self.engine.execution_options(isolation_level="AUTOCOMMIT"), self.engine


def _ensure_parent_directory(database: str | None) -> None:
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver must never open transactions on its own: statement sessions autocommit, and
        # transaction sessions say BEGIN IMMEDIATE themselves so two writers queue instead of deadlocking.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(SQLITE_EXPLICIT_BEGIN):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_connections_idle_longer_than(engine: AsyncEngine, idle_seconds: float, timeout_seconds: float) -> None:
    """Pessimistic disconnect handling without a ping per request.

    A connection the server has closed (a restart, Neon suspending its compute, PgBouncer dropping an idle
    client) is known to the driver already: it is replaced at no cost. A connection used a moment ago is almost
    surely alive; one that sat idle may sit on a dead network path, so only those are pinged, with a short
    timeout rather than the command timeout. The hot path stays at one round trip, and a database restart is
    survived without the caller noticing.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        # Raising DisconnectionError makes the pool discard this connection and hand out a fresh one.
        driver_connection = record.driver_connection
        if driver_connection is None or driver_connection.is_closed():
            raise DisconnectionError("the server closed this pooled connection")
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return
        try:
            # A simple-protocol query: nothing is prepared, so it is safe behind a transaction-mode pooler.
            await_(driver_connection.execute(";", timeout=timeout_seconds))
        except Exception as error:
            # Closing politely would wait for an answer that is not coming: drop the socket instead.
            driver_connection.terminate()
            raise DisconnectionError("pooled connection failed its ping after idling") from error


def _drop_connections_that_timed_out(engine: AsyncEngine) -> None:
    """A statement that ran past the command timeout leaves its connection in doubt: drop it, at once.

    Otherwise the pool would close it politely, waiting on a server that stopped answering (a network partition)
    for a second timeout before the request can answer 503.
    """

    @event.listens_for(engine.sync_engine, "handle_error")
    def on_error(context: ExceptionContext) -> None:
        connection = context.connection
        if not isinstance(context.original_exception, TimeoutError) or connection is None or connection.invalidated:
            return
        driver_connection = connection.connection.driver_connection
        if driver_connection is not None:
            driver_connection.terminate()
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False
