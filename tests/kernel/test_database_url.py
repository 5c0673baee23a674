"""A URL pasted as Neon, Heroku or libpq show it becomes a working asyncpg (or aiosqlite) configuration."""

import pytest
from sqlalchemy import text

from app.shared.database import Database
from app.shared.database.url import parse_database_url
from tests.conftest import postgres_admin_url, test_settings

NEON = (
    "postgresql://alex:s3cret@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb"
    "?sslmode=require&channel_binding=require"
)
NEON_POOLED = NEON.replace("ep-cool-name-123456", "ep-cool-name-123456-pooler")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_every_postgres_scheme_becomes_asyncpg(scheme: str) -> None:
    target = parse_database_url(f"{scheme}://u:p@db.example.com:6543/app")
    assert target.url.drivername == "postgresql+asyncpg"
    assert (target.url.host, target.url.port, target.url.database, target.url.username) == (
        "db.example.com",
        6543,
        "app",
        "u",
    )


def test_a_neon_url_pasted_as_is_turns_into_asyncpg_arguments() -> None:
    target = parse_database_url(NEON, connect_timeout=5, command_timeout=30)
    assert target.url.drivername == "postgresql+asyncpg"
    assert dict(target.url.query) == {}  # asyncpg would reject sslmode and channel_binding as keywords
    assert target.connect_args["ssl"] == "require"
    assert target.ignored_parameters == ("channel_binding",)
    assert target.pooled is False
    assert (target.connect_args["timeout"], target.connect_args["command_timeout"]) == (5, 30)
    assert target.url.password == "s3cret"


def test_neons_pooler_host_turns_on_pooled_mode() -> None:
    target = parse_database_url(NEON_POOLED)
    assert target.pooled is True
    assert target.connect_args["statement_cache_size"] == 0
    assert target.url.query["prepared_statement_cache_size"] == "0"
    namer = target.connect_args["prepared_statement_name_func"]
    names = {namer() for _ in range(100)}
    assert len(names) == 100  # unique, so two statements never collide on one server connection


@pytest.mark.parametrize(("url", "override", "pooled"), [(NEON, True, True), (NEON_POOLED, False, False)])
def test_pooled_mode_can_be_forced_either_way(url: str, override: bool, pooled: bool) -> None:
    assert parse_database_url(url, pooled=override).pooled is pooled


def test_libpq_parameters_are_translated() -> None:
    target = parse_database_url("postgresql://h/db?connect_timeout=3&application_name=todo&sslmode=verify-full")
    assert target.connect_args["timeout"] == 3.0
    assert target.connect_args["server_settings"] == {"application_name": "todo"}
    assert target.connect_args["ssl"] == "verify-full"


def test_an_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ValueError, match="sslmode"):
        parse_database_url("postgresql://h/db?sslmode=sometimes")


@pytest.mark.parametrize("url", ["sqlite:///./todo.db", "sqlite+aiosqlite:///./todo.db"])
def test_sqlite_urls_use_aiosqlite(url: str) -> None:
    target = parse_database_url(url)
    assert target.url.drivername == "sqlite+aiosqlite"
    assert target.is_sqlite


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="PostgreSQL or SQLite"):
        parse_database_url("mysql://u:p@h/db")


async def test_a_libpq_style_url_connects_for_real() -> None:
    admin = postgres_admin_url()
    libpq = admin.replace("postgresql+asyncpg://", "postgresql://")
    url = f"{libpq}?sslmode=disable&channel_binding=require&application_name=todo-test"
    database = Database(test_settings(url))
    try:
        async with database.engine.connect() as connection:
            name = await connection.scalar(text("SELECT current_setting('application_name')"))
    except OSError as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    finally:
        await database.dispose()
    assert name == "todo-test"
