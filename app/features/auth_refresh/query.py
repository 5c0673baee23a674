"""The statements POST /api/auth/refresh runs, declared once, each scoped to its caller."""

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlmodel import col

from app.shared.for_slices import Session, SignIn, Statement

_WHEN = SignIn.__table__.columns["expires_at"].type  # type: ignore[attr-defined]
_NOW = bindparam("now", type_=_WHEN)
# Compare-and-swap in one statement: of two racing refreshes with the same token, exactly one wins. The token it
# retires is remembered with the moment, for the reuse interval below.
SWAP_REFRESH_TOKEN = Statement(
    update(SignIn)
    .where(
        col(SignIn.id) == bindparam("sign_in_id"),
        col(SignIn.user_id) == bindparam("owner_id"),
        col(SignIn.refresh_jti) == bindparam("presented_jti"),
        col(SignIn.revoked_at).is_(None),
        col(SignIn.expires_at) > _NOW,
    )
    .values(refresh_jti=bindparam("new_jti"), previous_refresh_jti=col(SignIn.refresh_jti), rotated_at=_NOW)
    .returning(col(SignIn.id))
)

# The loser of that race: its token was retired by the last rotation, within the interval, of a live sign-in.
# Read after the failed swap, which on PostgreSQL waited for the winner's commit, so the rotation is visible.
SELECT_CURRENT_JTI_WITHIN_GRACE = Statement(
    select(col(SignIn.refresh_jti)).where(
        col(SignIn.id) == bindparam("sign_in_id"),
        col(SignIn.user_id) == bindparam("owner_id"),
        col(SignIn.previous_refresh_jti) == bindparam("presented_jti"),
        col(SignIn.rotated_at) > bindparam("rotated_after", type_=_WHEN),
        col(SignIn.revoked_at).is_(None),
        col(SignIn.expires_at) > _NOW,
    )
)


async def swap_refresh_token(
    *, session: Session, owner_id: str, sign_in_id: str, presented_jti: str, new_jti: str, now: datetime
) -> bool:
    row = await session.one(
        SWAP_REFRESH_TOKEN,
        sign_in_id=sign_in_id,
        owner_id=owner_id,
        presented_jti=presented_jti,
        new_jti=new_jti,
        now=now,
    )
    return row is not None


async def select_current_jti_within_grace(
    *, session: Session, owner_id: str, sign_in_id: str, presented_jti: str, rotated_after: datetime, now: datetime
) -> str | None:
    """The sign-in's current refresh jti when `presented_jti` is the one its last rotation retired after then."""
    jti = await session.scalar(
        SELECT_CURRENT_JTI_WITHIN_GRACE,
        sign_in_id=sign_in_id,
        owner_id=owner_id,
        presented_jti=presented_jti,
        rotated_after=rotated_after,
        now=now,
    )
    return str(jti) if jti is not None else None
