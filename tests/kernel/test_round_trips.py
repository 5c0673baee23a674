"""The performance design, guarded: a task route of a known user costs ONE database round trip (four behind a
transaction-mode pooler that cannot keep prepared statements: see SETUPS).

On PostgreSQL a TCP proxy between the app and the server counts the client's protocol messages that end a round
trip ('Q', a simple query, 'S', Sync, and 'H', Flush: asyncpg prepares an unnamed statement with Parse, Describe,
Flush and waits for the answer); nothing the app or SQLAlchemy does can hide a BEGIN, a COMMIT, a ping
or a second statement from it. On SQLite, sqlite3's own trace callback sees every statement, BEGIN included.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.util import await_

from tests.conftest import client_for, running_app, test_settings, throwaway_postgres_database
from tests.factories import create_task, signed_in_user

STARTUP_PROTOCOL = 196608  # 3.0; the messages before it (SSL/GSS requests) carry no type byte either


class RoundTripCounter:
    """Forwards bytes both ways and counts the client's round-trip-ending messages."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.round_trips = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(
            self._forward(client_reader, server_writer, count=True),
            self._forward(server_reader, client_writer, count=False),
            return_exceptions=True,
        )

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, count: bool) -> None:
        pending = b""
        started = False
        try:
            while data := await reader.read(65536):
                if count:
                    pending += data
                    pending, started = self._count(pending, started)
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def _count(self, pending: bytes, started: bool) -> tuple[bytes, bool]:
        while True:
            if not started:
                if len(pending) < 8 or len(pending) < int.from_bytes(pending[:4], "big"):
                    return pending, started
                length = int.from_bytes(pending[:4], "big")
                started = int.from_bytes(pending[4:8], "big") == STARTUP_PROTOCOL
                pending = pending[length:]
                continue
            if len(pending) < 5 or len(pending) < 1 + int.from_bytes(pending[1:5], "big"):
                return pending, started
            kind, length = pending[:1], int.from_bytes(pending[1:5], "big")
            if kind in (b"Q", b"S", b"H"):
                self.round_trips += 1
            pending = pending[1 + length :]


class StatementCounter:
    """Every statement SQLite itself runs on the app's connections, BEGIN and COMMIT included."""

    def __init__(self, app: FastAPI) -> None:
        self.statements: list[str] = []
        engine = app.state.kernel.database.engine.sync_engine

        @event.listens_for(engine, "connect")
        def trace(dbapi_connection: Any, _record: Any) -> None:
            aiosqlite_connection = dbapi_connection.driver_connection
            # sqlite3 objects belong to aiosqlite's thread: install the callback there.
            await_(aiosqlite_connection._execute(aiosqlite_connection._conn.set_trace_callback, self.statements.append))

    @property
    def round_trips(self) -> int:
        return len([sql for sql in self.statements if not sql.startswith("PRAGMA")])


# A route's cost in round trips on each setup. Behind a transaction-mode pooler that cannot keep prepared
# statements (PgBouncer before 1.21) the protocol allows no fewer than four: BEGIN, prepare, execute, COMMIT —
# the transaction pins the prepare and the execute to one server connection. A pooler that keeps prepared
# statements (PgBouncer 1.21+ with max_prepared_statements, as Neon runs it) serves a cached statement in one.
SETUPS = {
    "sqlite": ({}, 1),
    "postgres": ({}, 1),
    "postgres-pooled": ({"database_pooled": True}, 4),
    "postgres-pooler-prepares": ({"database_pooled": True, "database_pooler_prepares": True}, 1),
}


@pytest.fixture(params=list(SETUPS))
async def measured(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[tuple[FastAPI, Any, int]]:
    options, expected = SETUPS[request.param]
    # One pooled connection, so the warm-up prepares every statement on the connection that is measured.
    pool = {"db_pool_size": 1, **options}
    if request.param == "sqlite":
        async with running_app(test_settings(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}", **pool)) as app:
            counter = StatementCounter(app)
            await app.state.kernel.database.engine.dispose()  # reconnect with the trace installed
            yield app, counter, expected
        return
    async with throwaway_postgres_database() as url:
        counter = RoundTripCounter(int(url.rsplit(":", 1)[1].split("/")[0]))
        await counter.start()
        database = url.rsplit("/", 1)[1]
        proxied = f"postgresql+asyncpg://postgres@127.0.0.1:{counter.port}/{database}?sslmode=disable"
        try:
            async with running_app(test_settings(proxied, **pool)) as app:
                yield app, counter, expected
        finally:
            await counter.stop()


ROUTES = [
    ("GET", "/api/tasks/{id}", None),
    ("GET", "/api/tasks", None),
    ("GET", "/api/tasks?limit=1&offset=0", None),
    ("PATCH", "/api/tasks/{id}/toggle", None),
    ("PUT", "/api/tasks/{id}", {"title": "renamed"}),
    ("PATCH", "/api/tasks/{id}", {"description": "changed"}),
    ("POST", "/api/tasks", {"title": "another"}),
]


@pytest.mark.parametrize(("verb", "path", "body"), ROUTES)
async def test_a_task_route_costs_one_round_trip(
    measured: tuple[FastAPI, Any, int], verb: str, path: str, body: dict[str, str] | None
) -> None:
    app, counter, expected = measured
    kernel = app.state.kernel
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    async with client_for(app) as client:
        url = path.format(id=task.id)
        warm_up = await client.request(verb, url, json=body, headers=me.headers)
        assert warm_up.status_code in (200, 201), warm_up.text
        counter.statements.clear() if isinstance(counter, StatementCounter) else setattr(counter, "round_trips", 0)
        response = await client.request(verb, url, json=body, headers=me.headers)
        assert response.status_code in (200, 201), response.text
    assert counter.round_trips == expected


async def test_delete_costs_one_round_trip(measured: tuple[FastAPI, Any, int]) -> None:
    app, counter, expected = measured
    kernel = app.state.kernel
    me = await signed_in_user(kernel)
    first, second = await create_task(kernel, me), await create_task(kernel, me)
    async with client_for(app) as client:
        assert (await client.delete(f"/api/tasks/{first.id}", headers=me.headers)).status_code == 204
        counter.statements.clear() if isinstance(counter, StatementCounter) else setattr(counter, "round_trips", 0)
        assert (await client.delete(f"/api/tasks/{second.id}", headers=me.headers)).status_code == 204
    assert counter.round_trips == expected
