from app.features.auth_me.query import select_own_user
from app.shared.auth.ownership import raise_if_signed_out
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session
from app.shared.errors import AuthenticationError


async def describe_caller(*, session: Session, owner: Principal) -> Row:
    row = await select_own_user(session=session, owner=owner)
    if row is None:
        await raise_if_signed_out(session, owner)
        raise AuthenticationError("User no longer exists")
    return row
