"""Test harness: every data test runs on SQLite and on PostgreSQL (a fresh database per run, dropped after).

PostgreSQL comes from TEST_DATABASE_URL or 127.0.0.1:5432. Where no server answers, the PostgreSQL half is
skipped with a visible reason, unless REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
"""

import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

TEST_SECRET = "test-secret-" + secrets.token_urlsafe(32)
# app.main builds a module-level app on import; give it a valid, harmless configuration.
os.environ.setdefault("BETTER_AUTH_SECRET", TEST_SECRET)
os.environ.setdefault("DATABASE_URL", "sqlite+aiosqlite:////tmp/todo-api-import-check.db")
os.environ.setdefault("AUTO_MIGRATE", "false")

from app.main import create_app  # noqa: E402
from app.shared.database.tables import SignIn, Task, User  # noqa: E402
from app.shared.kernel import Kernel  # noqa: E402
from app.shared.settings import Settings  # noqa: E402
from tests import node_packages  # noqa: E402

DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgres"]
_postgres_skip_reason: list[str] = []


def postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_ADMIN_URL)


async def _postgres_answers(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL not reachable at {url.split('@')[-1]}: {error}"
    await connection.close()
    return None


@asynccontextmanager
async def throwaway_postgres_database() -> AsyncIterator[str]:
    """Creates a uniquely named database (so parallel runs never collide) and drops it afterwards."""
    admin_url = postgres_admin_url()
    problem = await _postgres_answers(admin_url)
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{problem} (REQUIRE_POSTGRES=1)")
        _postgres_skip_reason.append(problem)
        pytest.skip(problem)
    name = f"todo_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def test_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "auto_migrate": True,
        "database_url": database_url,
        "better_auth_secret": TEST_SECRET,
        "bcrypt_rounds": 4,
        "rate_limit_enabled": False,
        "log_level": "WARNING",
        # Many apps start and stop during a run, beside other runs on the same server: a small pool each.
        "db_pool_size": 5,
        # Strict reuse detection, the case most tests pin down; the reuse interval's tests set their own.
        "refresh_reuse_grace_seconds": 0,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, though its name starts with test_


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'todo.db'}"
        return
    async with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    async with running_app(test_settings(database_url)) as started:
        yield started


@pytest.fixture
def kernel(app: FastAPI) -> Kernel:
    return app.state.kernel  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    kernel: Kernel = request.getfixturevalue("app").state.kernel
    async with kernel.database.orm_session() as session:
        for table in (Task, SignIn, User):
            await session.exec(delete(table))
        await session.commit()
    kernel.provisioner.forget_all()


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),
        base_url="http://testserver",
        **kwargs,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
def app_with(database_url: str) -> Callable[..., AbstractAsyncContextManager[FastAPI]]:
    """A separately configured app on the same database, for tests of a setting: `async with app_with(X=1)`."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[FastAPI]:
        return running_app(test_settings(database_url, **overrides))

    return start


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _postgres_skip_reason:
        terminalreporter.write_sep(
            "!", f"PostgreSQL half SKIPPED — only SQLite was tested. {_postgres_skip_reason[0]}", yellow=True
        )
    for reason in dict.fromkeys(node_packages.skip_reasons):
        terminalreporter.write_sep("!", f"Node-based tests SKIPPED: {reason}", yellow=True)
