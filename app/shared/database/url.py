"""Turns whatever URL a user pastes (Heroku-style, libpq-style, Neon's, SQLite) into an async engine target."""

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from sqlalchemy.engine import URL, make_url

ASYNC_POSTGRES_DRIVER = "postgresql+asyncpg"
ASYNC_SQLITE_DRIVER = "sqlite+aiosqlite"
# libpq's sslmode values are the strings asyncpg's `ssl` argument takes.
SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
# Options of SQLAlchemy's asyncpg dialect, not of asyncpg itself: requests run on asyncpg directly, and with no
# statement cache asyncpg prepares unnamed statements, which live only as long as the transaction around them.
SQLALCHEMY_ONLY_OPTIONS = {"prepared_statement_cache_size", "prepared_statement_name_func"}


@dataclass(frozen=True)
class DatabaseTarget:
    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)
    pooled: bool = False
    ignored_parameters: tuple[str, ...] = ()

    # Behind a pooler that tracks protocol-level prepared statements (PgBouncer 1.21+ with max_prepared_statements,
    # as Neon runs it), statements stay cached and need no transaction around them.
    pooler_prepares: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def wraps_statements_in_transactions(self) -> bool:
        """A transaction-mode pooler without prepared-statement support may hand the Parse and the Execute of one
        statement to two server connections, unless a transaction pins them to one.
        """
        return self.pooled and not self.pooler_prepares

    def asyncpg_connect_kwargs(self) -> dict[str, Any]:
        """What `asyncpg.connect` takes for this target; SQLAlchemy's own query options are left out."""
        extra = {key: value for key, value in self.url.query.items() if key not in SQLALCHEMY_ONLY_OPTIONS}
        return {
            "host": self.url.host,
            "port": self.url.port,
            "user": self.url.username,
            "password": self.url.password,
            "database": self.url.database,
            **extra,
            **{key: value for key, value in self.connect_args.items() if key not in SQLALCHEMY_ONLY_OPTIONS},
        }


def unique_statement_name() -> str:
    # A transaction-mode pooler hands each transaction any server connection, so names must never repeat.
    return f"__asyncpg_{uuid4()}__"


def parse_database_url(
    raw_url: str,
    *,
    pooled: bool | None = None,
    pooler_prepares: bool = False,
    connect_timeout: float = 5.0,
    command_timeout: float = 30.0,
) -> DatabaseTarget:
    url = make_url(raw_url.strip())
    backend = url.get_backend_name()
    if backend == "sqlite":
        return DatabaseTarget(url=url.set(drivername=ASYNC_SQLITE_DRIVER))
    if backend not in {"postgresql", "postgres"}:
        raise ValueError(f"DATABASE_URL must be PostgreSQL or SQLite, not {url.drivername!r}")
    return _postgres_target(
        url,
        pooled=pooled,
        pooler_prepares=pooler_prepares,
        connect_timeout=connect_timeout,
        command_timeout=command_timeout,
    )


def _postgres_target(
    url: URL, *, pooled: bool | None, pooler_prepares: bool, connect_timeout: float, command_timeout: float
) -> DatabaseTarget:
    query = dict(url.query)
    connect_args: dict[str, Any] = {"timeout": connect_timeout, "command_timeout": command_timeout}
    server_settings: dict[str, str] = {}
    ignored: list[str] = []

    sslmode = _single(query.pop("sslmode", None))
    if sslmode is not None:
        if sslmode not in SSL_MODES:
            raise ValueError(f"sslmode={sslmode!r} is not one of {sorted(SSL_MODES)}")
        connect_args["ssl"] = sslmode
    if query.pop("channel_binding", None) is not None:
        # asyncpg cannot bind channels; TLS from sslmode still protects the connection.
        ignored.append("channel_binding")
    timeout = _single(query.pop("connect_timeout", None))
    if timeout is not None:
        connect_args["timeout"] = float(timeout)
    for startup_parameter in ("application_name", "options"):
        value = _single(query.pop(startup_parameter, None))
        if value is not None:
            server_settings[startup_parameter] = value
    if server_settings:
        connect_args["server_settings"] = server_settings

    is_pooled = pooled if pooled is not None else "-pooler" in (url.host or "")
    if is_pooled and not pooler_prepares:
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = unique_statement_name
        query["prepared_statement_cache_size"] = "0"

    return DatabaseTarget(
        url=url.set(drivername=ASYNC_POSTGRES_DRIVER, query=query),
        connect_args=connect_args,
        pooled=is_pooled,
        pooler_prepares=is_pooled and pooler_prepares,
        ignored_parameters=tuple(ignored),
    )


def _single(value: str | tuple[str, ...] | None) -> str | None:
    if isinstance(value, tuple):
        return value[-1] if value else None
    return value
