"""A request's way to the database: compiled statements in, rows (plain dicts) out, driver errors translated.

The session takes a pooled connection at its first statement, not before: a sign-in spends 0.3 s in bcrypt
before it reads anything, and must not hold a connection other requests are waiting for meanwhile. Each
statement commits by itself unless it runs inside `transaction()`. Behind a transaction-mode pooler that cannot
keep prepared statements, the whole session is one transaction (see `DatabaseTarget`).
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy.engine import Dialect

from app.shared.database.connections import DriverConnection
from app.shared.database.driver_errors import translate_driver_error
from app.shared.database.statements import Row, Statement
from app.shared.errors import DatabaseUnavailableError, DomainError


class ConnectionSource(Protocol):
    async def acquire(self) -> DriverConnection: ...

    async def release(self, connection: DriverConnection) -> None: ...


class Session:
    def __init__(self, source: ConnectionSource, dialect: Dialect, *, one_transaction: bool) -> None:
        self._source = source
        self._dialect = dialect
        self._one_transaction = one_transaction
        self._pinned: AbstractAsyncContextManager[None] | None = None
        self._connection: DriverConnection | None = None

    async def all(self, statement: Statement, **values: Any) -> list[Row]:
        compiled = statement.compiled_for(self._dialect)
        records = await self._fetch(compiled.sql, compiled.arguments(values))
        return [compiled.row(record) for record in records]

    async def one(self, statement: Statement, **values: Any) -> Row | None:
        """The first row, or None."""
        rows = await self.all(statement, **values)
        return rows[0] if rows else None

    async def scalar(self, statement: Statement, **values: Any) -> Any:
        row = await self.one(statement, **values)
        return next(iter(row.values())) if row else None

    async def run(self, statement: Statement, **values: Any) -> None:
        await self.all(statement, **values)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The statements inside land together or not at all."""
        connection = await self._connected()
        try:
            async with connection.transaction():
                yield
        except DomainError:
            raise
        except Exception as error:
            translated = self._translated(error)
            if translated is None:
                raise
            raise translated from error

    async def commit(self) -> None:
        """Makes what ran so far visible to other connections now, before the request ends.

        Statements commit by themselves anyway; where the whole session is one transaction (behind a pooler that
        cannot keep prepared statements) this commits it, and the next statement opens the next one.
        """
        if self._pinned is None:
            return
        pinned, self._pinned = self._pinned, None
        try:
            await pinned.__aexit__(None, None, None)
        except Exception as error:
            translated = self._translated(error)
            if translated is None:
                raise
            raise translated from error

    async def hand_back(self) -> None:
        """Commits what ran so far and gives the connection back; the next statement takes one again.

        For a request that waits on something slow between two statements (a sign-in's bcrypt check, 0.3 s and
        longer in line for a hashing thread): holding a connection meanwhile starves every other request.
        """
        await self.close()

    async def close(self, error: BaseException | None = None) -> None:
        """Ends the session's transaction (if it is one) and hands the connection back.

        A domain error is an expected outcome and keeps its writes (a replayed refresh token revokes its sign-in,
        then answers 401); any other error rolls back.
        """
        failure = None if error is None or isinstance(error, DomainError) else error
        details: tuple[type[BaseException] | None, BaseException | None, TracebackType | None] = (
            (type(failure), failure, failure.__traceback__) if failure is not None else (None, None, None)
        )
        try:
            if self._pinned is not None:
                await self._pinned.__aexit__(*details)
        finally:
            connection, self._pinned, self._connection = self._connection, None, None
            if connection is not None:
                await self._source.release(connection)

    async def _connected(self) -> DriverConnection:
        if self._connection is not None and (self._pinned is not None or not self._one_transaction):
            return self._connection
        connection = self._connection
        if connection is None:
            connection = self._connection = await self._source.acquire()
        # else: after commit(), the same connection opens the next transaction
        if self._one_transaction:
            pinned = connection.transaction()
            try:
                await pinned.__aenter__()
            except Exception as error:
                translated = self._translated(error, connection)
                await self.close(error)
                if translated is None:
                    raise
                raise translated from error
            self._pinned = pinned
        return connection

    async def _fetch(self, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
        connection = await self._connected()
        try:
            return await connection.fetch(sql, arguments)
        except Exception as error:
            translated = self._translated(error)
            if translated is None:
                raise
            raise translated from error

    def _translated(self, error: Exception, connection: DriverConnection | None = None) -> DomainError | None:
        translated = translate_driver_error(error)
        connection = connection or self._connection
        if isinstance(translated, DatabaseUnavailableError) and connection is not None:
            # A statement past its timeout may still run on the server, a lost answer leaves the protocol
            # mid-message: this connection must not serve another request.
            connection.discard()
        return translated
