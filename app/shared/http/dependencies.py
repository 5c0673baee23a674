"""The `Annotated` aliases slices declare. Slices import these, never the kernel's internals.

Every dependency on the request path is `async def`: FastAPI runs a plain `def` in the thread pool, which costs
a quarter of the throughput and adds half-second tails under load. Sessions use FastAPI's "function" scope, so
the connection is back in the pool (and any transaction committed) before the response is sent: a client
that gets a 2xx can always read its write back.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from app.shared.auth.passwords import PasswordHasher
from app.shared.auth.tokens import TokenService
from app.shared.database import Database, Session
from app.shared.errors import ServiceUnavailableError
from app.shared.http.current_user import CurrentUser
from app.shared.http.fast_path.dependencies import DirectDependency
from app.shared.kernel import Kernel, kernel_of
from app.shared.settings import Settings


async def _session(request: Request) -> AsyncIterator[Session]:
    async with _ready_database(request).session() as session:
        yield session


def _ready_database(request: Request) -> Database:
    database = kernel_of(request).database
    if not database.schema_ready:
        raise ServiceUnavailableError("Database is not ready yet")
    return database


class _DirectSession:
    """`_session` as the compiled fast path runs it: the same session, opened and closed by plain calls."""

    async def open(self, request: Request) -> Session:
        return _ready_database(request).new_session()

    async def close(self, session: Session, error: BaseException | None) -> None:
        await session.close(error)


SessionDep = Annotated[Session, Depends(_session, scope="function")]
"""Each statement is its own transaction; `async with session.transaction():` makes several land together."""

DIRECT_DEPENDENCIES: dict[Callable[..., Any], DirectDependency] = {_session: _DirectSession()}
"""Kernel generator dependencies the fast path opens and closes by direct calls instead of a generator."""


async def _kernel(request: Request) -> Kernel:
    return kernel_of(request)


async def _settings(request: Request) -> Settings:
    return kernel_of(request).settings


async def _tokens(request: Request) -> TokenService:
    return kernel_of(request).tokens


async def _passwords(request: Request) -> PasswordHasher:
    return kernel_of(request).passwords


async def _limit_auth_by_client(request: Request, response: Response) -> None:
    limiter = kernel_of(request).rate_limiter
    if limiter is not None:
        await limiter.limit_client(request, response)


async def _sign_in_email_limit(request: Request, response: Response) -> Callable[[str], Awaitable[None]]:
    limiter = kernel_of(request).rate_limiter

    async def count_attempt(email: str) -> None:
        if limiter is not None:
            await limiter.limit_email(email, request, response)

    return count_attempt


AuthRateLimit = Depends(_limit_auth_by_client)
"""Puts a router's routes in the per-client-IP auth bucket: `APIRouter(tags=[...], dependencies=[AuthRateLimit])`."""

SignInEmailLimit = Annotated[Callable[[str], Awaitable[None]], Depends(_sign_in_email_limit)]
"""`await limit(email)` before checking a password: counts the attempt against that account, 429 when over."""

KernelDep = Annotated[Kernel, Depends(_kernel)]
SettingsDep = Annotated[Settings, Depends(_settings)]
TokensDep = Annotated[TokenService, Depends(_tokens)]
PasswordsDep = Annotated[PasswordHasher, Depends(_passwords)]

__all__ = [
    "AuthRateLimit",
    "CurrentUser",
    "KernelDep",
    "PasswordsDep",
    "SessionDep",
    "SettingsDep",
    "SignInEmailLimit",
    "TokensDep",
]
