"""Stand-in routes for the kernel's rate-limit wiring, declared exactly as slices declare it.

The kernel is tested on its own with these; the real auth and task routes are tested in test_rate_limit_http.py.
"""

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from app.shared.errors import InvalidCredentialsError
from app.shared.http.dependencies import AuthRateLimit, CurrentUser, SignInEmailLimit
from app.shared.http.messages import Message

AUTH_PROBE = "/probe/auth"
SIGN_IN_PROBE = "/probe/signin"
API_PROBE = "/probe/me"
FAILING_PROBE = "/probe/fails"
LEAKY_DETAIL = "SELECT password_hash FROM users -- secret=hunter2"


class Credentials(BaseModel):
    email: str
    password: str


auth_router = APIRouter(tags=["Probe"], dependencies=[AuthRateLimit])
api_router = APIRouter(tags=["Probe"])


@auth_router.post(AUTH_PROBE)
async def auth_probe() -> Message:
    """An auth route: counted per client IP."""
    return Message(detail="ok")


@auth_router.post(SIGN_IN_PROBE)
async def sign_in_probe(credentials: Credentials, limit: SignInEmailLimit) -> Message:
    """Sign-in: per client IP and per target email; a wrong password is 401."""
    await limit(credentials.email)
    if credentials.password != "right-password":
        raise InvalidCredentialsError
    return Message(detail="ok")


@api_router.get(API_PROBE)
async def api_probe(user: CurrentUser) -> Message:
    """An authenticated route: counted per user by CurrentUser."""
    return Message(detail=user.user_id)


@api_router.get(FAILING_PROBE)
async def failing_probe() -> Message:
    """A bug: an unexpected exception whose text must never reach the client."""
    raise RuntimeError(LEAKY_DETAIL)


def with_probes(app: FastAPI) -> FastAPI:
    app.include_router(auth_router)
    app.include_router(api_router)
    return app
