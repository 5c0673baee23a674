"""The statements POST /api/auth/signout runs, declared once, each scoped to its caller."""

from collections.abc import Collection

from app.shared.for_slices import Session, revoke_sign_in


async def revoke_sign_ins(*, session: Session, owner_id: str, sign_in_ids: Collection[str]) -> set[str]:
    """Revokes the caller's live sign-ins among those named (one or two); returns the ids it revoked."""
    return {
        sign_in_id
        for sign_in_id in sorted(sign_in_ids)
        if await revoke_sign_in(session, owner_id=owner_id, sign_in_id=sign_in_id)
    }
