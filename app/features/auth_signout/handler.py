from app.features.auth_signout.query import revoke_sign_ins
from app.shared.auth.principal import Principal
from app.shared.auth.tokens import TokenService
from app.shared.database import Session
from app.shared.errors import AuthenticationError
from app.shared.schemas import Message


async def sign_out(*, session: Session, tokens: TokenService, owner: Principal, refresh_token: str | None) -> Message:
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
