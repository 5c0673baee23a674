from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.column_types import utc_now
from app.shared.models import SignIn


async def revoke_sign_ins(*, session: AsyncSession, owner_id: str, sign_in_ids: Collection[str]) -> set[str]:
    """Revokes the caller's live sign-ins among those named; returns the ids it revoked."""
    statement = (
        update(SignIn)
        .where(col(SignIn.id).in_(sign_in_ids), col(SignIn.user_id) == owner_id, col(SignIn.revoked_at).is_(None))
        .values(revoked_at=utc_now())
        .returning(col(SignIn.id))
    )
    return set((await session.exec(statement)).scalars().all())
