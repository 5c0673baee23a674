"""The statements POST /api/auth/refresh runs, declared once, each scoped to its caller."""

from sqlalchemy import bindparam, update
from sqlmodel import col

from app.shared.for_slices import Session, SignIn, Statement, utc_now

_NOW = bindparam("now", type_=SignIn.__table__.columns["expires_at"].type)  # type: ignore[attr-defined]
# Compare-and-swap in one statement: of two racing refreshes with the same token, exactly one wins.
SWAP_REFRESH_TOKEN = Statement(
    update(SignIn)
    .where(
        col(SignIn.id) == bindparam("sign_in_id"),
        col(SignIn.user_id) == bindparam("owner_id"),
        col(SignIn.refresh_jti) == bindparam("presented_jti"),
        col(SignIn.revoked_at).is_(None),
        col(SignIn.expires_at) > _NOW,
    )
    .values(refresh_jti=bindparam("new_jti"))
    .returning(col(SignIn.id))
)


async def swap_refresh_token(
    *, session: Session, owner_id: str, sign_in_id: str, presented_jti: str, new_jti: str
) -> bool:
    row = await session.one(
        SWAP_REFRESH_TOKEN,
        sign_in_id=sign_in_id,
        owner_id=owner_id,
        presented_jti=presented_jti,
        new_jti=new_jti,
        now=utc_now(),
    )
    return row is not None
