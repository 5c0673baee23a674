"""The use case behind POST /api/auth/signin: email and password checked, a new sign-in started."""

from app.features.auth_signin.query import insert_sign_in, select_account
from app.features.auth_signin.request import AccountSignIn
from app.shared.for_slices import (
    AuthSession,
    InvalidCredentialsError,
    PasswordHasher,
    Session,
    TokenService,
    UserPublic,
    security_event,
    start_sign_in,
)


async def handle(
    *, session: Session, tokens: TokenService, passwords: PasswordHasher, data: AccountSignIn
) -> AuthSession:
    account = await select_account(session=session, email=data.email)
    await session.hand_back()  # no connection held while waiting for a hashing thread
    # One bcrypt check whether or not the account exists, so the answer's timing does not tell.
    password_ok = await passwords.verify(data.password, account["password_hash"] if account else None)
    if account is None or not password_ok:
        security_event("signin_failed", "wrong email or password", email=data.email)
        raise InvalidCredentialsError()
    sign_in, issued = start_sign_in(tokens, user_id=account["id"], email=account["email"], name=account["name"])
    await insert_sign_in(session=session, sign_in=sign_in)
    return AuthSession(user=UserPublic.model_validate(account), **issued.as_pair().model_dump())
