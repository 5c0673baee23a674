"""Which database errors mean "the database is away" (503, retry) and which are the request's or the code's."""

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

from app.shared.database.driver_errors import is_database_unavailable, is_unstorable_input

DBAPI = AsyncAdapt_asyncpg_dbapi(asyncpg)


def as_sqlalchemy_error(driver_error: Exception) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises for an asyncpg error: wrapped twice, as it is in a running app."""
    translate = next(
        translated for kind, translated in DBAPI._asyncpg_error_translate.items() if isinstance(driver_error, kind)
    )
    adapted = translate(str(driver_error), driver_error)
    adapted.__cause__ = driver_error
    return sa_exc.DBAPIError.instance("SELECT 1", {}, adapted, DBAPI.Error)


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another server process"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionFailureError("server conn crashed?"),
        asyncpg.ProtocolViolationError("no more connections allowed (max_client_conn)"),
        asyncpg.InterfaceError("connection is closed"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_server_that_is_away_or_restarting_is_unavailable(driver_error: Exception) -> None:
    assert is_database_unavailable(as_sqlalchemy_error(driver_error))


@pytest.mark.parametrize(
    "error",
    [ConnectionRefusedError(111, "Connection refused"), TimeoutError(), sa_exc.TimeoutError("QueuePool limit")],
    ids=lambda error: type(error).__name__,
)
def test_refused_connections_and_timeouts_are_unavailable(error: Exception) -> None:
    assert is_database_unavailable(error)


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.UndefinedTableError('relation "tasks" does not exist'),
        asyncpg.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"),
        asyncpg.InvalidPasswordError('password authentication failed for user "postgres"'),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_a_retry_would_not_cure_are_not_unavailability(driver_error: Exception) -> None:
    assert not is_database_unavailable(as_sqlalchemy_error(driver_error))


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        asyncpg.DataError("invalid input for query argument $1: 100000000000000000000 (value out of int64 range)"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_values_the_database_refuses_are_the_clients_fault_not_an_outage(driver_error: Exception) -> None:
    error = as_sqlalchemy_error(driver_error)
    # asyncpg's DataError is an InterfaceError, like a lost connection: only its cause tells them apart.
    assert is_unstorable_input(error)
    assert not is_database_unavailable(error)
