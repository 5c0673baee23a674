"""The use case behind POST /api/auth/refresh: a refresh token traded for a new pair.

Rotation with reuse detection, softened by a reuse interval: a token retired by the sign-in's last rotation and
presented again within `grace_seconds` of it is a second tab that refreshed at the same moment, and gets the
sign-in's current pair; any other retired token was copied, and ends the whole sign-in (docs/auth.md).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NoReturn

from app.features.auth_refresh.query import select_current_jti_within_grace, swap_refresh_token
from app.shared.for_slices import (
    AuthenticationError,
    Session,
    TokenPair,
    TokenService,
    issue_tokens,
    revoke_sign_in,
    security_event,
    utc_now,
)


async def handle(
    *,
    session: Session,
    tokens: TokenService,
    refresh_token: str,
    grace_seconds: float,
    clock: Callable[[], datetime] = utc_now,
) -> TokenPair:
    try:
        claims = tokens.verify_refresh(refresh_token)
    except AuthenticationError as error:
        security_event("invalid_token", "rejected refresh token", reason=error.detail)
        raise
    now = clock()
    issued = issue_tokens(
        tokens, user_id=claims.user_id, email=claims.email, name=claims.name, sign_in_id=claims.sign_in_id
    )
    swapped = await swap_refresh_token(
        session=session,
        owner_id=claims.user_id,
        sign_in_id=claims.sign_in_id,
        presented_jti=claims.jti,
        new_jti=issued.refresh.jti,
        now=now,
    )
    if swapped:
        return issued.as_pair()
    current_jti = await _current_jti_within_grace(
        session,
        owner_id=claims.user_id,
        sign_in_id=claims.sign_in_id,
        presented_jti=claims.jti,
        grace_seconds=grace_seconds,
        now=now,
    )
    if current_jti is not None:
        # The current refresh token signed afresh, not a new one: the sign-in keeps one current jti, so the tab
        # that won the race and this one can both go on refreshing.
        return issue_tokens(
            tokens,
            user_id=claims.user_id,
            email=claims.email,
            name=claims.name,
            sign_in_id=claims.sign_in_id,
            refresh_jti=current_jti,
        ).as_pair()
    await _revoke_for_reuse(session, owner_id=claims.user_id, sign_in_id=claims.sign_in_id)


async def _current_jti_within_grace(
    session: Session, *, owner_id: str, sign_in_id: str, presented_jti: str, grace_seconds: float, now: datetime
) -> str | None:
    if grace_seconds <= 0:
        return None  # strict reuse detection: no second look
    return await select_current_jti_within_grace(
        session=session,
        owner_id=owner_id,
        sign_in_id=sign_in_id,
        presented_jti=presented_jti,
        rotated_after=now - timedelta(seconds=grace_seconds),
        now=now,
    )


async def _revoke_for_reuse(session: Session, *, owner_id: str, sign_in_id: str) -> NoReturn:
    # A validly signed token that is no longer the current one was stolen or replayed: end the whole sign-in,
    # so the thief's newer tokens die with the victim's.
    if await revoke_sign_in(session, owner_id=owner_id, sign_in_id=sign_in_id):
        security_event(
            "refresh_reuse", "retired refresh token presented; sign-in revoked", user_id=owner_id, sign_in_id=sign_in_id
        )
        raise AuthenticationError("Refresh token was already used; this sign-in has been revoked")
    raise AuthenticationError("Refresh token has been revoked")
