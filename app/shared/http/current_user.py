"""The `CurrentUser` dependency: verifies the bearer token (or, opt-in, Better Auth's cookies) and names the caller.

A bearer is one of three things: a JWT of ours (HS256), a JWT of Better Auth's `jwt()` plugin (asymmetric, with a
`kid`), or, when it is no JWT at all, Better Auth's opaque session token, which only Better Auth can vouch for.

For a user this service already knows, it costs no database round trip: sign-out is enforced by `owned_by` in
the route's own statement. A user first seen through a Better Auth token is provisioned once per process. Every
authenticated route is counted in the per-user rate-limit bucket here, so slices declare nothing for it.

It is one dependency, not two: as a subclass of FastAPI's `HTTPBearer` it still shows as the bearer scheme in
OpenAPI (so "Authorize" works in /docs), and the request path solves one dependency fewer.
"""

import base64
import binascii
import json
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.security import HTTPBearer

from app.shared.auth.better_auth_sessions import SessionCredential
from app.shared.auth.principal import Principal
from app.shared.auth.session_cookies import CookieCredentials, SessionCookies
from app.shared.errors import AuthenticationError
from app.shared.kernel import Kernel, kernel_of
from app.shared.observability.security_events import security_event

BEARER_PREFIX = b"bearer "


class BearerPrincipal(HTTPBearer):
    async def __call__(self, request: Request, response: Response) -> Principal:  # type: ignore[override]
        kernel = kernel_of(request)
        token = _bearer_token(request)
        if token is not None:
            verifying = _verify(kernel, token)
        elif kernel.session_cookies is not None and (cookies := _cookies_of(kernel.session_cookies, request)):
            verifying = kernel.session_cookies.verify(
                cookies, method=request.method, origin=request.headers.get("origin")
            )
        else:
            raise AuthenticationError("Not authenticated")
        try:
            principal = await verifying
            if principal.sign_in_id is None:
                await kernel.provisioner.ensure_exists(principal)
        except AuthenticationError as error:
            security_event("invalid_token", "rejected bearer token", reason=error.detail)
            raise
        request.state.user_id = principal.user_id
        # Counted per user once the token is proven, so a forged token cannot spend someone else's quota.
        if kernel.rate_limiter is not None:
            await kernel.rate_limiter.limit_user(principal.user_id, request, response)
        return principal


def _bearer_token(request: Request) -> str | None:
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            if value[:7].lower() != BEARER_PREFIX:
                return None
            token = value[7:].strip()
            return token.decode("latin-1") if token else None
    return None


def _cookies_of(session_cookies: SessionCookies, request: Request) -> CookieCredentials | None:
    for name, value in request.scope["headers"]:
        if name == b"cookie":
            return session_cookies.credentials_in(value.decode("latin-1"))
    return None


async def _verify(kernel: Kernel, token: str) -> Principal:
    if token.count(".") != 2:
        # No JWT: Better Auth's session token (its bearer() plugin), or a malformed token when that is off.
        return await kernel.better_auth_sessions.verify(SessionCredential(token))
    header = _header_of(token.partition(".")[0])
    if header.get("kid") and header.get("alg") != "HS256" and kernel.better_auth_keys.enabled:
        return await kernel.better_auth_keys.verify(token)
    return kernel.tokens.verify_access(token)


@lru_cache(maxsize=256)
def _header_of(segment: str) -> dict[str, Any]:
    """A token's JOSE header, which decides how it is checked. Few distinct headers exist, so each is read once."""
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):  # RecursionError: `[[[[…` nested past the parser's depth
        raise AuthenticationError("Malformed token") from None
    if not isinstance(header, dict):
        raise AuthenticationError("Malformed token")
    return header


bearer_scheme = BearerPrincipal(
    auto_error=False,
    scheme_name="HTTPBearer",
    description="Access token from /api/auth/signin, or a Better Auth token (jwt() plugin JWT or session token)",
)
CurrentUser = Annotated[Principal, Depends(bearer_scheme)]
