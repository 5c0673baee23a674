"""Domain exceptions. Handlers raise these; `error_handlers` turns them into HTTP in one place."""


class DomainError(Exception):
    """Base class: its message is safe to show to the client."""

    detail = "Request failed"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.detail
        super().__init__(self.detail)


class NotFoundError(DomainError):
    detail = "Not found"


class AuthenticationError(DomainError):
    """Missing, malformed, expired, revoked or wrong-type credentials."""

    detail = "Could not validate credentials"


class InvalidCredentialsError(AuthenticationError):
    detail = "Invalid email or password"


class CrossSiteRequestError(DomainError):
    """An unsafe request authenticated by a cookie, from an origin not listed in CORS_ORIGINS (CSRF): 403."""

    detail = "Cross-site request refused: this origin may not use the session cookie"


class ConflictError(DomainError):
    detail = "Conflict"


class RateLimitedError(DomainError):
    """Carries the seconds until a retry can succeed and the RateLimit-* headers of the bucket that refused."""

    detail = "Too many requests"

    def __init__(
        self, retry_after_seconds: int, detail: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        self.headers = headers or {}
        super().__init__(detail or f"Too many requests, retry in {self.retry_after_seconds} seconds")


class ServiceUnavailableError(DomainError):
    detail = "Service temporarily unavailable, retry shortly"


class PayloadTooLargeError(DomainError):
    detail = "Request body too large"


class DatabaseUnavailableError(ServiceUnavailableError):
    """The database refused, lost or never answered a connection: the client should retry shortly (503)."""


class UnstorableValueError(DomainError):
    """A value passed validation but the database cannot store it (a NUL character, an out-of-range number): 422."""

    detail = "A value cannot be stored: a NUL character, an unpaired surrogate, or a number out of range"


class DuplicateValueError(DomainError):
    """A unique constraint refused the write. Queries catch it and say what it means (an email already taken)."""

    detail = "Duplicate value"


class InvalidHeaderError(DomainError):
    """A request header that does not parse (a malformed `If-Match`): 400."""

    detail = "Malformed request header"


class PreconditionFailedError(DomainError):
    """`If-Match` named a version that is no longer current: 412, with the current state and its tag.

    `name` is the key the current state goes under (`task`); nothing was changed.
    """

    detail = "Precondition failed"

    def __init__(self, detail: str, *, name: str, current: dict[str, object], etag: str) -> None:
        super().__init__(detail)
        self.name = name
        self.current = current
        self.etag = etag


class NotModified(DomainError):
    """`If-None-Match` holds the current tag: the client's copy is still good (304, no body)."""

    detail = "Not modified"

    def __init__(self, etag: str) -> None:
        super().__init__()
        self.etag = etag


class IdempotencyKeyInUseError(ConflictError):
    """The same `Idempotency-Key` is still being served by its first request: 409, retry later."""

    detail = "A request with this Idempotency-Key is still running; retry later"


class IdempotencyKeyReusedError(DomainError):
    """The same `Idempotency-Key` came with another body or on another route: 422 on the header."""

    detail = "This Idempotency-Key was used for a different request"
