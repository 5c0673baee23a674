"""The one place where exceptions become HTTP responses.

Every error body holds `detail` (a string, or FastAPI's list of field errors for a 422) and `message`, a human
line for clients that show a `message` field: the detail itself, or for a 422 a one-line summary of the fields.
"""

import json
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.shared.errors import (
    AuthenticationError,
    ConflictError,
    CrossSiteRequestError,
    DatabaseUnavailableError,
    DomainError,
    DuplicateValueError,
    IdempotencyKeyReusedError,
    InvalidHeaderError,
    NotFoundError,
    NotModified,
    PayloadTooLargeError,
    PreconditionFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    UnstorableValueError,
)
from app.shared.http.responses import JSON_OPTIONS
from app.shared.kernel import kernel_of
from app.shared.rate_limits.limiter import rate_limit_headers

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotModified: 304,
    InvalidHeaderError: 400,
    AuthenticationError: 401,
    CrossSiteRequestError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    DuplicateValueError: 409,
    PreconditionFailedError: 412,
    PayloadTooLargeError: 413,
    IdempotencyKeyReusedError: 422,
    RateLimitedError: 429,
    ServiceUnavailableError: 503,
    UnstorableValueError: 422,
}
INTERNAL_ERROR_DETAIL = "Internal server error"
INVALID_JSON_DETAIL = "Request body is not valid JSON"
# Where a field error's `loc` starts: the part of the request, which the summary leaves out ("title", not "body.title").
_REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})


def error_response(
    status: int,
    detail: Any,
    headers: dict[str, str] | None = None,
    *,
    message: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body = {"detail": detail, "message": message or error_message(detail), **(extra or {})}
    return Response(_json_bytes(body), status_code=status, headers=headers, media_type="application/json")


def error_message(detail: Any) -> str:
    """The human line for an error's `detail`: the string itself, or one `field: problem` per field error."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail:
        return "; ".join(_problem_line(problem) for problem in detail)
    return str(detail)


def _problem_line(problem: Any) -> str:
    """`title: String should have at least 1 character`, from one of FastAPI's field errors."""
    if not isinstance(problem, dict):
        return str(problem)
    loc = problem.get("loc") or ()
    parts = [str(part) for part in loc] if isinstance(loc, list | tuple) else [str(loc)]
    if len(parts) > 1 and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    return f"{'.'.join(parts) or 'request'}: {problem.get('msg', '')}"


def internal_error_response() -> Response:
    return error_response(500, INTERNAL_ERROR_DETAIL)


UNSTORABLE_INPUT_DETAIL = [
    {"type": "value_error", "loc": ["request"], "msg": UnstorableValueError.detail, "input": None}
]
# FastAPI's list form, on the header: the key is valid, but names another request.
KEY_REUSED_DETAIL = [
    {
        "type": "idempotency_key_reused",
        "loc": ["header", "Idempotency-Key"],
        "msg": IdempotencyKeyReusedError.detail,
        "input": None,
    }
]


def install_error_handlers(app: FastAPI) -> None:
    retry_after = str(kernel_of(app).settings.retry_after_seconds)

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
            if isinstance(error, DatabaseUnavailableError):
                cause = type(error.__cause__).__name__ if error.__cause__ else "unknown"
                logger.bind(event="database_unavailable").warning("Database unavailable: {}", cause)
        elif isinstance(error, NotModified):
            # Not a failure: the client's copy is current. No body, and the tag it may keep using.
            return Response(status_code=status, headers=headers | {"ETag": error.etag})
        elif isinstance(error, PreconditionFailedError):
            headers["ETag"] = error.etag
            return error_response(status, error.detail, headers, extra={error.name: error.current})
        elif isinstance(error, IdempotencyKeyReusedError):
            return error_response(status, KEY_REUSED_DETAIL, headers, message=error.detail)
        elif isinstance(error, UnstorableValueError):
            cause = type(error.__cause__).__name__ if error.__cause__ else "unknown"
            logger.bind(event="unstorable_input").warning("Unstorable input refused: {}", cause)
            return error_response(status, UNSTORABLE_INPUT_DETAIL, headers, message=UnstorableValueError.detail)
        return error_response(status, error.detail, headers)

    async def on_validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = error.errors()
        headers = rate_limit_headers(request)
        if any(problem.get("type") == "json_invalid" for problem in problems):
            return error_response(400, INVALID_JSON_DETAIL, headers)
        return error_response(422, _json_safe(problems), headers)

    async def on_http_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, error.detail, dict(error.headers or {}))

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def _json_safe(problems: Any) -> Any:
    # Pydantic puts the offending exception object in `ctx`; keep its message, not the object.
    try:
        return orjson.loads(orjson.dumps(problems, default=str))
    except TypeError:
        return json.loads(json.dumps(problems, default=str))


def _json_bytes(payload: Any) -> bytes:
    try:
        # The options every answer renders with, so the current task in a 412 reads as it does in a 200.
        return orjson.dumps(payload, default=str, option=JSON_OPTIONS)
    except TypeError:
        # orjson refuses integers past 64 bits and unpaired surrogates, and a client may send either (echoed back
        # in a validation error). The standard library escapes both.
        return json.dumps(payload, default=str).encode()
