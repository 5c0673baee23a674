"""The floor: the least a Python server must do to answer the task routes the bench drives.

A bare ASGI callable (no framework, no middleware, no access log) on the same uvicorn, the same asyncpg driver
and the same database schema as the app, sending the same SQL for each route:

- every request verifies its bearer token with PyJWT (HS256, the app's secret). There is deliberately no cache
  of verified tokens: the floor pays the full signature check on every request, so an app that caches
  verification can beat the floor on that line, and the report is read knowing that;
- every statement is scoped to the caller (`user_id`) and to a live sign-in (the token's `sid`), inside the
  statement itself, as the app's `owned_by` does;
- asyncpg's per-connection statement cache keeps each statement prepared after its first use;
- rows become JSON through orjson, in the app's shape (plus `is_completed`, which the app may add).

It validates bodies only as far as the bench needs (types and lengths); it is a measuring stick, not a
second implementation. Run it as `uvicorn bench.floor:app` with BETTER_AUTH_SECRET and DATABASE_URL set;
DB_POOL_SIZE sizes its pool (the runner passes the app's).
"""

import os
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import jwt
import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Answer = tuple[int, bytes]

# The SQL below is assembled from these constant fragments only; every value travels as a bind parameter.
COLUMNS = "tasks.id, tasks.title, tasks.description, tasks.completed, tasks.created_at, tasks.updated_at, tasks.user_id"
# The sign-out check every statement carries; `{}` is the number of the parameter holding the sign-in id.
LIVE = "EXISTS (SELECT 1 FROM sign_ins WHERE sign_ins.id = ${} AND sign_ins.revoked_at IS NULL)"

LIST_SQL = (
    f"SELECT {COLUMNS} FROM tasks WHERE tasks.user_id = $1 AND {LIVE.format(2)} "  # noqa: S608
    "ORDER BY tasks.created_at DESC, tasks.id DESC"
)
GET_SQL = f"SELECT {COLUMNS} FROM tasks WHERE tasks.id = $1 AND tasks.user_id = $2 AND {LIVE.format(3)}"  # noqa: S608
# INSERT … SELECT … WHERE EXISTS: no row is inserted once the sign-in is revoked. The casts are needed because a
# bare SELECT list gives its parameters no type to infer.
CREATE_SQL = (
    "INSERT INTO tasks (id, user_id, title, description, completed, created_at, updated_at) "
    "SELECT $1::uuid, $2::varchar, $3::varchar, $4::varchar, $5::boolean, $6::timestamptz, $6::timestamptz "
    f"WHERE {LIVE.format(7)} RETURNING {COLUMNS}"
)
TOGGLE_SQL = (
    "UPDATE tasks SET completed = NOT tasks.completed, updated_at = $1 "  # noqa: S608
    f"WHERE tasks.id = $2 AND tasks.user_id = $3 AND {LIVE.format(4)} RETURNING {COLUMNS}"
)
# Only on the miss path: tells "signed out" (401) from "not there" (404), as the app does.
SIGN_IN_LIVE_SQL = f"SELECT {LIVE.format(1)}"

EDITABLE = ("title", "description", "completed")
TITLE_MAX, DESCRIPTION_MAX = 200, 2000
TASK_PATH = re.compile(r"^/api/tasks/([^/]+)(/toggle)?$")
JSON_HEADERS = [(b"content-type", b"application/json")]

secret = os.environ.get("BETTER_AUTH_SECRET", "")
pool: asyncpg.Pool | None = None


class Refusal(Exception):
    """An answer other than 2xx, raised from anywhere in a request."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def update_sql(fields: Sequence[str]) -> str:
    """The UPDATE for the fields a body names, in a fixed order, so each combination is one prepared statement."""
    assignments = ", ".join(f"{name} = ${number}" for number, name in enumerate(fields, start=1))
    n = len(fields)
    # Field names come from EDITABLE, never from the body.
    return (
        f"UPDATE tasks SET {assignments}, updated_at = ${n + 1} "  # noqa: S608
        f"WHERE tasks.id = ${n + 2} AND tasks.user_id = ${n + 3} AND {LIVE.format(n + 4)} RETURNING {COLUMNS}"
    )


def task_json(row: asyncpg.Record) -> dict[str, Any]:
    task = dict(row)
    task["is_completed"] = task["completed"]
    return task


def dumps(value: object) -> bytes:
    # asyncpg's UUID is not the stdlib class orjson knows, hence `default=str`; OPT_UTC_Z writes `Z` like pydantic.
    return orjson.dumps(value, default=str, option=orjson.OPT_UTC_Z)


def caller(scope: Scope) -> tuple[str, str]:
    """(user id, sign-in id) from a verified access token; the signature is checked on every request."""
    token = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                token = ""
    if not token:
        raise Refusal(401, "Not authenticated")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"], "verify_aud": False})
    except jwt.PyJWTError:
        raise Refusal(401, "Invalid token") from None
    user_id, sign_in_id = claims.get("sub"), claims.get("sid")
    if claims.get("type") != "access" or not isinstance(user_id, str) or not isinstance(sign_in_id, str):
        raise Refusal(401, "Invalid token")
    return user_id, sign_in_id


def task_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Refusal(404, "Task not found") from None


async def read_json(receive: Receive) -> dict[str, Any]:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise Refusal(422, "Body is not JSON") from None
    if not isinstance(body, dict):
        raise Refusal(422, "Body must be an object")
    return body


def checked_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The editable fields a body gives, checked by the app's basic rules (title 1-200, description <= 2000)."""
    fields = {name: body[name] for name in EDITABLE if name in body}
    if "title" in fields or creating:
        title = fields.get("title")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= TITLE_MAX:
            raise Refusal(422, "title must be 1 to 200 characters")
        fields["title"] = title.strip()
    description = fields.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > DESCRIPTION_MAX):
        raise Refusal(422, "description must be at most 2000 characters")
    if "completed" in fields and not isinstance(fields["completed"], bool):
        raise Refusal(422, "completed must be a boolean")
    if not fields:
        raise Refusal(422, "give at least one of: title, description, completed")
    return fields


async def one_or_miss(connection: asyncpg.Connection, row: asyncpg.Record | None, sign_in_id: str) -> bytes:
    """The row as JSON, or the miss path's 401/404; only a miss pays the second query."""
    if row is not None:
        return dumps(task_json(row))
    if not await connection.fetchval(SIGN_IN_LIVE_SQL, sign_in_id):
        raise Refusal(401, "Token has been revoked")
    raise Refusal(404, "Task not found")


async def list_tasks(connection: asyncpg.Connection, user_id: str, sign_in_id: str) -> Answer:
    rows = await connection.fetch(LIST_SQL, user_id, sign_in_id)
    if not rows and not await connection.fetchval(SIGN_IN_LIVE_SQL, sign_in_id):
        raise Refusal(401, "Token has been revoked")
    return 200, dumps([task_json(row) for row in rows])


async def create_task(connection: asyncpg.Connection, user_id: str, sign_in_id: str, body: dict[str, Any]) -> Answer:
    fields = checked_fields(body, creating=True)
    now = datetime.now(UTC)
    row = await connection.fetchrow(
        CREATE_SQL,
        uuid.uuid4(),
        user_id,
        fields["title"],
        fields.get("description"),
        fields.get("completed", False),
        now,
        sign_in_id,
    )
    if row is None:
        raise Refusal(401, "Token has been revoked")
    return 201, dumps(task_json(row))


async def change_task(
    connection: asyncpg.Connection, user_id: str, sign_in_id: str, raw_id: str, body: dict[str, Any]
) -> Answer:
    fields = checked_fields(body, creating=False)
    names = tuple(fields)
    row = await connection.fetchrow(
        update_sql(names), *fields.values(), datetime.now(UTC), task_id(raw_id), user_id, sign_in_id
    )
    return 200, await one_or_miss(connection, row, sign_in_id)


async def toggle_task(connection: asyncpg.Connection, user_id: str, sign_in_id: str, raw_id: str) -> Answer:
    row = await connection.fetchrow(TOGGLE_SQL, datetime.now(UTC), task_id(raw_id), user_id, sign_in_id)
    return 200, await one_or_miss(connection, row, sign_in_id)


async def get_task(connection: asyncpg.Connection, user_id: str, sign_in_id: str, raw_id: str) -> Answer:
    row = await connection.fetchrow(GET_SQL, task_id(raw_id), user_id, sign_in_id)
    return 200, await one_or_miss(connection, row, sign_in_id)


async def route(scope: Scope, receive: Receive) -> Answer:
    method, path = scope["method"], scope["path"]
    if path == "/health":
        return 200, b'{"status":"ok"}'
    match = TASK_PATH.match(path)
    if path != "/api/tasks" and match is None:
        raise Refusal(404, "Not Found")
    user_id, sign_in_id = caller(scope)
    # Bodies are read before a connection is taken, so a slow client never holds one.
    body = await read_json(receive) if method in ("POST", "PUT", "PATCH") and not path.endswith("/toggle") else {}
    assert pool is not None, "the lifespan opens the pool"
    async with pool.acquire() as connection:
        if match is None:
            if method == "GET":
                return await list_tasks(connection, user_id, sign_in_id)
            if method == "POST":
                return await create_task(connection, user_id, sign_in_id, body)
        elif match.group(2):
            if method == "PATCH":
                return await toggle_task(connection, user_id, sign_in_id, match.group(1))
        elif method == "GET":
            return await get_task(connection, user_id, sign_in_id, match.group(1))
        elif method in ("PUT", "PATCH"):
            return await change_task(connection, user_id, sign_in_id, match.group(1), body)
    raise Refusal(405, "Method Not Allowed")


async def skip_reset(connection: asyncpg.Connection) -> None:
    """Replaces asyncpg's reset on release (a round trip per request), as the app does: no statement here leaves
    session state behind."""


async def lifespan(receive: Receive, send: Send) -> None:
    global pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            size = int(os.environ.get("DB_POOL_SIZE", "20"))
            # Fixed size and never closed while idle, like the app's pool: no connection opens under load.
            pool = await asyncpg.create_pool(
                os.environ["DATABASE_URL"],
                min_size=size,
                max_size=size,
                max_inactive_connection_lifetime=0,
                reset=skip_reset,
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if pool is not None:
                await pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    try:
        status, body = await route(scope, receive)
    except Refusal as refusal:
        status, body = refusal.status, dumps({"detail": refusal.detail})
    headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
