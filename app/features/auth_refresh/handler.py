"""The use case behind POST /api/auth/refresh: a refresh token traded for a new pair."""

from app.features.auth_refresh.query import swap_refresh_token
from app.shared.for_slices import (
    AuthenticationError,
    Session,
    TokenPair,
    TokenService,
    issue_tokens,
    revoke_sign_in,
    security_event,
)


async def handle(*, session: Session, tokens: TokenService, refresh_token: str) -> TokenPair:
    try:
        claims = tokens.verify_refresh(refresh_token)
    except AuthenticationError as error:
        security_event("invalid_token", "rejected refresh token", reason=error.detail)
        raise
    issued = issue_tokens(
        tokens, user_id=claims.user_id, email=claims.email, name=claims.name, sign_in_id=claims.sign_in_id
    )
    swapped = await swap_refresh_token(
        session=session,
        owner_id=claims.user_id,
        sign_in_id=claims.sign_in_id,
        presented_jti=claims.jti,
        new_jti=issued.refresh.jti,
    )
    if swapped:
        return issued.as_pair()
    # A validly signed token that is no longer the current one was stolen or replayed: end the whole sign-in,
    # so the thief's newer tokens die with the victim's.
    if await revoke_sign_in(session, owner_id=claims.user_id, sign_in_id=claims.sign_in_id):
        security_event(
            "refresh_reuse",
            "retired refresh token presented; sign-in revoked",
            user_id=claims.user_id,
            sign_in_id=claims.sign_in_id,
        )
        raise AuthenticationError("Refresh token was already used; this sign-in has been revoked")
    raise AuthenticationError("Refresh token has been revoked")
