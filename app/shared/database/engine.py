"""SQLAlchemy's async engine: what Alembic migrates with, and the pool of aiosqlite connections for SQLite.

Requests on PostgreSQL do not use it (they run on `connections.PostgresPool`); it keeps a small pool for
migrations at start-up and for tools that want an ORM session.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from app.shared.database.url import DatabaseTarget

SQLITE_BUSY_TIMEOUT_MS = 5_000
# Custom execution option: on SQLite, connections that carry it start their transactions with BEGIN IMMEDIATE.
SQLITE_EXPLICIT_BEGIN = "todo_sqlite_begin_immediate"
# Migrations at start-up and the occasional tool: a couple of connections are plenty.
MAINTENANCE_POOL_SIZE = 2


def create_engine(target: DatabaseTarget, *, sqlite_pool_size: int) -> AsyncEngine:
    if target.is_sqlite:
        _ensure_parent_directory(target.url.database)
        engine = create_async_engine(
            target.url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=sqlite_pool_size,
            max_overflow=0,
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        target.url,
        connect_args=target.connect_args,
        pool_size=MAINTENANCE_POOL_SIZE,
        max_overflow=MAINTENANCE_POOL_SIZE,
        pool_pre_ping=True,
    )


def transactional(engine: AsyncEngine, target: DatabaseTarget) -> AsyncEngine:
    """The engine for work that must run inside one transaction (migrations included)."""
    if target.is_sqlite:
        return engine.execution_options(**{SQLITE_EXPLICIT_BEGIN: True})
    return engine


def _ensure_parent_directory(database: str | None) -> None:
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver must never open transactions on its own: statements autocommit, and transactions say
        # BEGIN IMMEDIATE themselves so two writers queue instead of deadlocking.
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
