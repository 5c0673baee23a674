"""What a driver's exception means, decided once: the database is away (503), the value is unstorable (422), a
unique constraint refused the write, or none of these (a bug: it propagates and becomes a 500).
"""

import sqlite3

import asyncpg
from sqlalchemy import exc as sa_exc

from app.shared.errors import DatabaseUnavailableError, DomainError, DuplicateValueError, UnstorableValueError

# SQLSTATE classes that say the server is away, going away or not there yet, never that the request was wrong:
# 08 connection exception (PgBouncer reports its own failures so too), 57P shutdown and "cannot connect now"
# (starting up, shutting down), 53 insufficient resources ("too many clients already").
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53")
# SQLSTATE class 22, data exception: the value itself is refused (a NUL character in text, a number out of range).
UNSTORABLE_SQLSTATE_PREFIX = "22"
UNIQUE_VIOLATION_SQLSTATE = "23505"


def translate_driver_error(error: BaseException) -> DomainError | None:
    """The domain error a driver exception stands for, or None when it is a bug that must surface.

    Takes the driver's own exceptions (requests) and SQLAlchemy's wrappings of them (migrations, tools).
    """
    if isinstance(error, sa_exc.TimeoutError):
        return DatabaseUnavailableError()
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return DatabaseUnavailableError()
        # SQLAlchemy's asyncpg adapter wraps the driver's exception once more; its cause is the original.
        error = (error.orig.__cause__ or error.orig) if error.orig is not None else error
    if isinstance(error, UnicodeError | OverflowError):
        # Valid JSON may hold an unpaired surrogate ("\ud800") that no encoder takes, or an integer past 64 bits.
        return UnstorableValueError()
    if isinstance(error, asyncpg.DataError):
        # asyncpg's "invalid input for query argument": an argument it could not encode. It is also an
        # InterfaceError, like a lost connection, so it is told apart first.
        return UnstorableValueError()
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate == UNIQUE_VIOLATION_SQLSTATE:
            return DuplicateValueError()
        if sqlstate.startswith(UNSTORABLE_SQLSTATE_PREFIX):
            return UnstorableValueError()
        if sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES):
            return DatabaseUnavailableError()
        return None
    if isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error):
        return DuplicateValueError()
    if isinstance(error, sqlite3.OperationalError):
        # "database is locked" past the busy timeout, a full disk, an unreadable file.
        return DatabaseUnavailableError()
    if isinstance(error, asyncpg.InterfaceError | asyncpg.exceptions.InternalClientError | OSError | TimeoutError):
        # A closed connection, a refused or timed-out connect, a statement past the command timeout, or a
        # connection the server failed while it sat idle (its FATAL notice still being read: "another operation").
        return DatabaseUnavailableError()
    return None


def is_database_unavailable(error: BaseException) -> bool:
    """Connection refused or lost, connect timeout, server restarting: the database is at fault, a retry may work."""
    return isinstance(translate_driver_error(error), DatabaseUnavailableError)


def is_unstorable_input(error: BaseException) -> bool:
    """The request carried a value that passed validation but no database or encoder can take."""
    return isinstance(translate_driver_error(error), UnstorableValueError)


def unavailable_or_bug(error: Exception) -> Exception:
    """What to raise when getting a connection failed: the outage it stands for, else the error itself."""
    translated = translate_driver_error(error)
    return translated if isinstance(translated, DatabaseUnavailableError) else error
