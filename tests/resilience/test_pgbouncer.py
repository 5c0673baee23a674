"""Behind a transaction-mode PgBouncer (what Neon's `-pooler` endpoint is), every route works under concurrency.

Each transaction may run on a different server connection there, so a statement prepared in one is unknown (or
already taken) in the next. Pooled mode — no statement cache, unique statement names, every session a
transaction — is what makes it work; the second test shows the same traffic failing without it.
"""

import asyncio
import secrets
from typing import Any

import httpx
import pytest

from app.shared.database import Database
from tests.conftest import client_for, running_app
from tests.conftest import test_settings as settings_for
from tests.factories import bearer
from tests.resilience.components import PgBouncer
from tests.resilience.conftest import through

CLIENTS = 50


async def journey(http: httpx.AsyncClient, client: int) -> list[str]:
    """Every happy path a frontend walks, in order; returns what went wrong (nothing, when all is well)."""
    problems: list[str] = []

    def expect(step: str, response: httpx.Response, status: int) -> Any:
        if response.status_code != status:
            problems.append(f"client {client} {step}: {response.status_code} {response.text[:200]}")
        return response.json() if response.content else None

    email = f"pooled-{client}-{secrets.token_hex(4)}@example.com"
    credentials = {"email": email, "password": "correct horse battery"}
    expect("sign-up", await http.post("/api/auth/signup", json=credentials | {"name": f"Client {client}"}), 201)
    session = expect("sign-in", await http.post("/api/auth/signin", json=credentials), 200)
    if problems:
        return problems
    headers = bearer(session["access_token"])

    task = expect("create", await http.post("/api/tasks", json={"title": f"task {client}"}, headers=headers), 201)
    if problems:
        return problems
    path = f"/api/tasks/{task['id']}"
    listed = expect("list", await http.get("/api/tasks", headers=headers), 200)
    if listed is not None and [item["id"] for item in listed] != [task["id"]]:
        problems.append(f"client {client} list: {listed}")
    expect("get", await http.get(path, headers=headers), 200)
    updated = expect("update", await http.put(path, json={"title": "renamed"}, headers=headers), 200)
    toggled = expect("toggle", await http.patch(f"{path}/toggle", headers=headers), 200)
    if updated and toggled and (updated.get("title"), toggled.get("completed")) != ("renamed", True):
        problems.append(f"client {client} update/toggle: {updated} {toggled}")
    expect("me", await http.get("/api/auth/me", headers=headers), 200)
    expect("delete", await http.delete(path, headers=headers), 204)
    refreshed = expect(
        "refresh", await http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}), 200
    )
    if refreshed is None:
        return problems
    fresh = bearer(refreshed["access_token"])
    expect("sign-out", await http.post("/api/auth/signout", headers=fresh), 200)
    expect("after sign-out", await http.get("/api/tasks", headers=fresh), 401)
    return problems


async def run_journeys(app: Any) -> list[str]:
    async with client_for(app) as http:
        results = await asyncio.gather(*(journey(http, client) for client in range(CLIENTS)), return_exceptions=True)
    # A journey that could not even read an answer (a 200 with another statement's columns) went wrong too.
    return [
        problem
        for problems in results
        for problem in ([f"garbled answer: {problems!r}"] if isinstance(problems, BaseException) else problems)
    ]


@pytest.mark.slow
async def test_every_route_works_through_pgbouncer_in_pooled_mode(pgbouncer: PgBouncer, cluster_database: str) -> None:
    settings = settings_for(through(pgbouncer, cluster_database), database_pooled=True)
    async with running_app(settings) as app:
        assert app.state.kernel.database.target.pooled
        assert app.state.kernel.database.schema_ready  # migrations ran through the pooler too
        assert await run_journeys(app) == []


@pytest.mark.slow
async def test_without_pooled_mode_the_same_traffic_fails_through_pgbouncer(
    pgbouncer: PgBouncer, cluster_database: str
) -> None:
    url = through(pgbouncer, cluster_database)
    async with running_app(settings_for(url, database_pooled=True)):
        pass  # the schema, migrated the way that works
    async with running_app(settings_for(url, database_pooled=False, auto_migrate=False)) as app:
        problems = await run_journeys(app)
    # asyncpg names and caches prepared statements per server connection, and PgBouncer swaps that connection
    # underneath: "prepared statement does not exist" (a 500), or worse, a name that exists there for another
    # statement runs that one instead (seen: a sign-in that finds no user, a wrong 401). Never a clean run.
    assert problems, "the same traffic without pooled mode went through cleanly: is PgBouncer in transaction mode?"


def test_a_neon_pooler_url_turns_pooled_mode_on() -> None:
    url = "postgresql://alex:secret@ep-cool-sun-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require"
    target = Database(settings_for(url)).target

    assert target.pooled
    assert target.connect_args["statement_cache_size"] == 0
    assert target.url.query["prepared_statement_cache_size"] == "0"
    name = target.connect_args["prepared_statement_name_func"]
    assert name() != name()


def test_a_direct_neon_url_keeps_the_statement_cache() -> None:
    target = Database(settings_for("postgresql://alex:secret@ep-cool-sun-123456.aws.neon.tech/neondb")).target
    assert not target.pooled
    assert "statement_cache_size" not in target.connect_args
