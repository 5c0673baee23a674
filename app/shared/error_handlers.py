"""The one place where exceptions become HTTP responses."""

import json
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from loguru import logger
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.shared.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
)
from app.shared.rate_limit import rate_limit_headers

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    AuthenticationError: 401,
    NotFoundError: 404,
    ConflictError: 409,
    PayloadTooLargeError: 413,
    RateLimitedError: 429,
    ServiceUnavailableError: 503,
}
INTERNAL_ERROR_DETAIL = "Internal server error"


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(_json_bytes({"detail": detail}), status_code=status, headers=headers, media_type="application/json")


def internal_error_response() -> Response:
    return error_response(500, INTERNAL_ERROR_DETAIL)


# SQLSTATE classes that say the server is away, going away or not there yet, never that the request was wrong:
# 08 connection exception (PgBouncer reports its own failures so too), 57P shutdown and "cannot connect now"
# (starting up, shutting down), 53 insufficient resources ("too many clients already").
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53")


# SQLSTATE class 22, data exception: the value itself is refused (a NUL character in text, a number out of range).
UNSTORABLE_SQLSTATE_PREFIX = "22"
UNSTORABLE_INPUT_DETAIL = [
    {
        "type": "value_error",
        "loc": ["request"],
        "msg": "A value cannot be stored: a NUL character, an unpaired surrogate, or a number out of range",
        "input": None,
    }
]


def is_unstorable_input(error: BaseException) -> bool:
    """The request carried a value that passed validation but no database or encoder can take.

    Valid JSON may hold an unpaired surrogate ("\\ud800"), which is not Unicode and cannot be encoded; PostgreSQL
    refuses NUL in text; an integer may exceed 64 bits. The client, not the service, is at fault: 422, not 500.
    """
    if isinstance(error, UnicodeError | OverflowError):
        return True
    if not isinstance(error, sa_exc.DBAPIError) or error.connection_invalidated:
        return False
    driver_error = error.orig.__cause__ if error.orig is not None else None
    # asyncpg's DataError ("invalid input for query argument") is a ValueError: an argument it could not encode.
    if isinstance(driver_error, ValueError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(UNSTORABLE_SQLSTATE_PREFIX)


def is_database_unavailable(error: BaseException) -> bool:
    """Connection refused or lost, pool exhausted, connect timeout, server restarting: the database is at fault."""
    if isinstance(error, sa_exc.TimeoutError | ConnectionError | TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if is_unstorable_input(error):
            return False
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
        sqlstate = getattr(error.orig, "sqlstate", None)
        return isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
    return isinstance(error, OSError)


def install_error_handlers(app: FastAPI) -> None:
    retry_after = str(app.state.kernel.settings.retry_after_seconds)

    async def on_domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        status = next(code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind))
        # A limited route that fails (a wrong password, an unknown task) still tells the caller what is left.
        headers = rate_limit_headers(request)
        if isinstance(error, AuthenticationError):
            headers["WWW-Authenticate"] = "Bearer"
        elif isinstance(error, RateLimitedError):
            headers |= error.headers
            headers["Retry-After"] = str(error.retry_after_seconds)
        elif isinstance(error, ServiceUnavailableError):
            headers["Retry-After"] = retry_after
        return error_response(status, error.detail, headers)

    async def on_validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = error.errors()
        headers = rate_limit_headers(request)
        if any(problem.get("type") == "json_invalid" for problem in problems):
            return error_response(400, "Request body is not valid JSON", headers)
        return error_response(422, _json_safe(problems), headers)

    async def on_http_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, error.detail, dict(error.headers or {}))

    async def on_database_error(_request: Request, error: Exception) -> Response:
        if is_unstorable_input(error):
            logger.bind(event="unstorable_input").warning("Unstorable input refused: {}", type(error).__name__)
            return error_response(422, UNSTORABLE_INPUT_DETAIL)
        if not is_database_unavailable(error):
            raise error
        logger.bind(event="database_unavailable").warning("Database unavailable: {}", type(error).__name__)
        return error_response(503, ServiceUnavailableError.detail, {"Retry-After": retry_after})

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for database_error in (sa_exc.DBAPIError, sa_exc.TimeoutError, OSError, TimeoutError, UnicodeError, OverflowError):
        app.add_exception_handler(database_error, on_database_error)


def _json_safe(problems: Any) -> Any:
    # Pydantic puts the offending exception object in `ctx`; keep its message, not the object.
    try:
        return orjson.loads(orjson.dumps(problems, default=str))
    except TypeError:
        return json.loads(json.dumps(problems, default=str))


def _json_bytes(payload: Any) -> bytes:
    try:
        return orjson.dumps(payload, default=str)
    except TypeError:
        # orjson refuses integers past 64 bits and unpaired surrogates, and a client may send either (echoed back
        # in a validation error). The standard library escapes both.
        return json.dumps(payload, default=str).encode()
