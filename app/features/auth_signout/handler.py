"""The use case behind POST /api/auth/signout: the caller's sign-in ended, its tokens refused from then on."""

from app.features.auth_signout.query import revoke_sign_ins
from app.shared.for_slices import AuthenticationError, Message, Principal, Session, TokenService


async def handle(*, session: Session, tokens: TokenService, owner: Principal, refresh_token: str | None) -> Message:
    """Ends the sign-in behind the access token (and the one behind `refresh_token`, if it is the caller's).

    Tokens from Better Auth carry no sign-in of ours: Better Auth ends those sessions, so this answers 200.
    """
    sign_in_ids = {owner.sign_in_id} if owner.sign_in_id else set()
    if refresh_token:
        # A refresh token that fails to verify is simply not revoked: signing out should not fail on it.
        try:
            claims = tokens.verify_refresh(refresh_token)
        except AuthenticationError:
            claims = None
        if claims is not None and claims.user_id == owner.user_id:
            sign_in_ids.add(claims.sign_in_id)
    if not sign_in_ids:
        return Message(detail="Signed out")
    revoked = await revoke_sign_ins(session=session, owner_id=owner.user_id, sign_in_ids=sign_in_ids)
    if owner.sign_in_id and owner.sign_in_id not in revoked:
        raise AuthenticationError("Token has been revoked")
    return Message(detail="Signed out")
