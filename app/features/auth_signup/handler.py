from uuid import uuid4

from app.features.auth_signup.query import insert_account
from app.features.auth_signup.request import SignUpRequest
from app.shared.auth.passwords import PasswordHasher
from app.shared.auth.sign_ins import start_sign_in
from app.shared.auth.tokens import TokenService
from app.shared.column_types import utc_now
from app.shared.database import Session
from app.shared.errors import ConflictError
from app.shared.schemas import AuthSession, UserPublic


async def register(
    *, session: Session, tokens: TokenService, passwords: PasswordHasher, data: SignUpRequest
) -> AuthSession:
    now = utc_now()
    user_id = str(uuid4())
    user = {
        "id": user_id,
        "email": data.email,
        "name": data.name,
        "password_hash": await passwords.hash(data.password),
        "created_at": now,
        "updated_at": now,
    }
    sign_in, issued = start_sign_in(tokens, user_id=user_id, email=data.email, name=data.name)
    if not await insert_account(session=session, user=user, sign_in=sign_in):
        raise ConflictError("Email already registered")
    return AuthSession(user=UserPublic.model_validate(user), **issued.as_pair().model_dump())
