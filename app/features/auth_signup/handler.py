"""The use case behind POST /api/auth/signup: an account created and signed in."""

from uuid import uuid4

from app.features.auth_signup.query import insert_account
from app.features.auth_signup.request import AccountCreate
from app.shared.for_slices import (
    AuthSession,
    ConflictError,
    PasswordHasher,
    Session,
    TokenService,
    UserPublic,
    start_sign_in,
    utc_now,
)


async def handle(
    *, session: Session, tokens: TokenService, passwords: PasswordHasher, data: AccountCreate
) -> AuthSession:
    now = utc_now()
    user_id = str(uuid4())
    name = data.account_name
    user = {
        "id": user_id,
        "email": data.email,
        "name": name,
        "password_hash": await passwords.hash(data.password),
        "created_at": now,
        "updated_at": now,
    }
    sign_in, issued = start_sign_in(tokens, user_id=user_id, email=data.email, name=name)
    if not await insert_account(session=session, user=user, sign_in=sign_in):
        raise ConflictError("Email already registered")
    return AuthSession(user=UserPublic.model_validate(user), **issued.as_pair().model_dump())
