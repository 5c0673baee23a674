"""The `CurrentUser` dependency: verifies the bearer token and names the caller.

For a user this service already knows, it costs no database round trip: sign-out is enforced by `owned_by` in
the route's own statement. A user first seen through a Better Auth token is provisioned once per process. Every
authenticated route is counted in the per-user rate-limit bucket here, so slices declare nothing for it.
"""

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import jwt as jose_jwt
from jose.exceptions import JOSEError

from app.shared.auth.principal import Principal
from app.shared.errors import AuthenticationError
from app.shared.kernel import Kernel, kernel_of
from app.shared.security_log import security_event

bearer_scheme = HTTPBearer(auto_error=False, description="Access token from /api/auth/signin or Better Auth")


async def current_principal(
    request: Request,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None:
        raise AuthenticationError("Not authenticated")
    kernel = kernel_of(request)
    try:
        principal = await _verify(kernel, credentials.credentials)
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


async def _verify(kernel: Kernel, token: str) -> Principal:
    try:
        header = jose_jwt.get_unverified_header(token)
    except JOSEError:
        raise AuthenticationError("Malformed token") from None
    if header.get("kid") and header.get("alg") != "HS256" and kernel.better_auth_keys.enabled:
        return await kernel.better_auth_keys.verify(token)
    return kernel.tokens.verify_access(token)


CurrentUser = Annotated[Principal, Depends(current_principal)]
