"""The per-app services every request may need, built once at start-up from the settings."""

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request

from app.shared.auth.better_auth_keys import BetterAuthKeys
from app.shared.auth.better_auth_sessions import BetterAuthSessions
from app.shared.auth.passwords import PasswordHasher
from app.shared.auth.provisioning import UserProvisioner
from app.shared.auth.session_cookies import SessionCookies
from app.shared.auth.tokens import TokenService
from app.shared.database import Database
from app.shared.rate_limits.limiter import RateLimiter
from app.shared.settings import Settings


@dataclass
class Kernel:
    settings: Settings
    database: Database
    tokens: TokenService
    passwords: PasswordHasher
    better_auth_keys: BetterAuthKeys
    better_auth_sessions: BetterAuthSessions
    # None unless BETTER_AUTH_SESSION_COOKIES is on.
    session_cookies: SessionCookies | None
    # None when RATE_LIMIT_ENABLED is false.
    rate_limiter: RateLimiter | None
    provisioner: UserProvisioner

    @classmethod
    def build(cls, settings: Settings) -> "Kernel":
        database = Database(settings)
        tokens = TokenService(settings)
        sessions = BetterAuthSessions(settings)
        return cls(
            settings=settings,
            database=database,
            tokens=tokens,
            passwords=PasswordHasher(settings.bcrypt_rounds),
            better_auth_keys=BetterAuthKeys(settings),
            better_auth_sessions=sessions,
            session_cookies=SessionCookies(settings, tokens, sessions)
            if settings.better_auth_session_cookies
            else None,
            rate_limiter=RateLimiter.from_settings(settings),
            provisioner=UserProvisioner(database),
        )


def kernel_of(holder: Request | Starlette) -> Kernel:
    """The one place that reads the kernel off the app (given the app or a request to it): everything else asks here."""
    app = holder.app if isinstance(holder, Request) else holder
    return app.state.kernel  # type: ignore[no-any-return]
