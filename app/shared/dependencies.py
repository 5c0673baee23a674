"""The `Annotated` aliases slices declare. Slices import these, never the kernel's internals.

Sessions use FastAPI's "function" scope so the commit finishes before the response is sent: a client that
gets a 2xx can always read its write back.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.current_user import CurrentUser
from app.shared.auth.passwords import PasswordHasher
from app.shared.auth.tokens import TokenService
from app.shared.errors import DomainError, ServiceUnavailableError
from app.shared.kernel import Kernel
from app.shared.settings import Settings


def _kernel(request: Request) -> Kernel:
    return request.app.state.kernel  # type: ignore[no-any-return]


async def _statement_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = _kernel(request).database
    if not database.schema_ready:
        raise ServiceUnavailableError("Database is not ready yet")
    async with database.statement_session() as session:
        try:
            yield session
        except DomainError:
            # Statements here are durable once run (autocommit); behind a pooler, where they share one
            # transaction, committing on an expected outcome keeps that promise (refresh-reuse revokes, then 401s).
            await session.commit()
            raise
        await session.commit()


async def _transaction_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = _kernel(request).database
    if not database.schema_ready:
        raise ServiceUnavailableError("Database is not ready yet")
    async with database.transaction_session() as session:
        # An exception skips the commit; closing the session rolls the transaction back.
        yield session
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(_statement_session, scope="function")]
"""Each statement is its own transaction: for routes that send one statement."""

TransactionDep = Annotated[AsyncSession, Depends(_transaction_session, scope="function")]
"""One transaction for the whole request: for routes whose several writes must land together."""


def _settings(request: Request) -> Settings:
    return _kernel(request).settings


def _tokens(request: Request) -> TokenService:
    return _kernel(request).tokens


def _passwords(request: Request) -> PasswordHasher:
    return _kernel(request).passwords


async def _limit_auth_by_client(request: Request, response: Response) -> None:
    limiter = _kernel(request).rate_limiter
    if limiter is not None:
        await limiter.limit_client(request, response)


def _sign_in_email_limit(request: Request, response: Response) -> Callable[[str], Awaitable[None]]:
    limiter = _kernel(request).rate_limiter

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
    "TransactionDep",
]
