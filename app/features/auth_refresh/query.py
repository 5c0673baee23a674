from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.column_types import utc_now
from app.shared.models import SignIn


async def swap_refresh_token(
    *, session: AsyncSession, owner_id: str, sign_in_id: str, presented_jti: str, new_jti: str
) -> bool:
    """Compare-and-swap in one statement: of two racing refreshes with the same token, exactly one wins."""
    statement = (
        update(SignIn)
        .where(
            col(SignIn.id) == sign_in_id,
            col(SignIn.user_id) == owner_id,
            col(SignIn.refresh_jti) == presented_jti,
            col(SignIn.revoked_at).is_(None),
            col(SignIn.expires_at) > utc_now(),
        )
        .values(refresh_jti=new_jti)
        .returning(col(SignIn.id))
    )
    return (await session.exec(statement)).one_or_none() is not None


async def revoke_sign_in(*, session: AsyncSession, owner_id: str, sign_in_id: str) -> bool:
    """True when this call revoked a live sign-in (so a retired token was replayed), False if already dead."""
    statement = (
        update(SignIn)
        .where(col(SignIn.id) == sign_in_id, col(SignIn.user_id) == owner_id, col(SignIn.revoked_at).is_(None))
        .values(revoked_at=utc_now())
        .returning(col(SignIn.id))
    )
    return (await session.exec(statement)).one_or_none() is not None
