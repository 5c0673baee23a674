"""The app's database: the pool requests run on, the engine migrations run on, and whether the schema is ready."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.database.connections import FairConnections, PostgresPool, SqlitePool
from app.shared.database.engine import create_engine, transactional
from app.shared.database.session import Session
from app.shared.database.url import DatabaseTarget, parse_database_url
from app.shared.settings import Settings


class Database:
    def __init__(self, settings: Settings) -> None:
        self.target: DatabaseTarget = parse_database_url(
            settings.database_url,
            pooled=settings.database_pooled,
            pooler_prepares=settings.database_pooler_prepares,
            connect_timeout=settings.db_connect_timeout_seconds,
            command_timeout=settings.db_command_timeout_seconds,
        )
        self.engine: AsyncEngine = create_engine(self.target, sqlite_pool_size=settings.db_pool_size)
        self.dialect = self.engine.dialect
        self._pool: PostgresPool | SqlitePool = (
            SqlitePool(self.engine)
            if self.target.is_sqlite
            else PostgresPool(
                self.target,
                size=settings.db_pool_size,
                timeout=settings.db_pool_timeout_seconds,
                ping_idle_seconds=settings.db_ping_idle_seconds,
            )
        )
        self._connections = FairConnections(
            self._pool, size=settings.db_pool_size, timeout=settings.db_pool_timeout_seconds
        )
        self.schema_ready = False
        for parameter in self.target.ignored_parameters:
            logger.info("DATABASE_URL parameter {} is not supported by asyncpg and was left out", parameter)

    @property
    def dialect_name(self) -> str:
        return str(self.dialect.name)

    @property
    def transactional_engine(self) -> AsyncEngine:
        """The engine for work that must run inside one transaction (migrations included)."""
        return transactional(self.engine, self.target)

    @property
    def idle_connections(self) -> int:
        return self._pool.idle_connections

    async def start(self) -> None:
        await self._pool.start()

    async def fill_pool(self) -> None:
        """Opens the whole pool (called once the schema is ready): under load no connection is ever opened."""
        await self._pool.fill()

    def new_session(self) -> Session:
        """A session that takes a connection at its first statement; its owner must `close()` it."""
        return Session(self._connections, self.dialect, one_transaction=self.target.wraps_statements_in_transactions)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """A session that takes a connection at its first statement and gives it back on exit."""
        session = self.new_session()
        try:
            yield session
        except BaseException as error:
            await session.close(error)
            raise
        await session.close()

    @asynccontextmanager
    async def orm_session(self) -> AsyncIterator[AsyncSession]:
        """An ORM session on the maintenance engine, for tools and tests; requests use `session()`."""
        async with AsyncSession(self.transactional_engine, expire_on_commit=False) as session:
            yield session

    async def dispose(self) -> None:
        await self._pool.close()
        await self.engine.dispose()
